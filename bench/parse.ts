/**
 * The parsers every entry goes through, in process: a Tracker date-time (the server parses
 * `start` and `createdAt` of every import; the sync parses every ledger worklog's), a source's
 * timestamp (the command parses each entry's, twice for a sync), and an ISO 8601 duration.
 * Nanoseconds a call, the median of BENCH_ROUNDS rounds (default 5; 3 in quick mode) of
 * BENCH_CALLS calls each (default 300,000; 50,000). With BENCH_BASELINE_ROOT (another checkout,
 * built with `npm run build`), its compiled parsers run in the same rounds, interleaved.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fmt, log, main, printSection, ratio, setting, table } from './lib.js';

const ROUNDS = setting('BENCH_ROUNDS', 3, 5);
const CALLS = setting('BENCH_CALLS', 50_000, 300_000);
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT;

interface Parsers {
  tracker: (text: string) => { ok: boolean };
  source: (text: string, zone: string | undefined) => { ok: boolean };
  duration: (text: string) => { ok: boolean };
}

async function parsersOf(root: string): Promise<Parsers> {
  const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, 'dist', file)).href)) as T;
  const timestamp = await load<{ parseTrackerTimestamp: Parsers['tracker'] }>('domain/timestamp.js');
  const time = await load<{ parseSourceTimestamp: Parsers['source'] }>('importer/time.js');
  const duration = await load<{ parseBusinessDuration: Parsers['duration'] }>('domain/duration.js');
  return { tracker: timestamp.parseTrackerTimestamp, source: time.parseSourceTimestamp, duration: duration.parseBusinessDuration };
}

// 1,000 instants spread over ten years, as exports have them: with an offset, without one (read
// in a zone), and Tracker's own form.
const instants = Array.from({ length: 1000 }, (_, index) => Date.UTC(2016, 0, 1) + index * 315_569_259);
const trackerForm = instants.map((ms) => new Date(ms).toISOString().replace('Z', '+0300'));
const sourceWithOffset = instants.map((ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '+01:00'));
const sourceInZone = instants.map((ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' '));
const durations = instants.map((ms, index) => `PT${(ms % 9) + 1}H${index % 60}M`);

const CASES: { name: string; run: (parsers: Parsers, index: number) => boolean }[] = [
  { name: 'Tracker date-time (`2024-03-14T22:30:00.000+0300`)', run: (p, i) => p.tracker(trackerForm[i % 1000]!).ok },
  { name: 'source timestamp with an offset', run: (p, i) => p.source(sourceWithOffset[i % 1000]!, undefined).ok },
  { name: 'source timestamp in a zone (`Europe/Berlin`)', run: (p, i) => p.source(sourceInZone[i % 1000]!, 'Europe/Berlin').ok },
  { name: 'duration (`PT3H25M`)', run: (p, i) => p.duration(durations[i % 1000]!).ok },
];

function nanosPerCall(parsers: Parsers, run: (parsers: Parsers, index: number) => boolean): number {
  const started = process.hrtime.bigint();
  let accepted = 0;
  for (let index = 0; index < CALLS; index++) if (run(parsers, index)) accepted++;
  if (accepted !== CALLS) throw new Error(`${CALLS - accepted} of ${CALLS} inputs were refused`);
  return Number(process.hrtime.bigint() - started) / CALLS;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

await main(async () => {
  const current = await parsersOf(path.resolve(import.meta.dirname, '..'));
  const baseline = BASELINE_ROOT === undefined ? undefined : await parsersOf(path.resolve(BASELINE_ROOT));
  const rows: string[][] = [];
  for (const { name, run } of CASES) {
    const mine: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      mine.push(nanosPerCall(current, run));
      if (baseline !== undefined) theirs.push(nanosPerCall(baseline, run));
    }
    log(`${name}: ${fmt(median(mine))} ns${baseline === undefined ? '' : `, baseline ${fmt(median(theirs))} ns`}`);
    rows.push([
      name,
      `${fmt(median(mine))} ns`,
      ...(baseline === undefined ? [] : [`${fmt(median(theirs))} ns`, ratio(median(mine) / median(theirs))]),
    ]);
  }
  printSection(
    'Parsers, in process',
    'parse',
    [table(['Parser', 'Per call', ...(baseline === undefined ? [] : ['Baseline per call', 'Per call / baseline'])], rows)],
    [
      `Median of ${ROUNDS} rounds of ${fmt(CALLS)} calls over 1,000 inputs; the compiled build (dist/), after \`npm run build\`.`,
      ...(baseline === undefined ? [] : [`Baseline: the compiled parsers of ${BASELINE_ROOT}, in the same rounds, interleaved.`]),
    ],
  );
});
