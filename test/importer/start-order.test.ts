/**
 * Imports sent in start order (issue 19 point 1, docs/decisions.md "Imports sent in start order"):
 * the external sort on its own (runs on disk with a small run size, the merge, ties kept in the
 * order added, the temporary directory removed), and `timeport import` against a Timeport test
 * target: a shuffled file is stored in start order (worklog ids, given in the order entries are
 * written, rise with the start), `--order file` keeps the file's order, an input already in order
 * is not sorted, repeated source ids and the journal work as before, and any permutation of the
 * input stores the same worklogs. `timeport sync` creates in start order too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import fc from 'fast-check';
import { PlaceSort, StartOrderSort } from '../../src/importer/start-order.js';
import { tempDir } from '../../support/app.js';
import {
  type NativeLine,
  type Target,
  writeNativeLines,
  importFiles,
  shuffled,
  startTarget,
  storedLines,
  storedWorklogs,
  syncInto,
} from './helpers.js';

const sortDirs = (dir: string): string[] => fs.readdirSync(dir).filter((name) => name.startsWith('timeport-sort-'));

/**
 * The entries of the place sort's runs in `dir` (start-order.ts, `PlaceSort`): start, createdAt and
 * the place (file, span, line; file -1 for an entry kept whole).
 */
const readPlaceRuns = (dir: string): number[][] =>
  fs
    .readdirSync(dir)
    .filter((name) => name.startsWith('places-'))
    .flatMap((name) => {
      const bytes = fs.readFileSync(path.join(dir, name));
      const numbers = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      return Array.from({ length: numbers.length / 6 }, (_, index) => [...numbers.subarray(index * 6, index * 6 + 6)]);
    });

describe('StartOrderSort', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('timeport-sort-test-');
  });
  afterEach(() => temp.remove());

  const expected = (keys: [number, number][]) =>
    keys
      .map(([start, createdAt], index) => ({ start, createdAt, index }))
      .sort((a, b) => a.start - b.start || a.createdAt - b.createdAt || a.index - b.index)
      .map((item) => item.index);

  test('any keys come out by start, then createdAt, then the order added, whether in memory or merged from runs on disk', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }),
        fc.constantFrom(1, 40, 300, 1 << 20),
        (keys, runBytes) => {
          const sort = new StartOrderSort<{ index: number; text: string }>(temp.dir, runBytes);
          try {
            keys.forEach(([start, createdAt], index) => sort.add(start, createdAt, { index, text: `é\t"${index}"\n` }));
            const out = [...sort.sorted()];
            assert.deepEqual(
              out.map((value) => value.index),
              expected(keys),
            );
            assert.ok(out.every((value) => value.text === `é\t"${value.index}"\n`));
          } finally {
            sort.dispose();
          }
          assert.deepEqual(sortDirs(temp.dir), []);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('PlaceSort: any keys come out by start, then createdAt, then the order added, with their places, whether in memory or merged from binary runs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }),
        // 48 bytes an entry: one entry a run, a few, and all in memory; 2731 entries cross a run reader's 2,730-entry chunk.
        fc.constantFrom(1, 48 * 7, 48 * 2731, 1 << 20),
        fc.boolean(),
        (keys, runBytes, large) => {
          const sort = new PlaceSort(temp.dir, runBytes);
          // 2,800 more entries, except with one-entry runs (a file each).
          const all =
            large && runBytes > 48
              ? [...keys, ...Array.from({ length: 2800 }, (_, index): [number, number] => [index % 9, index % 2])]
              : keys;
          try {
            all.forEach(([start, createdAt], index) => sort.add(start, createdAt, [index % 3, index * 1.5e9, -index, index]));
            const first = [...sort.sorted()];
            assert.deepEqual(
              first.map((place) => place[3]),
              expected(all),
            );
            assert.ok(first.every(([file, start, end, line]) => file === line % 3 && start === line * 1.5e9 && end === -line));
            // Again from the start.
            assert.deepEqual([...sort.sorted()], first);
          } finally {
            sort.dispose();
          }
          assert.deepEqual(sortDirs(temp.dir), []);
        },
      ),
      { numRuns: 40 },
    );
  });

  test('runs read back whole: multi-byte characters across read chunks, and lines longer than the read buffer', () => {
    // Runs are read 128 KiB at a time; these values straddle chunk boundaries at every offset of
    // a multi-byte character, and some are several chunks long.
    const pieces = ['é', '€', '𝄞', '漢字', 'a', '\\n', '"'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 400_000 }), fc.nat(6)), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.constantFrom(1, 300_000),
        (items, runBytes) => {
          const sort = new StartOrderSort<{ index: number; text: string }>(temp.dir, runBytes);
          try {
            const texts = items.map(([, length, piece]) => pieces[piece]!.repeat(Math.ceil(length / pieces[piece]!.length)) + '|');
            items.forEach(([start], index) => sort.add(start, 0, { index, text: texts[index]! }));
            const out = [...sort.sorted()];
            assert.deepEqual(
              out.map((value) => value.index),
              expected(items.map(([start]) => [start, 0])),
            );
            for (const value of out) assert.equal(value.text, texts[value.index]);
          } finally {
            sort.dispose();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  test('runs past the run size go to files in a temporary directory, which dispose removes; a small input never touches the disk', () => {
    const sort = new StartOrderSort<number>(temp.dir, 10);
    for (let index = 0; index < 50; index++) sort.add((index * 37) % 50, 0, index);
    assert.ok(sort.spilledRuns > 1);
    const directory = sort.spillDirectory!;
    assert.deepEqual(sortDirs(temp.dir), [path.basename(directory)]);
    assert.ok(path.basename(directory).startsWith(`timeport-sort-${process.pid}-`));
    assert.equal(fs.readdirSync(directory).length, sort.spilledRuns);
    const starts = [...sort.sorted()].map((index) => (index * 37) % 50);
    assert.deepEqual(
      starts,
      Array.from({ length: 50 }, (_, index) => index),
    );
    sort.dispose();
    assert.equal(fs.existsSync(directory), false);

    const small = new StartOrderSort<number>(temp.dir);
    for (let index = 0; index < 50; index++) small.add(50 - index, 0, index);
    assert.deepEqual([...small.sorted()], [...Array.from({ length: 50 }, (_, index) => 49 - index)]);
    assert.equal(small.spilledRuns, 0);
    assert.deepEqual(sortDirs(temp.dir), []);
    small.dispose();
  });

  test('a directory left by a process that is gone (kill -9) is removed by the next sort that spills there', () => {
    const left = path.join(temp.dir, 'timeport-sort-999999999-abc');
    fs.mkdirSync(left);
    fs.writeFileSync(path.join(left, 'run-0.ndjson'), '1\t1\t1\n');
    const mine = path.join(temp.dir, `timeport-sort-${process.pid}-keep`);
    fs.mkdirSync(mine);
    const sort = new StartOrderSort<number>(temp.dir, 1);
    sort.add(2, 0, 2);
    sort.add(1, 0, 1);
    assert.equal(fs.existsSync(left), false);
    assert.equal(fs.existsSync(mine), true, "a live process's directory stays");
    assert.deepEqual([...sort.sorted()], [1, 2]);
    sort.dispose();
  });
});

const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');
const BASE = Date.UTC(2024, 2, 1, 8);

/** Entry `index`: starts `index` hours after BASE (so start order is index order), on MIG-1..3. */
const entry = (index: number, changes: Partial<NativeLine> = {}): NativeLine => ({
  externalId: `ord-${index}`,
  issue: `MIG-${(index % 3) + 1}`,
  createdBy: index % 2 === 0 ? 'alice' : 'bob',
  start: stamp(BASE + index * 3_600_000),
  createdAt: stamp(BASE + index * 3_600_000 + 1_800_000),
  duration: 'PT30M',
  comment: `work ${index}`,
  ...changes,
});

describe('timeport import sends entries in start order', () => {
  let target: Target;
  beforeEach(async () => {
    target = await startTarget();
  });
  afterEach(() => target.close());

  const writeFile = (name: string, lines: NativeLine[]): string => writeNativeLines(path.join(target.dir, name), lines);

  /** The stored worklogs' comments (`work N`), in the order they were written (by id). */
  const writtenOrder = async (): Promise<number[]> =>
    (await storedWorklogs(target, undefined, 100)).sort((a, b) => a.id - b.id).map((worklog) => Number(worklog.comment!.split(' ')[1]));

  const ascending = (count: number) => Array.from({ length: count }, (_, index) => index);

  for (const api of ['timeport', 'tracker'] as const) {
    test(`a shuffled file is written in start order (${api === 'timeport' ? 'batch extension' : 'single import'}), sorted through runs on disk that are removed`, async () => {
      const order = shuffled(60);
      const file = writeFile(
        'shuffled.ndjson',
        order.map((index) => entry(index)),
      );
      const seen: string[][] = [];
      let runEntries: number[][] = [];
      const run = await importFiles(target, [file], {
        api,
        batchSize: 7,
        concurrency: 1,
        sortRunBytes: 500,
        beforeRecord: () => {
          const dirs = sortDirs(target.dir);
          seen.push(dirs);
          if (dirs.length === 1 && runEntries.length === 0) runEntries = readPlaceRuns(path.join(target.dir, dirs[0]!));
        },
      });
      assert.equal(run.summary.created, 60, run.out.join('\n'));
      assert.deepEqual(await writtenOrder(), ascending(60));
      // Out of order from its first entries: collected as the preflight read it.
      assert.ok(
        run.out.some((line) => line.startsWith('Order: the entries are not in time order') && line.includes('as the preflight read them')),
        run.out.join('\n'),
      );
      // While sending, the runs were on disk beside the journal; afterwards nothing is left.
      assert.ok(seen.length > 0 && seen.every((dirs) => dirs.length === 1));
      assert.deepEqual(sortDirs(target.dir), []);
      // The runs hold each entry's place in the file (file 0, its span, its line), not the entry:
      // the file is read again from there. Each run is in start order.
      assert.equal(runEntries.length, 60);
      const size = fs.statSync(file).size;
      for (const [, , fileIndex, start, end, line] of runEntries) {
        assert.ok(fileIndex === 0 && start! >= 0 && start! < end! && end! <= size && line! >= 1 && line! <= 60, String([start, end, line]));
      }
    });
  }

  test('files of every kind shuffled together (CSV with quoted comments, NDJSON, a JSON document) are stored in start order, as --order file stores them; a refusal keeps its record as written', async () => {
    const order = shuffled(45, 5);
    const comment = (index: number) => `work ${index} é, "quoted"\nsecond line`;
    // Written after the issue's last update (ISSUE_LIFETIME): the target refuses it.
    const refused = order[3]!;
    const lines = order.map((index) =>
      entry(index, { comment: comment(index), ...(index === refused ? { createdAt: '2025-06-01T00:00:00.000+0000' } : {}) }),
    );
    const columns = ['externalId', 'issue', 'createdBy', 'createdAt', 'start', 'duration', 'comment'];
    const writeInputs = (dir: string): string[] => {
      const csv = path.join(dir, 'part-a.csv');
      // CRLF, every field quoted, and no line end after the last record.
      const text = stringifyCsv(lines.slice(0, 15), { header: true, columns, quoted: true, record_delimiter: '\r\n' });
      fs.writeFileSync(csv, text.replace(/\r\n$/, ''));
      const ndjson = writeNativeLines(path.join(dir, 'part-b.ndjson'), lines.slice(15, 30));
      const json = path.join(dir, 'part-c.json');
      fs.writeFileSync(json, JSON.stringify(lines.slice(30), null, 1));
      return [csv, ndjson, json];
    };
    let runEntries: number[][] = [];
    const run = await importFiles(target, writeInputs(target.dir), {
      batchSize: 4,
      concurrency: 1,
      sortRunBytes: 500,
      beforeRecord: () => {
        const dirs = sortDirs(target.dir);
        if (dirs.length === 1 && runEntries.length === 0) runEntries = readPlaceRuns(path.join(target.dir, dirs[0]!));
      },
    });
    assert.equal(run.summary.created, 44, run.out.join('\n'));
    // The CSV's and the NDJSON's entries were sorted by place (files 0 and 1); the JSON document's,
    // which has no places, whole (-1).
    const kept = (fileIndex: number) => runEntries.filter((values) => values[2] === fileIndex).length;
    assert.deepEqual([kept(0), kept(1), kept(-1)], [15, 15, 15]);
    assert.equal(run.summary.failed, 1);
    assert.ok(
      run.out.some((line) => line.includes('as the preflight read them')),
      run.out.join('\n'),
    );
    assert.deepEqual(
      await writtenOrder(),
      ascending(45).filter((index) => index !== refused),
    );
    const stored = await storedLines(target);
    assert.ok(stored.some((line) => line.endsWith(comment(order[0]!))));
    const failures = parseCsv(fs.readFileSync(path.join(target.dir, 'part-a.failures.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    assert.deepEqual(
      failures.map((row) => [row.externalId, row.comment]),
      [[`ord-${refused}`, comment(refused)]],
    );
    const asRead = await startTarget();
    try {
      const again = await importFiles(asRead, writeInputs(asRead.dir), { order: 'file', batchSize: 4, concurrency: 1 });
      assert.equal(again.summary.created, 44, again.out.join('\n'));
      assert.deepEqual(await storedLines(asRead), stored);
    } finally {
      await asRead.close();
    }
  });

  test('a file changed between the preflight and the send stops the import with an error naming it; nothing is sent', async () => {
    const file = writeFile(
      'changing.ndjson',
      shuffled(12).map((index) => entry(index)),
    );
    await assert.rejects(
      importFiles(target, [file], {
        batchSize: 4,
        concurrency: 1,
        out: (line) => {
          // Printed after the preflight, before anything is sent: the same length, other values.
          if (line.startsWith('Order:')) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('work', 'WORK'));
        },
      }),
      (error: Error) => error.message.includes(`${file} changed while it was imported`),
    );
    assert.deepEqual(await writtenOrder(), []);
  });

  test('--order file sends the entries as read', async () => {
    const order = shuffled(30);
    const file = writeFile(
      'shuffled.ndjson',
      order.map((index) => entry(index)),
    );
    const run = await importFiles(target, [file], { order: 'file', batchSize: 4, concurrency: 1, sortRunBytes: 500 });
    assert.equal(run.summary.created, 30);
    assert.deepEqual(await writtenOrder(), order);
    assert.ok(!run.out.some((line) => line.startsWith('Order:')));
  });

  test('a file already in start order is sent as read, with no sort and nothing on disk', async () => {
    // Equal starts ordered by createdAt are in order too.
    const lines = ascending(20).map((index) => entry(index, index === 11 ? { start: entry(10).start } : {}));
    const file = writeFile('ordered.ndjson', lines);
    const seen: string[][] = [];
    const run = await importFiles(target, [file], {
      batchSize: 3,
      concurrency: 1,
      sortRunBytes: 1,
      beforeRecord: () => {
        seen.push(sortDirs(target.dir));
      },
    });
    assert.equal(run.summary.created, 20);
    assert.deepEqual(await writtenOrder(), ascending(20));
    assert.ok(!run.out.some((line) => line.startsWith('Order:')));
    assert.ok(seen.every((dirs) => dirs.length === 0));
  });

  test('a file in order for longer than half a run, then out of order, is sorted during the send, through runs on disk', async () => {
    const lines = [...ascending(30).map((index) => entry(index + 10)), ...shuffled(10).map((index) => entry(index))];
    const file = writeFile('late.ndjson', lines);
    const seen: string[][] = [];
    const run = await importFiles(target, [file], {
      batchSize: 6,
      concurrency: 1,
      // Half a run is reached by the ordered part's places (about 17 characters each); the send's
      // sort keeps whole entries, which spill.
      sortRunBytes: 600,
      beforeRecord: () => {
        seen.push(sortDirs(target.dir));
      },
    });
    assert.equal(run.summary.created, 40);
    assert.deepEqual(await writtenOrder(), ascending(40));
    assert.ok(
      run.out.some((line) => line.includes('sorted before they are sent')),
      run.out.join('\n'),
    );
    assert.ok(seen.length > 0 && seen.every((dirs) => dirs.length === 1));
    assert.deepEqual(sortDirs(target.dir), []);
  });

  test('--atomic and --dry-run send in start order too; the dry run writes nothing', async () => {
    const order = shuffled(20, 3);
    const file = writeFile(
      'atomic.ndjson',
      order.map((index) => entry(index)),
    );
    const dry = await importFiles(target, [file], { dryRun: true, batchSize: 3, concurrency: 1, sortRunBytes: 1000 });
    assert.equal(dry.summary.created, 20);
    assert.deepEqual(await writtenOrder(), []);
    const atomic = await importFiles(target, [file], { atomic: true, batchSize: 3, concurrency: 1, sortRunBytes: 1000 });
    assert.equal(atomic.summary.created, 20, atomic.out.join('\n'));
    assert.deepEqual(await writtenOrder(), ascending(20));
    assert.deepEqual(sortDirs(target.dir), []);
  });

  test('ties in start go by createdAt, then by their place in the file', async () => {
    const start = entry(0).start;
    const lines = [
      entry(3, { start, createdAt: stamp(BASE + 5_000_000) }),
      entry(1, { start, createdAt: stamp(BASE + 4_000_000) }),
      entry(2, { start, createdAt: stamp(BASE + 4_000_000) }),
      entry(0, { start, createdAt: stamp(BASE + 3_000_000) }),
      entry(5),
      entry(4, { start: entry(4).start, createdAt: entry(4).createdAt }),
    ];
    const file = writeFile('ties.ndjson', lines);
    const run = await importFiles(target, [file], { batchSize: 2, concurrency: 1, sortRunBytes: 300 });
    assert.equal(run.summary.created, 6);
    assert.deepEqual(await writtenOrder(), [0, 1, 2, 3, 4, 5]);
  });

  test('a repeated source id keeps its first occurrence in the file, even when a later one starts earlier; a re-run skips what the journal has', async () => {
    const lines = [entry(5), entry(3), entry(4, { externalId: 'ord-5', comment: 'work 6' }), entry(1), entry(2)];
    const file = writeFile('repeated.ndjson', lines);
    const run = await importFiles(target, [file], { batchSize: 2, concurrency: 1, sortRunBytes: 200 });
    assert.equal(run.summary.created, 4);
    assert.equal(run.summary.skipped, 1);
    // A repeated id: sorted during the send, after the input's order has settled which one wins.
    assert.ok(
      run.out.some((line) => line.includes('sorted before they are sent')),
      run.out.join('\n'),
    );
    assert.deepEqual(await writtenOrder(), [1, 2, 3, 5]);
    const again = await importFiles(target, [file], { batchSize: 2, concurrency: 1, sortRunBytes: 200 });
    assert.deepEqual({ created: again.summary.created, skipped: again.summary.skipped }, { created: 0, skipped: 5 });
    assert.deepEqual(await writtenOrder(), [1, 2, 3, 5]);
  });

  test('a repeated source id whose first occurrence cannot be imported: the next one is sent, as before the sort', async () => {
    // MIG-9 does not exist on the target: a problem the preflight finds only after its pass.
    const lines = [entry(6), entry(2, { issue: 'MIG-9', externalId: 'ord-1' }), entry(4), entry(1), entry(3)];
    const file = writeFile('problem.ndjson', lines);
    const run = await importFiles(target, [file], { batchSize: 2, concurrency: 1, sortRunBytes: 200, skipInvalid: true });
    assert.equal(run.summary.created, 4, run.out.join('\n'));
    assert.equal(run.summary.failed, 1);
    assert.deepEqual(await writtenOrder(), [1, 3, 4, 6]);
    assert.match(fs.readFileSync(path.join(target.dir, 'problem.failures.csv'), 'utf8'), /MIG-9/);
  });

  test('refusals by the target go to the failures file, the rest is stored in start order', async () => {
    // Written after the issue's last update (ISSUE_LIFETIME): the target refuses it.
    const late = { createdAt: '2025-06-01T00:00:00.000+0000' };
    const lines = [entry(4), entry(2, late), entry(3), entry(0), entry(1, late)];
    const file = writeFile('refused.ndjson', lines);
    const run = await importFiles(target, [file], { batchSize: 2, concurrency: 1, sortRunBytes: 200 });
    assert.equal(run.summary.created, 3, run.out.join('\n'));
    assert.equal(run.summary.failed, 2);
    assert.deepEqual(await writtenOrder(), [0, 3, 4]);
    const failures = fs.readFileSync(path.join(target.dir, 'refused.failures.csv'), 'utf8');
    assert.match(failures, /ord-1/);
    assert.match(failures, /ord-2/);
  });
});

describe('timeport sync creates in start order', () => {
  for (const api of ['tracker', 'timeport'] as const) {
    test(`a shuffled source's creations are written in start order (${api === 'tracker' ? 'documented API' : "Timeport's extension"}), sorted through runs on disk in the state directory that are removed`, async () => {
      const target = await startTarget();
      try {
        const order = shuffled(25, 11);
        const file = path.join(target.dir, 'source.ndjson');
        // A repeated source id (ord-3 again, other values): created once, as first read.
        const lines = [...order.map((index) => entry(index)), entry(3, { comment: 'work 3 again', start: stamp(BASE) })];
        fs.writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
        const stateDir = path.join(target.dir, 'state');
        const plan = path.join(target.dir, 'plan.ndjson');
        const seen: string[][] = [];
        const run = await syncInto(target, {
          files: [file],
          sourceLabel: file,
          stateDir,
          api,
          batchSize: 4,
          // One batch at a time: two in flight may commit in either order, and the ids show it.
          batchesInFlight: 1,
          planFile: plan,
          sortRunBytes: 600,
          beforeRecord: () => {
            seen.push(sortDirs(stateDir));
          },
        });
        assert.equal(run.summary.created, 25, run.out.join('\n'));
        const written = (await storedWorklogs(target, undefined, 100))
          .sort((a, b) => a.id - b.id)
          .map((worklog) => Number(worklog.comment!.split(' ')[1]));
        assert.deepEqual(
          written,
          Array.from({ length: 25 }, (_, index) => index),
        );
        // The plan lists the creations in the order they were sent.
        const planned = fs
          .readFileSync(plan, 'utf8')
          .trim()
          .split('\n')
          .map((text) => JSON.parse(text) as { action: string; sourceId: string });
        assert.deepEqual(
          planned.map((line) => `${line.action} ${line.sourceId}`),
          Array.from({ length: 25 }, (_, index) => `create ord-${index}`),
        );
        // While writing, the sorted runs were on disk in the state directory; afterwards nothing is left.
        assert.ok(seen.length > 0 && seen.every((dirs) => dirs.length === 1), JSON.stringify(seen));
        assert.deepEqual(sortDirs(stateDir), []);
      } finally {
        await target.close();
      }
    });
  }
});

describe('any order of the input stores the same worklogs', () => {
  test('a permutation of entries (ties, repeated source ids) imported with a small run size stores what the file order does', async () => {
    const base = Array.from({ length: 24 }, (_, index) =>
      entry(index, {
        // Few distinct starts and createdAts: many ties.
        start: stamp(BASE + (index % 5) * 3_600_000),
        createdAt: stamp(BASE + (index % 5) * 3_600_000 + (index % 2) * 60_000),
        externalId: `ord-${index % 20}`,
      }),
    );
    const storedAfter = async (lines: NativeLine[], order: 'start' | 'file'): Promise<string[]> => {
      const target = await startTarget();
      try {
        const file = path.join(target.dir, 'entries.ndjson');
        fs.writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
        const run = await importFiles(target, [file], { order, batchSize: 5, concurrency: 1, sortRunBytes: 600 });
        assert.equal(run.summary.failed, 0, run.out.join('\n'));
        return await storedLines(target);
      } finally {
        await target.close();
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), async (permutation) => {
        // Which of two repeated ids wins depends on the file's order: the same with or without the sort.
        assert.deepEqual(await storedAfter(permutation, 'start'), await storedAfter(permutation, 'file'));
        // Without repeated ids, every permutation stores the same set.
        const unique = permutation.filter((line) => Number(line.comment?.split(' ')[1]) < 20);
        const expected = base.filter((line) => Number(line.comment?.split(' ')[1]) < 20);
        assert.deepEqual(await storedAfter(unique, 'start'), await storedAfter(expected, 'file'));
      }),
      { numRuns: 6 },
    );
  });
});
