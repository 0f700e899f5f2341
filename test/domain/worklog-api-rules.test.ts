/** The rules of the worklog API around the import: create, edit, search filters, issue search. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chooseIssueSearch } from '../../src/domain/issue-search.js';
import { MAX_COMMENT_LENGTH, checkWorklogCreate, checkWorklogEdit } from '../../src/domain/worklog-rules.js';
import { checkCreatedAtRange, parseCreatedAtQuery } from '../../src/domain/worklog-search.js';
import { assertErrorFields, expectChecked, expectErrors, expectParsed, expectRefused } from './helpers.js';

const ms = (text: string): number => Date.parse(text);

describe('checkWorklogCreate', () => {
  it('answers the parsed values, a null comment for none or null', () => {
    assert.deepEqual(expectChecked(checkWorklogCreate({ start: '2021-09-21T15:30:00.000+0500', duration: 'P5DT20M', comment: 'c' })), {
      durationSeconds: 5 * 8 * 3600 + 20 * 60,
      start: ms('2021-09-21T10:30:00.000Z'),
      comment: 'c',
    });
    assert.equal(expectChecked(checkWorklogCreate({ start: '2021-09-21T15:30:00', duration: 'PT1H' })).comment, null);
    assert.equal(expectChecked(checkWorklogCreate({ start: '2021-09-21T15:30:00', duration: 'PT1H', comment: null })).comment, null);
  });

  it('accepts any valid start, however far from now', () => {
    expectChecked(checkWorklogCreate({ start: '0001-01-01T00:00:00Z', duration: 'PT1S' }));
    expectChecked(checkWorklogCreate({ start: '9999-12-31T23:59:59.999Z', duration: 'PT1S' }));
  });

  it('names every broken field at once', () => {
    assertErrorFields(
      expectErrors(checkWorklogCreate({ start: '2021-09-21', duration: 'PT0S', comment: 'x'.repeat(MAX_COMMENT_LENGTH + 1) })),
      ['start', 'duration', 'comment'],
    );
    assertErrorFields(expectErrors(checkWorklogCreate({ start: '2021-09-21T00:00:00Z', duration: 'P1M' })), ['duration']);
  });
});

describe('checkWorklogEdit', () => {
  it('changes only what is sent', () => {
    assert.deepEqual(expectChecked(checkWorklogEdit({ duration: 'PT520M' })), { durationSeconds: 520 * 60 });
    assert.deepEqual(expectChecked(checkWorklogEdit({ comment: 'c' })), { comment: 'c' });
    assert.deepEqual(expectChecked(checkWorklogEdit({ comment: null })), { comment: null });
    assert.deepEqual(expectChecked(checkWorklogEdit({ start: '2025-01-01T03:00:00+03:00' })), { start: ms('2025-01-01T00:00:00Z') });
  });

  it('refuses an edit of nothing with a general message', () => {
    const result = checkWorklogEdit({});
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.deepEqual(result.error.fieldErrors, {});
      assert.match(result.error.messages![0]!, /at least one of duration, comment, start/);
    }
  });

  it('checks each field sent as on create', () => {
    assertErrorFields(expectErrors(checkWorklogEdit({ duration: '-PT1H', start: 'now', comment: 'x'.repeat(MAX_COMMENT_LENGTH + 1) })), [
      'duration',
      'start',
      'comment',
    ]);
  });

  it('agrees with create on every duration', () => {
    fc.assert(
      fc.property(fc.string(), (duration) => {
        const edit = checkWorklogEdit({ duration });
        const create = checkWorklogCreate({ start: '2025-01-01T00:00:00Z', duration });
        assert.equal(edit.ok, create.ok);
        if (edit.ok && create.ok) assert.equal(edit.value.durationSeconds, create.value.durationSeconds);
      }),
    );
  });
});

describe('worklog search filters', () => {
  it('reads the body range, either end optional, and refuses a reversed one', () => {
    assert.deepEqual(expectChecked(checkCreatedAtRange({ from: '2018-06-06T08:42:15.258' })), { from: ms('2018-06-06T08:42:15.258Z') });
    assert.deepEqual(expectChecked(checkCreatedAtRange({})), {});
    const same = '2025-01-01T00:00:00Z';
    assert.deepEqual(expectChecked(checkCreatedAtRange({ from: same, to: same })), { from: ms(same), to: ms(same) });
    assertErrorFields(expectErrors(checkCreatedAtRange({ from: '2025-01-02T00:00:00Z', to: same })), ['createdAt']);
    assertErrorFields(expectErrors(checkCreatedAtRange({ to: '2025-01-02' })), ['createdAt']);
  });

  it('reads the query form: from: and to:, each at most once, a space for an unencoded +', () => {
    assert.deepEqual(expectParsed(parseCreatedAtQuery(['from:2025-01-01T00:00:00', 'to:2025-02-01T00:00:00.000+0000'])), {
      from: ms('2025-01-01T00:00:00Z'),
      to: ms('2025-02-01T00:00:00Z'),
    });
    assert.deepEqual(expectParsed(parseCreatedAtQuery(['to:2025-02-01T03:00:00.000 0300'])), { to: ms('2025-02-01T00:00:00Z') });
    assert.deepEqual(expectParsed(parseCreatedAtQuery(['from:2025-02-01T03:00:00 03:00'])), { from: ms('2025-02-01T00:00:00Z') });
    assert.deepEqual(expectParsed(parseCreatedAtQuery([])), {});
    for (const values of [
      ['2025-01-01T00:00:00'],
      ['from:'],
      ['from:x'],
      ['from:2025-01-01T00:00:00', 'from:2025-01-01T00:00:00'],
      ['to:2025-01-01T00:00:00', 'from:2025-01-02T00:00:00'],
      ['since:2025-01-01T00:00:00'],
    ]) {
      expectRefused(parseCreatedAtQuery(values), values.join('&'));
    }
  });
});

describe('chooseIssueSearch', () => {
  it('selects by keys, queue, filter.queue or everything; nulls are "not given"', () => {
    const nulls = { filter: null, filterId: null, query: null, keys: null, queue: null, order: null };
    assert.deepEqual(chooseIssueSearch({ ...nulls, keys: ['A-1'] }), { ok: true, value: { by: 'keys', keys: ['A-1'] } });
    assert.deepEqual(chooseIssueSearch({ keys: 'A-1' }), { ok: true, value: { by: 'keys', keys: ['A-1'] } });
    assert.deepEqual(chooseIssueSearch({ ...nulls, queue: 'A' }), { ok: true, value: { by: 'queue', queue: 'A', field: 'queue' } });
    assert.deepEqual(chooseIssueSearch({ ...nulls, filter: { queue: 'A' } }), {
      ok: true,
      value: { by: 'queue', queue: 'A', field: 'filter' },
    });
    assert.deepEqual(chooseIssueSearch(nulls), { ok: true, value: { by: 'all' } });
    assert.deepEqual(chooseIssueSearch({}), { ok: true, value: { by: 'all' } });
  });

  it('answers a mix with 400 and what is not supported with 422', () => {
    const mixed = chooseIssueSearch({ keys: ['A-1'], queue: 'A' });
    assert.ok(!mixed.ok && mixed.error.kind === 'malformed');
    const unsupported = chooseIssueSearch({ keys: ['A-1'], queue: 'A', query: 'x', filterId: 1, order: ['+key'] });
    assert.ok(!unsupported.ok && unsupported.error.kind === 'invalid');
    if (!unsupported.ok) assert.deepEqual(Object.keys(unsupported.error.fieldErrors).sort(), ['filterId', 'order', 'query']);
  });
});
