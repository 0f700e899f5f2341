import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatTrackerTimestamp } from '../../src/domain/timestamp.js';
import { MAX_COMMENT_LENGTH, type IssueLifetime, type WorklogImportFields, checkWorklogImport } from '../../src/domain/worklog-rules.js';
import { assertErrorFields, expectChecked, expectErrors } from './helpers.js';

const ms = (text: string): number => Date.parse(text);
const ts = formatTrackerTimestamp;

const ISSUE: IssueLifetime = {
  createdAt: ms('2025-01-10T09:00:00.000Z'),
  updatedAt: ms('2025-02-20T18:00:00.000Z'),
};
const NOW = ms('2025-06-01T12:00:00.000Z');

const fields = (overrides: Partial<WorklogImportFields> = {}): WorklogImportFields => ({
  duration: 'PT1H',
  createdAt: '2025-02-18T16:35:41.740+0000',
  start: '2025-02-18T16:35:41.740+0000',
  ...overrides,
});

describe('checkWorklogImport: a valid import', () => {
  it('answers the parsed values', () => {
    const value = expectChecked(checkWorklogImport(fields({ comment: 'My comment' }), ISSUE, NOW));
    assert.deepEqual(value, {
      durationSeconds: 3600,
      createdAt: ms('2025-02-18T16:35:41.740Z'),
      start: ms('2025-02-18T16:35:41.740Z'),
      comment: 'My comment',
    });
  });

  it('answers a null comment when none is sent', () => {
    assert.equal(expectChecked(checkWorklogImport(fields(), ISSUE, NOW)).comment, null);
    assert.equal(expectChecked(checkWorklogImport(fields({ comment: undefined }), ISSUE, NOW)).comment, null);
  });

  it('keeps an empty comment as sent', () => {
    assert.equal(expectChecked(checkWorklogImport(fields({ comment: '' }), ISSUE, NOW)).comment, '');
  });

  it('reads the duration on the business calendar and the instants with their offsets', () => {
    const value = expectChecked(
      checkWorklogImport(
        fields({ duration: 'P0Y0M30DT2H10M25S', createdAt: '2025-02-18T21:35:41.740+05:00', start: '2025-02-18T16:35:41' }),
        ISSUE,
        NOW,
      ),
    );
    assert.equal(value.durationSeconds, 30 * 8 * 3600 + 2 * 3600 + 10 * 60 + 25);
    assert.equal(value.createdAt, ms('2025-02-18T16:35:41.740Z'));
    assert.equal(value.start, ms('2025-02-18T16:35:41.000Z'));
  });

  it('places no rule on start beyond being a valid date-time (docs/tracker-api.md §Open questions, 4)', () => {
    for (const start of ['1999-01-01T00:00:00.000+0000', '2030-01-01T00:00:00.000+0000', '0001-01-01T00:00:00Z']) {
      expectChecked(checkWorklogImport(fields({ start }), ISSUE, NOW));
    }
  });
});

describe('checkWorklogImport: the createdAt window', () => {
  it('accepts createdAt exactly at the issue creation', () => {
    const value = expectChecked(checkWorklogImport(fields({ createdAt: ts(ISSUE.createdAt) }), ISSUE, NOW));
    assert.equal(value.createdAt, ISSUE.createdAt);
  });

  it('accepts createdAt exactly at the issue last update', () => {
    const value = expectChecked(checkWorklogImport(fields({ createdAt: ts(ISSUE.updatedAt) }), ISSUE, NOW));
    assert.equal(value.createdAt, ISSUE.updatedAt);
  });

  it('refuses createdAt 1 ms before the issue creation', () => {
    const errors = expectErrors(checkWorklogImport(fields({ createdAt: ts(ISSUE.createdAt - 1) }), ISSUE, NOW));
    assertErrorFields(errors, ['createdAt']);
  });

  it('refuses createdAt 1 ms after the issue last update', () => {
    const errors = expectErrors(checkWorklogImport(fields({ createdAt: ts(ISSUE.updatedAt + 1) }), ISSUE, NOW));
    assertErrorFields(errors, ['createdAt']);
  });

  it('compares instants, not wall clocks: the same instant in another offset is judged the same', () => {
    // ISSUE.createdAt is 09:00 UTC = 14:00+05:00; one millisecond earlier is outside.
    expectChecked(checkWorklogImport(fields({ createdAt: '2025-01-10T14:00:00.000+0500' }), ISSUE, NOW));
    expectErrors(checkWorklogImport(fields({ createdAt: '2025-01-10T13:59:59.999+0500' }), ISSUE, NOW));
    expectChecked(checkWorklogImport(fields({ createdAt: '2025-02-20T13:00:00.000-05:00' }), ISSUE, NOW));
    expectErrors(checkWorklogImport(fields({ createdAt: '2025-02-20T13:00:00.001-05:00' }), ISSUE, NOW));
  });

  it('accepts the only instant of a zero-width window (issue never updated) and refuses its neighbours', () => {
    const issue = { createdAt: ISSUE.createdAt, updatedAt: ISSUE.createdAt };
    expectChecked(checkWorklogImport(fields({ createdAt: ts(issue.createdAt) }), issue, NOW));
    expectErrors(checkWorklogImport(fields({ createdAt: ts(issue.createdAt - 1) }), issue, NOW));
    expectErrors(checkWorklogImport(fields({ createdAt: ts(issue.createdAt + 1) }), issue, NOW));
  });

  it('refuses createdAt in the future even when the issue window allows it', () => {
    const issue = { createdAt: ms('2025-01-01T00:00:00.000Z'), updatedAt: ms('2026-01-01T00:00:00.000Z') };
    const errors = expectErrors(checkWorklogImport(fields({ createdAt: ts(NOW + 1) }), issue, NOW));
    assertErrorFields(errors, ['createdAt']);
    assert.match(errors.createdAt!, /future/);
  });

  it('accepts createdAt exactly now when the window allows it', () => {
    const issue = { createdAt: ms('2025-01-01T00:00:00.000Z'), updatedAt: ms('2026-01-01T00:00:00.000Z') };
    expectChecked(checkWorklogImport(fields({ createdAt: ts(NOW) }), issue, NOW));
  });

  it('says which rule createdAt broke, naming the window', () => {
    const errors = expectErrors(checkWorklogImport(fields({ createdAt: ts(ISSUE.createdAt - 1) }), ISSUE, NOW));
    assert.ok(errors.createdAt!.includes(ts(ISSUE.createdAt)), errors.createdAt);
    assert.ok(errors.createdAt!.includes(ts(ISSUE.updatedAt)), errors.createdAt);
  });

  it('property: accepted exactly when issue.createdAt <= createdAt <= min(issue.updatedAt, now)', () => {
    const base = ms('2020-01-01T00:00:00.000Z');
    const span = 10_000;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: span }),
        fc.integer({ min: 0, max: span }),
        fc.integer({ min: 0, max: span }),
        fc.integer({ min: -10, max: span + 10 }),
        (a, b, n, c) => {
          const issue = { createdAt: base + Math.min(a, b), updatedAt: base + Math.max(a, b) };
          const now = base + n;
          const createdAt = base + c;
          const result = checkWorklogImport(fields({ createdAt: ts(createdAt) }), issue, now);
          const inside = createdAt >= issue.createdAt && createdAt <= issue.updatedAt && createdAt <= now;
          if (inside) {
            assert.equal(expectChecked(result).createdAt, createdAt);
          } else {
            assertErrorFields(expectErrors(result), ['createdAt']);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('checkWorklogImport: field errors', () => {
  it('reports duration, start and createdAt errors all at once', () => {
    const errors = expectErrors(
      checkWorklogImport(fields({ duration: 'PT1.5H', start: '2025-02-18', createdAt: 'yesterday' }), ISSUE, NOW),
    );
    assertErrorFields(errors, ['duration', 'start', 'createdAt']);
  });

  it('reports a duration error together with a window error on createdAt', () => {
    const errors = expectErrors(checkWorklogImport(fields({ duration: 'PT0S', createdAt: ts(ISSUE.createdAt - 1) }), ISSUE, NOW));
    assertErrorFields(errors, ['duration', 'createdAt']);
  });

  it('reports every broken field at once, including the comment', () => {
    const errors = expectErrors(
      checkWorklogImport(
        fields({ duration: 'P1M', start: 'soon', createdAt: ts(NOW + 1), comment: 'x'.repeat(MAX_COMMENT_LENGTH + 1) }),
        { createdAt: ISSUE.createdAt, updatedAt: NOW + 1000 },
        NOW,
      ),
    );
    assertErrorFields(errors, ['duration', 'start', 'createdAt', 'comment']);
  });

  const single: [string, Partial<WorklogImportFields>][] = [
    ['duration', { duration: 'PT0S' }],
    ['duration', { duration: '-PT1H' }],
    ['duration', { duration: 'PT1,5H' }],
    ['duration', { duration: 'P1Y' }],
    ['duration', { duration: '' }],
    ['duration', { duration: 'PT2147483648S' }],
    ['start', { start: '' }],
    ['start', { start: '2025-02-30T00:00:00.000+0000' }],
    ['start', { start: '2025-02-18 16:35:41.740+0000' }],
    ['createdAt', { createdAt: '' }],
    ['createdAt', { createdAt: '2025-02-18T16:35:41.740+1900' }],
    ['createdAt', { createdAt: '2025-02-18T16:35' }],
  ];
  for (const [field, override] of single) {
    it(`names only ${field} for ${JSON.stringify(Object.values(override)[0])}`, () => {
      assertErrorFields(expectErrors(checkWorklogImport(fields(override), ISSUE, NOW)), [field]);
    });
  }

  it('accepts a comment of exactly the maximum length', () => {
    const comment = 'x'.repeat(MAX_COMMENT_LENGTH);
    assert.equal(expectChecked(checkWorklogImport(fields({ comment }), ISSUE, NOW)).comment, comment);
  });

  it('refuses a comment one character over the maximum', () => {
    const errors = expectErrors(checkWorklogImport(fields({ comment: 'x'.repeat(MAX_COMMENT_LENGTH + 1) }), ISSUE, NOW));
    assertErrorFields(errors, ['comment']);
    assert.ok(errors.comment!.includes(String(MAX_COMMENT_LENGTH)));
  });

  it('uses the documented comment limit of 512,000', () => {
    assert.equal(MAX_COMMENT_LENGTH, 512_000);
  });

  it('never throws and reports each refused field with a message, for arbitrary field strings', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer({ min: ISSUE.createdAt - 5000, max: ISSUE.updatedAt + 5000 }).map(ts),
      fc.constantFrom('PT1H', 'P5D', 'PT0S', '2025-02-18T16:35:41.740+0000'),
    );
    fc.assert(
      fc.property(text, text, text, fc.option(fc.string(), { nil: undefined }), (duration, createdAt, start, comment) => {
        let result: ReturnType<typeof checkWorklogImport> | undefined;
        assert.doesNotThrow(() => {
          result = checkWorklogImport({ duration, createdAt, start, comment }, ISSUE, NOW);
        });
        if (!result!.ok) {
          const errors = expectErrors(result!);
          for (const field of Object.keys(errors)) assert.ok(['duration', 'createdAt', 'start', 'comment'].includes(field));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
