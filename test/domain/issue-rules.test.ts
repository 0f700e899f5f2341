import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_DURATION_SECONDS } from '../../src/domain/duration.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_SUMMARY_LENGTH,
  type IssueImportTimes,
  calendarDateError,
  checkIssueImportTimes,
  estimationMillisError,
} from '../../src/domain/issue-rules.js';
import { formatTrackerTimestamp } from '../../src/domain/timestamp.js';
import { assertErrorFields, expectChecked, expectErrors } from './helpers.js';

const ms = (text: string): number => Date.parse(text);
const ts = formatTrackerTimestamp;

const NOW = ms('2025-06-01T12:00:00.000Z');
const CREATED = ms('2025-01-10T09:00:00.000Z');
const UPDATED = ms('2025-02-20T18:00:00.000Z');
const RESOLVED = ms('2025-02-01T10:00:00.000Z');

const resolvedTrio = { resolvedAt: ts(RESOLVED), resolvedBy: 'alice', resolution: 'fixed' };
const updatedPair = { updatedAt: ts(UPDATED), updatedBy: 'bob' };

describe('checkIssueImportTimes: valid imports and defaults', () => {
  it('with createdAt alone, the issue was last updated when created and is not resolved', () => {
    assert.deepEqual(expectChecked(checkIssueImportTimes({ createdAt: ts(CREATED) }, NOW)), {
      createdAt: CREATED,
      updatedAt: CREATED,
      resolvedAt: null,
    });
  });

  it('with the updated pair, answers its instant', () => {
    assert.deepEqual(expectChecked(checkIssueImportTimes({ createdAt: ts(CREATED), ...updatedPair }, NOW)), {
      createdAt: CREATED,
      updatedAt: UPDATED,
      resolvedAt: null,
    });
  });

  it('with both pairs, answers all three instants', () => {
    assert.deepEqual(expectChecked(checkIssueImportTimes({ createdAt: ts(CREATED), ...updatedPair, ...resolvedTrio }, NOW)), {
      createdAt: CREATED,
      updatedAt: UPDATED,
      resolvedAt: RESOLVED,
    });
  });

  it('reads offsets and zone-less instants', () => {
    const value = expectChecked(
      checkIssueImportTimes({ createdAt: '2025-01-10T14:00:00.000+0500', updatedAt: '2025-02-20T18:00:00', updatedBy: 'bob' }, NOW),
    );
    assert.equal(value.createdAt, CREATED);
    assert.equal(value.updatedAt, UPDATED);
  });

  it('accepts user references of any kind (a login, an id) for updatedBy and resolvedBy', () => {
    expectChecked(
      checkIssueImportTimes(
        { createdAt: ts(CREATED), updatedAt: ts(UPDATED), updatedBy: 1234, resolvedAt: ts(RESOLVED), resolvedBy: 5678, resolution: 1 },
        NOW,
      ),
    );
  });

  it('accepts createdAt exactly now', () => {
    assert.equal(expectChecked(checkIssueImportTimes({ createdAt: ts(NOW) }, NOW)).createdAt, NOW);
  });

  it('accepts updatedAt exactly at creation and exactly now', () => {
    expectChecked(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: ts(CREATED), updatedBy: 'bob' }, NOW));
    expectChecked(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: ts(NOW), updatedBy: 'bob' }, NOW));
  });

  it('accepts resolvedAt exactly at creation and exactly at the last update', () => {
    for (const resolvedAt of [CREATED, UPDATED]) {
      const value = expectChecked(
        checkIssueImportTimes({ createdAt: ts(CREATED), ...updatedPair, ...resolvedTrio, resolvedAt: ts(resolvedAt) }, NOW),
      );
      assert.equal(value.resolvedAt, resolvedAt);
    }
  });

  it('without updatedAt, resolvedAt must equal createdAt (the window has zero width)', () => {
    const value = expectChecked(checkIssueImportTimes({ createdAt: ts(CREATED), ...resolvedTrio, resolvedAt: ts(CREATED) }, NOW));
    assert.deepEqual(value, { createdAt: CREATED, updatedAt: CREATED, resolvedAt: CREATED });
    assertErrorFields(expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), ...resolvedTrio, resolvedAt: ts(CREATED + 1) }, NOW)), [
      'resolvedAt',
    ]);
    assertErrorFields(expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), ...resolvedTrio, resolvedAt: ts(CREATED - 1) }, NOW)), [
      'resolvedAt',
    ]);
  });
});

describe('checkIssueImportTimes: pairing rules', () => {
  it('refuses updatedAt without updatedBy, naming updatedBy', () => {
    const errors = expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: ts(UPDATED) }, NOW));
    assertErrorFields(errors, ['updatedBy']);
  });

  it('refuses updatedBy without updatedAt, naming updatedAt', () => {
    const errors = expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), updatedBy: 'bob' }, NOW));
    assertErrorFields(errors, ['updatedAt']);
  });

  const trioFields = ['resolvedAt', 'resolvedBy', 'resolution'] as const;
  for (let mask = 1; mask < 7; mask += 1) {
    const given = trioFields.filter((_, i) => (mask >> i) & 1);
    const missing = trioFields.filter((_, i) => !((mask >> i) & 1));
    it(`refuses the resolved trio with only ${given.join(' and ')}, naming a missing field`, () => {
      const times: IssueImportTimes = { createdAt: ts(CREATED), ...updatedPair };
      for (const field of given) Object.assign(times, { [field]: resolvedTrio[field] });
      const errors = expectErrors(checkIssueImportTimes(times, NOW));
      const fields = Object.keys(errors);
      assert.equal(fields.length, 1, JSON.stringify(errors));
      assert.ok((missing as readonly string[]).includes(fields[0]!), `${fields[0]} is not one of the missing ${missing.join(', ')}`);
    });
  }

  it('treats explicitly undefined members as absent', () => {
    const value = expectChecked(
      checkIssueImportTimes(
        {
          createdAt: ts(CREATED),
          updatedAt: undefined,
          updatedBy: undefined,
          resolvedAt: undefined,
          resolvedBy: undefined,
          resolution: undefined,
        },
        NOW,
      ),
    );
    assert.deepEqual(value, { createdAt: CREATED, updatedAt: CREATED, resolvedAt: null });
  });
});

describe('checkIssueImportTimes: instants out of order', () => {
  it('refuses createdAt in the future', () => {
    const errors = expectErrors(checkIssueImportTimes({ createdAt: ts(NOW + 1) }, NOW));
    assertErrorFields(errors, ['createdAt']);
    assert.match(errors.createdAt!, /future/);
  });

  it('refuses an unparseable createdAt', () => {
    for (const createdAt of ['', '2025-01-10', '2025-02-29T00:00:00.000+0000', 'now']) {
      assertErrorFields(expectErrors(checkIssueImportTimes({ createdAt }, NOW)), ['createdAt']);
    }
  });

  it('refuses an unparseable updatedAt or resolvedAt', () => {
    assertErrorFields(expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: '2025-02-20', updatedBy: 'bob' }, NOW)), [
      'updatedAt',
    ]);
    assertErrorFields(
      expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), ...updatedPair, ...resolvedTrio, resolvedAt: 'x' }, NOW)),
      ['resolvedAt'],
    );
  });

  it('refuses updatedAt 1 ms before createdAt', () => {
    const errors = expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: ts(CREATED - 1), updatedBy: 'bob' }, NOW));
    assertErrorFields(errors, ['updatedAt']);
  });

  it('refuses updatedAt 1 ms after now', () => {
    const errors = expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: ts(NOW + 1), updatedBy: 'bob' }, NOW));
    assertErrorFields(errors, ['updatedAt']);
  });

  it('refuses resolvedAt 1 ms before createdAt', () => {
    const errors = expectErrors(
      checkIssueImportTimes({ createdAt: ts(CREATED), ...updatedPair, ...resolvedTrio, resolvedAt: ts(CREATED - 1) }, NOW),
    );
    assertErrorFields(errors, ['resolvedAt']);
  });

  it('refuses resolvedAt 1 ms after updatedAt, even though it is in the past', () => {
    const errors = expectErrors(
      checkIssueImportTimes({ createdAt: ts(CREATED), ...updatedPair, ...resolvedTrio, resolvedAt: ts(UPDATED + 1) }, NOW),
    );
    assertErrorFields(errors, ['resolvedAt']);
  });

  it('refuses an updatedAt given without updatedBy that is also out of order, reporting both', () => {
    const errors = expectErrors(checkIssueImportTimes({ createdAt: ts(CREATED), updatedAt: ts(CREATED - 1) }, NOW));
    assertErrorFields(errors, ['updatedAt', 'updatedBy']);
  });

  it('reports several broken rules at once', () => {
    const errors = expectErrors(
      checkIssueImportTimes(
        { createdAt: ts(NOW + 10), updatedAt: ts(NOW + 5), updatedBy: 'bob', resolvedAt: ts(CREATED), resolvedBy: 'alice' },
        NOW,
      ),
    );
    for (const field of ['createdAt', 'updatedAt', 'resolution'])
      assert.ok(field in errors, `${field} missing from ${JSON.stringify(errors)}`);
  });

  it('never throws on arbitrary strings in the instant fields', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        (createdAt, updatedAt, resolvedAt) => {
          assert.doesNotThrow(() =>
            checkIssueImportTimes({ createdAt, updatedAt, updatedBy: 'bob', resolvedAt, resolvedBy: 'a', resolution: 'fixed' }, NOW),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('checkIssueImportTimes: model property', () => {
  it('accepts exactly the combinations docs/tracker-api.md §Issue import allows, and answers the right instants', () => {
    const base = ms('2024-01-01T00:00:00.000Z');
    const instant = fc.integer({ min: 0, max: 200 }).map((n) => base + n);
    fc.assert(
      fc.property(
        instant,
        instant,
        fc.option(instant, { nil: undefined }),
        fc.boolean(),
        fc.option(instant, { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        (now, createdAt, updatedAt, updatedByGiven, resolvedAt, resolvedByGiven, resolutionGiven) => {
          const times: IssueImportTimes = { createdAt: ts(createdAt) };
          if (updatedAt !== undefined) times.updatedAt = ts(updatedAt);
          if (updatedByGiven) times.updatedBy = 'bob';
          if (resolvedAt !== undefined) times.resolvedAt = ts(resolvedAt);
          if (resolvedByGiven) times.resolvedBy = 'alice';
          if (resolutionGiven) times.resolution = 'fixed';

          const lastUpdate = updatedAt ?? createdAt;
          const resolvedCount = [resolvedAt !== undefined, resolvedByGiven, resolutionGiven].filter(Boolean).length;
          const valid =
            createdAt <= now &&
            (updatedAt !== undefined) === updatedByGiven &&
            (updatedAt === undefined || (createdAt <= updatedAt && updatedAt <= now)) &&
            (resolvedCount === 0 || resolvedCount === 3) &&
            (resolvedAt === undefined || (createdAt <= resolvedAt && resolvedAt <= lastUpdate));

          const result = checkIssueImportTimes(times, now);
          if (valid) {
            assert.deepEqual(expectChecked(result), { createdAt, updatedAt: lastUpdate, resolvedAt: resolvedAt ?? null });
          } else {
            expectErrors(result);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('calendarDateError', () => {
  for (const text of [
    '2025-02-18',
    '2024-02-29',
    '2000-02-29',
    '1600-02-29',
    '2025-12-31',
    '2025-01-01',
    '0001-01-01',
    '9999-12-31',
    '2025-04-30',
  ]) {
    it(`accepts ${text}`, () => {
      assert.equal(calendarDateError(text), undefined);
    });
  }

  const refusals = [
    '2025-02-29',
    '1900-02-29',
    '2100-02-29',
    '2025-02-30',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-01-32',
    '2025-1-1',
    '25-01-01',
    '2025-02-18T00:00:00.000+0000',
    '2025-02-18T00:00:00Z',
    ' 2025-02-18',
    '2025-02-18 ',
    '2025-02-18\n',
    '2025/02/18',
    '18.02.2025',
    '20250218',
    '+02025-02-18',
    '10000-01-01',
    '0000-01-01',
    '0000-02-29',
    '',
    'tomorrow',
  ];
  for (const text of refusals) {
    it(`refuses ${JSON.stringify(text)} with a message`, () => {
      const error = calendarDateError(text);
      assert.equal(typeof error, 'string');
      assert.ok(error!.length > 0);
    });
  }

  it('property: accepts exactly the days that exist in years 0001-9999', () => {
    const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const daysIn = (y: number, m: number): number => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        const exists = m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);
        assert.equal(calendarDateError(text) === undefined, exists, text);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        assert.doesNotThrow(() => calendarDateError(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('estimationMillisError', () => {
  const accepted = [1000, 60_000, 3_600_000, 28_800_000, 144_000_000, MAX_DURATION_SECONDS * 1000];
  for (const millis of accepted) {
    it(`accepts ${millis} ms`, () => {
      assert.equal(estimationMillisError(millis), undefined);
    });
  }

  const refused: [number, string][] = [
    [0, 'zero'],
    [-1000, 'negative'],
    [-1, 'negative, not whole seconds'],
    [1, 'one millisecond'],
    [999, 'under a second'],
    [1500, 'a second and a half'],
    [3_600_001, 'an hour and a millisecond'],
    [1000.5, 'fractional milliseconds'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'infinity'],
    [(MAX_DURATION_SECONDS + 1) * 1000, 'one second over the maximum'],
    [Number.MAX_SAFE_INTEGER, 'the largest safe integer'],
    [Number.MAX_SAFE_INTEGER + 1, 'beyond safe integers'],
  ];
  for (const [millis, why] of refused) {
    it(`refuses ${millis} (${why}) with a message`, () => {
      const error = estimationMillisError(millis);
      assert.equal(typeof error, 'string');
      assert.ok(error!.length > 0);
    });
  }

  it('property: whole seconds in [1, MAX] are accepted, anything with leftover milliseconds is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_DURATION_SECONDS }), fc.integer({ min: 1, max: 999 }), (seconds, extra) => {
        assert.equal(estimationMillisError(seconds * 1000), undefined);
        assert.equal(typeof estimationMillisError(seconds * 1000 + extra), 'string');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('issue field limits', () => {
  it('uses the documented limits: summary 255, description 512,000', () => {
    assert.equal(MAX_SUMMARY_LENGTH, 255);
    assert.equal(MAX_DESCRIPTION_LENGTH, 512_000);
  });
});
