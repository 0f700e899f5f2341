import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { describeDateOrder, settleDateOrder } from '../../src/importer/source.js';
import { type DateOrder, parseSourceDate } from '../../src/importer/time.js';
import { tempDir } from '../../support/app.js';
import { type Target, importFiles, startTarget, storedWorklogs } from './helpers.js';

const CLOCKIFY_HEADER =
  'Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal)';
const clockifyRow = (task: string, date: string, description: string) =>
  `Migration,ACME,${description},${task},Anna Schmidt,,anna.schmidt@example.com,,Yes,${date},09:00:00 AM,${date},10:00:00 AM,01:00:00,1.00`;

const isDay = (year: number, month: number, day: number) => {
  const date = new Date(Date.UTC(year, month - 1, day));
  return month >= 1 && month <= 12 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

describe('slashed dates: read the way the value or its input allows, asked for only when truly ambiguous', () => {
  test('a value that can be read one way only is read that way, without --date-format', () => {
    assert.deepEqual(parseSourceDate('01/19/2021', undefined), { ok: true, value: { year: 2021, month: 1, day: 19 } });
    assert.deepEqual(parseSourceDate('19/01/2021', undefined), { ok: true, value: { year: 2021, month: 1, day: 19 } });
    assert.deepEqual(parseSourceDate('04/31/2024', undefined).ok, false, 'neither April 31 nor a 31st month');
    assert.deepEqual(
      parseSourceDate('03/03/2024', undefined),
      { ok: true, value: { year: 2024, month: 3, day: 3 } },
      'the same day either way',
    );
    assert.match(
      (parseSourceDate('03/04/2024', undefined) as { error: string }).error,
      /"03\/04\/2024" could be month\/day or day\/month; give --date-format/,
    );
    assert.match((parseSourceDate('13/14/2024', undefined) as { error: string }).error, /no such calendar day, month first or day first/);
    assert.match(
      (parseSourceDate('19/01/2021', 'MDY') as { error: string }).error,
      /"19\/01\/2021" is not a valid date read as MM\/DD\/YYYY: no such calendar day/,
    );
    assert.match(
      (parseSourceDate('01/19/2021', 'YMD') as { error: string }).error,
      /not a date in the form --date-format YYYY-MM-DD gives/,
    );
  });

  test('every refusal of a slashed date is true of the value it shows (property)', () => {
    const order = fc.constantFrom<DateOrder | undefined>(undefined, 'MDY', 'DMY', 'YMD');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1900, max: 2100 }),
        order,
        (first, second, year, given) => {
          const text = `${String(first).padStart(2, '0')}/${String(second).padStart(2, '0')}/${year}`;
          const result = parseSourceDate(text, given);
          const monthFirst = isDay(year, first, second);
          const dayFirst = isDay(year, second, first);
          if (result.ok) {
            const { month, day } = result.value;
            // What was read is one of the readings the value has, and the given order's when one was given.
            if (given === 'MDY') assert.deepEqual([month, day], [first, second]);
            else if (given === 'DMY') assert.deepEqual([month, day], [second, first]);
            else assert.ok((monthFirst && month === first && day === second) || (dayFirst && month === second && day === first));
            return;
          }
          if (/could be month\/day or day\/month/.test(result.error)) {
            assert.ok(monthFirst && dayFirst && first !== second, `${text}: said to be ambiguous`);
          }
          if (/no such calendar day/.test(result.error)) {
            assert.ok(given === 'MDY' ? !monthFirst : given === 'DMY' ? !dayFirst : !monthFirst && !dayFirst, `${text}: said to be no day`);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  describe('the order is settled for the whole input', () => {
    const temp = tempDir('timeport-date-order-');
    after(() => temp.remove());
    const write = (name: string, rows: string[]) => {
      const file = path.join(temp.dir, name);
      fs.writeFileSync(file, [CLOCKIFY_HEADER, ...rows].join('\n') + '\n');
      return file;
    };
    const options = (files: string[], dateOrder?: DateOrder) => ({ files, durations: DEFAULT_DURATION_SETTINGS, issueRule: {}, dateOrder });

    test('one date with a day above 12 settles every date of the input, even in another file', async () => {
      const ambiguous = write('ambiguous.csv', [clockifyRow('MIG-1', '01/02/2021', 'a')]);
      const telling = write('telling.csv', [clockifyRow('MIG-1', '01/04/2021', 'b'), clockifyRow('MIG-1', '01/19/2021', 'c')]);
      const finding = await settleDateOrder(options([ambiguous, telling]));
      assert.equal(finding.order, 'MDY');
      assert.equal(finding.either, 4, 'two ambiguous rows, start and end date each');
      assert.match(
        describeDateOrder(finding)!,
        /slashed dates read as MM\/DD\/YYYY, since "01\/19\/2021" \(.*telling\.csv:3\) can only be month first/,
      );
      const dayFirst = await settleDateOrder(
        options([write('day-first.csv', [clockifyRow('MIG-1', '01/02/2021', 'a'), clockifyRow('MIG-1', '19/01/2021', 'b')])]),
      );
      assert.equal(dayFirst.order, 'DMY');
    });

    test('--date-format wins over what the input shows; an input that tells nothing settles nothing', async () => {
      const telling = write('given.csv', [clockifyRow('MIG-1', '01/19/2021', 'a')]);
      const given = await settleDateOrder(options([telling], 'DMY'));
      assert.deepEqual([given.order, given.given, describeDateOrder(given)], ['DMY', true, undefined]);
      const silent = await settleDateOrder(options([write('silent.csv', [clockifyRow('MIG-1', '01/02/2021', 'a')])]));
      assert.deepEqual([silent.order, silent.either], [undefined, 2]);
      assert.equal(describeDateOrder(silent), undefined);
    });

    test('an input that shows both orders settles none and says so', async () => {
      const mixed = write('mixed.csv', [
        clockifyRow('MIG-1', '01/19/2021', 'a'),
        clockifyRow('MIG-1', '19/01/2021', 'b'),
        clockifyRow('MIG-1', '01/02/2021', 'c'),
      ]);
      const finding = await settleDateOrder(options([mixed]));
      assert.equal(finding.order, undefined);
      assert.match(
        describeDateOrder(finding)!,
        /can only be month first, "01\/19\/2021".*can only be day first, "19\/01\/2021".*the 2 that could be either are refused: give --date-format/,
      );
    });
  });

  describe('end to end: a Clockify export with MM/DD/YYYY dates imports without --date-format', () => {
    let target: Target;
    const temp = tempDir('timeport-date-order-import-');
    before(async () => {
      target = await startTarget();
    });
    after(async () => {
      await target.close();
      temp.remove();
    });

    test('the preflight says which order and why; every row lands on its day', async () => {
      const file = path.join(temp.dir, 'clockify-us.csv');
      fs.writeFileSync(
        file,
        [CLOCKIFY_HEADER, clockifyRow('MIG-1', '01/04/2021', 'first'), clockifyRow('MIG-2', '01/19/2021', 'second')].join('\n') + '\n',
      );
      const run = await importFiles(target, [file], { zone: 'UTC', issueRule: { column: 'Task' } });
      assert.equal(run.summary.blocked, false, run.out.join('\n'));
      assert.equal(run.summary.created, 2);
      assert.match(
        run.out.join('\n'),
        /dates: slashed dates read as MM\/DD\/YYYY, since "01\/19\/2021" \(.*clockify-us\.csv:3\) can only be month first/,
      );
      const starts = (await storedWorklogs(target))
        .filter((worklog) => ['first', 'second'].includes(worklog.comment ?? ''))
        .map((worklog) => worklog.start);
      assert.deepEqual(starts.sort(), ['2021-01-04T09:00:00.000+0000', '2021-01-19T09:00:00.000+0000']);
    });

    test('an input in which every date could be either is refused, with --date-format asked for', async () => {
      const file = path.join(temp.dir, 'clockify-ambiguous.csv');
      fs.writeFileSync(file, [CLOCKIFY_HEADER, clockifyRow('MIG-1', '01/05/2021', 'third')].join('\n') + '\n');
      const run = await importFiles(target, [file], { zone: 'UTC', issueRule: { column: 'Task' } });
      assert.equal(run.summary.blocked, true);
      assert.match(run.out.join('\n'), /"01\/05\/2021" could be month\/day or day\/month; give --date-format MM\/DD\/YYYY or DD\/MM\/YYYY/);
    });
  });
});
