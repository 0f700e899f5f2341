import fs from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { TrackerClient } from '../client/tracker-client.js';
import { parseTimeZone } from '../domain/time-zone.js';
import type { DurationSettings } from '../importer/durations.js';
import type { SourceOptions } from '../importer/source.js';
import { type LiveSourceCliOptions, addLiveSourceOptions, day, liveSourceFrom } from './live-source-options.js';
import type { DateOrder } from '../importer/time.js';
import { limitHeapGrowth } from './heap-growth.js';

/** The formats `--format` takes (src/importer/formats/index.ts checks the list at run time). */
const FORMAT_NAMES = ['native', 'jira', 'tempo', 'toggl', 'clockify', 'redmine', 'kimai'];

/**
 * The importer and its libraries (csv-parse, stream-json, cli-progress) load only when `import` or
 * `reconcile` runs: every other `timeport` command, `serve` included, starts without them.
 */
async function loadImporter() {
  const [
    client,
    durations,
    importer,
    mapping,
    reconciler,
    source,
    time,
    redmine,
    tracker,
    toggl,
    clockify,
    kimai,
    jira,
    tempo,
    live,
    exporter,
    sync,
    syncState,
    journal,
    issueUpdate,
    runLog,
    rollback,
  ] = await Promise.all([
    import('../client/tracker-client.js'),
    import('../importer/durations.js'),
    import('../importer/import.js'),
    import('../importer/mapping.js'),
    import('../importer/reconcile.js'),
    import('../importer/source.js'),
    import('../importer/time.js'),
    import('../importer/live/redmine.js'),
    import('../importer/live/tracker.js'),
    import('../importer/live/toggl.js'),
    import('../importer/live/clockify.js'),
    import('../importer/live/kimai.js'),
    import('../importer/live/jira.js'),
    import('../importer/live/tempo.js'),
    import('../importer/live/types.js'),
    import('../importer/export.js'),
    import('../importer/sync.js'),
    import('../importer/sync-state.js'),
    import('../importer/journal.js'),
    import('../importer/issue-update.js'),
    import('../importer/run-log.js'),
    import('../importer/rollback.js'),
  ]);
  return {
    ...client,
    ...durations,
    ...importer,
    ...mapping,
    ...reconciler,
    ...source,
    ...time,
    ...redmine,
    ...tracker,
    ...toggl,
    ...clockify,
    ...kimai,
    ...jira,
    ...tempo,
    ...live,
    ...exporter,
    ...sync,
    ...syncState,
    ...journal,
    ...issueUpdate,
    ...runLog,
    ...rollback,
  };
}

export type Importer = Awaited<ReturnType<typeof loadImporter>>;

/**
 * `timeport import`, `timeport reconcile` and `timeport export` (and, in sync-command.ts,
 * `timeport sync`): the bulk importer and its check, clients of a Tracker API (Timeport's, or
 * Yandex Tracker itself). They never open the local database.
 */

export interface TargetOptions {
  url?: string;
  token?: string;
  org?: string;
  cloudOrg?: string;
  bearer: boolean;
  retries?: number;
}

export interface SourceCliOptions extends LiveSourceCliOptions {
  format?: string;
  delimiter?: string;
  timezone?: string;
  dateFormat?: DateOrder;
  sourceHoursPerDay: number;
  sourceDaysPerWeek: number;
  roundToSecond: boolean;
  decimalComma: boolean;
  userMap?: string;
  issueColumn?: string;
  issueRegex?: string;
  issueMap?: string;
}

interface ExportCliOptions extends TargetOptions {
  from?: string;
  to?: string;
  timezone: string;
  format: 'ndjson' | 'csv';
  output?: string;
}

interface ImportCliOptions extends TargetOptions, SourceCliOptions {
  api: 'auto' | 'timeport' | 'tracker';
  createdAt: 'start' | 'end';
  dryRun: boolean;
  atomic: boolean;
  skipInvalid: boolean;
  journal?: string;
  failuresDir?: string;
  batchSize: number;
  concurrency?: number;
  progressInterval: number;
  sourceLabel?: string;
  order: 'start' | 'file';
}

export const positiveInteger =
  (name: string, max: number) =>
  (text: string): number => {
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < 1 || value > max)
      throw new InvalidArgumentError(`${name} takes a whole number from 1 to ${max}`);
    return value;
  };

const positiveNumber =
  (name: string) =>
  (text: string): number => {
    const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    if (!(value > 0) || value > 24 * 7) throw new InvalidArgumentError(`${name} takes a positive number such as 7.5`);
    return value;
  };

const DATE_FORMATS: Record<string, DateOrder> = { 'YYYY-MM-DD': 'YMD', 'MM/DD/YYYY': 'MDY', 'DD/MM/YYYY': 'DMY' };

/**
 * The target's options, each also read from the variable the Tracker ecosystem's tools use when the
 * option is absent (the option wins), so a token need not show in `ps` or the shell's history.
 */
export function addTargetOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--url <base>', 'the Tracker API base, e.g. http://127.0.0.1:8080 or https://api.tracker.yandex.net').env('TRACKER_URL'),
    )
    .addOption(
      new Option(
        '--token <token>',
        'an OAuth token (or an IAM token with --bearer) of an organization administrator; - reads it from standard input',
      ).env('TRACKER_TOKEN'),
    )
    .addOption(new Option('--org <id>', 'organization id, sent as X-Org-ID').env('TRACKER_ORG_ID'))
    .addOption(new Option('--cloud-org <id>', 'cloud organization id, sent as X-Cloud-Org-ID').env('TRACKER_CLOUD_ORG_ID'))
    .option('--bearer', 'send the token as "Bearer" (IAM tokens) instead of "OAuth"', false)
    .option('--retries <n>', 'retries on network errors, 429 and 503 (default 8)', positiveInteger('--retries', 100));
}

export function addSourceOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <name>', "the files' format (default: detected from each file)").choices(FORMAT_NAMES))
    .option('--delimiter <char>', 'CSV delimiter (default: detected from the header: , ; or tab)')
    .option(
      '--timezone <IANA name>',
      'zone of timestamps written without a UTC offset, e.g. Europe/Berlin (abbreviations such as CEST are refused); also the zone of days in reports',
    )
    .addOption(
      new Option('--date-format <format>', 'order of slashed dates (03/04/2024 is ambiguous)')
        .choices(Object.keys(DATE_FORMATS))
        .argParser((text) => {
          const order = DATE_FORMATS[text];
          if (order === undefined) throw new InvalidArgumentError(`--date-format takes ${Object.keys(DATE_FORMATS).join(', ')}`);
          return order;
        }),
    )
    .option('--source-hours-per-day <h>', 'hours in a source "day" (Jira "1d"), e.g. 7 or 7.5', positiveNumber('--source-hours-per-day'), 8)
    .option('--source-days-per-week <d>', 'days in a source "week" (Jira "1w")', positiveNumber('--source-days-per-week'), 5)
    .option('--round-to-second', 'round decimal hours that are not whole seconds (each rounding is shown in the preflight)', false)
    .option('--decimal-comma', 'read decimal hours written with a comma (1,5)', false)
    .option('--user-map <file>', 'CSV "source,login" (or a JSON object): source user login, e-mail, name or id → Tracker login')
    .option('--issue-column <column>', 'take the issue from this column (CSV) or dotted field (JSON)')
    .option('--issue-regex <regex>', 'take the issue from the description: the first capture group, or the match')
    .option(
      '--issue-map <file>',
      'CSV "source,issue" (or a JSON object): source value (Jira issue id, Redmine number, project...) → issue key',
    );
}

export async function sourceOptions(lib: Importer, files: string[], options: SourceCliOptions): Promise<SourceOptions> {
  const live = liveSourceFrom(lib, files, options, (message) => new lib.ImportAborted(message));
  // The source's URL, credentials and scope are checked before anything else is read or sent.
  await live?.check();
  let zone: string | undefined;
  if (options.timezone !== undefined) {
    const parsed = parseTimeZone(options.timezone);
    if (!parsed.ok) throw new lib.ImportAborted(`--timezone: ${parsed.error}`);
    zone = parsed.value;
  }
  let regex: RegExp | undefined;
  if (options.issueRegex !== undefined) {
    try {
      regex = new RegExp(options.issueRegex);
    } catch (error) {
      throw new lib.ImportAborted(`--issue-regex: ${(error as Error).message}`);
    }
  }
  const durations: DurationSettings = {
    ...lib.DEFAULT_DURATION_SETTINGS,
    hoursPerDay: options.sourceHoursPerDay,
    daysPerWeek: options.sourceDaysPerWeek,
    roundToSecond: options.roundToSecond,
    decimalComma: options.decimalComma,
  };
  return {
    files,
    live,
    format: options.format,
    delimiter: options.delimiter,
    zone,
    dateOrder: options.dateFormat,
    durations,
    userMap: options.userMap === undefined ? undefined : lib.loadMappingFile(options.userMap, '--user-map'),
    issueRule: {
      column: options.issueColumn,
      regex,
      map: options.issueMap === undefined ? undefined : lib.loadMappingFile(options.issueMap, '--issue-map'),
    },
  };
}

/** Where an option's value came from: commander's `cli`, `env` or `default`. */
type ValueSource = (name: string) => string | undefined;

/**
 * The target as the options and the environment give it. An organization given on the command line
 * sets aside the other kind's variable (`--cloud-org` with TRACKER_ORG_ID set); `--token -` reads
 * the token from standard input.
 */
export function resolveTarget(
  lib: Importer,
  options: TargetOptions,
  sourceOf: ValueSource,
): TargetOptions & { url: string; token: string } {
  if (options.url === undefined || options.url === '') throw new lib.ImportAborted('give the target with --url or TRACKER_URL');
  let token = options.token;
  if (token === '-') {
    token = fs.readFileSync(0, 'utf8').trim();
    if (token === '') throw new lib.ImportAborted('--token -: standard input held no token');
  }
  if (token === undefined || token === '')
    throw new lib.ImportAborted('give the token with TRACKER_TOKEN, or --token - to read it from standard input');
  // An empty value counts as unset (TRACKER_ORG_ID= in .env), as everywhere in the configuration.
  let org = options.org === '' ? undefined : options.org;
  let cloudOrg = options.cloudOrg === '' ? undefined : options.cloudOrg;
  if (org !== undefined && cloudOrg !== undefined) {
    if (sourceOf('cloudOrg') === 'cli' && sourceOf('org') === 'env') org = undefined;
    else if (sourceOf('org') === 'cli' && sourceOf('cloudOrg') === 'env') cloudOrg = undefined;
  }
  if ((org === undefined) === (cloudOrg === undefined)) {
    throw new lib.ImportAborted(
      org === undefined
        ? 'give the organization with --org or TRACKER_ORG_ID (or --cloud-org or TRACKER_CLOUD_ORG_ID)'
        : 'give exactly one of --org and --cloud-org (TRACKER_ORG_ID and TRACKER_CLOUD_ORG_ID are both set, or both options given)',
    );
  }
  return { ...options, url: options.url, token, org, cloudOrg };
}

export function clientFor(lib: Importer, options: ReturnType<typeof resolveTarget>, onRetry?: (text: string) => void): TrackerClient {
  return new lib.TrackerClient({
    baseUrl: options.url,
    token: options.token,
    orgId: options.org,
    cloudOrgId: options.cloudOrg,
    authScheme: options.bearer ? 'Bearer' : 'OAuth',
    retries: options.retries,
    onRetry: (info) => onRetry?.(`retry ${info.attempt} in ${(info.delayMs / 1000).toFixed(1)} s after ${info.reason}`),
  });
}

/**
 * Exit codes of `timeport import`, `reconcile` and `sync` (README, "Bulk import" and "Keeping in
 * sync"); `export` knows 0 and 1. A usage error (an unknown option, a missing --url) is also 1.
 */
export const EXIT_CODES = {
  /** Everything imported (a dry run: everything valid); reconcile: no differences; sync: the target matches the source. */
  ok: 0,
  /** The command could not run or was stopped: bad arguments, an unreadable file, an unreachable server, a refused token. */
  error: 1,
  /**
   * Best effort: some entries failed (import: in the failures files), the others were written;
   * sync: also entries matching more than one worklog.
   */
  someFailed: 2,
  /**
   * Reconcile: the files and the server differ; sync: they still differ by choice (conflicts left,
   * deletions not applied; a dry run: changes planned).
   */
  differences: 3,
  /** Nothing was stored: the preflight found entries that cannot be imported (or synced), or --atomic found invalid ones. */
  refused: 4,
} as const;

/** Known failures end the command with a one-line message and exit code 1; anything else is a bug. */
export async function reporting(name: string, run: (lib: Importer) => Promise<number>): Promise<void> {
  // Both stream files of any size: a small heap headroom keeps their memory near the live data.
  limitHeapGrowth();
  const lib = await loadImporter();
  try {
    process.exitCode = await run(lib);
  } catch (error) {
    const known =
      error instanceof lib.ImportAborted ||
      error instanceof lib.TrackerApiError ||
      error instanceof lib.UnreachableError ||
      error instanceof lib.UnknownFormatError ||
      error instanceof lib.LiveSourceError ||
      error instanceof lib.ExportError ||
      error instanceof lib.IssueUpdateError ||
      error instanceof lib.SyncStateError ||
      error instanceof lib.RunLogError ||
      (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!known) throw error;
    console.error(`timeport ${name}: ${(error as Error).message}`);
    process.exitCode = EXIT_CODES.error;
  }
}

export function registerImportCommands(program: Command): void {
  const importCommand = program
    .command('import [files...]')
    .description(
      'import time entries from CSV, NDJSON or JSON files (native, Jira, Tempo, Toggl, Clockify, Redmine, Kimai) into Timeport or Tracker',
    );
  addTargetOptions(importCommand);
  addSourceOptions(importCommand);
  addLiveSourceOptions(importCommand);
  importCommand
    .addOption(
      new Option('--api <kind>', 'timeport: the batch extension; tracker: only the documented single import; auto: ask the server')
        .choices(['auto', 'timeport', 'tracker'])
        .default('auto'),
    )
    .addOption(
      new Option('--created-at <from>', 'createdAt of entries whose source has none: the start or the end of the work')
        .choices(['start', 'end'])
        .default('start'),
    )
    .addOption(
      new Option(
        '--order <order>',
        'start: send entries ordered by start time (an input not in that order is sorted first, on disk beside the journal when large); file: as read',
      )
        .choices(['start', 'file'])
        .default('start'),
    )
    .option('--dry-run', 'validate everything against the target, write nothing', false)
    .option('--atomic', 'all or nothing: validate every entry first, send only if all are valid', false)
    .option('--skip-invalid', 'send the valid entries even if the preflight found some that cannot be imported', false)
    .option(
      '--journal <file>',
      'the resume journal (default: .timeport-import-<target>.journal.ndjson in $XDG_STATE_HOME/timeport, else ~/.local/state/timeport)',
    )
    .option('--failures-dir <dir>', 'where <input>.failures.csv files go (default: beside each input)')
    .option('--batch-size <n>', 'entries per batch request (Timeport)', positiveInteger('--batch-size', 10_000), 5000)
    .option(
      '--concurrency <n>',
      'requests in flight (default: 2 batches on Timeport, 4 single imports on Tracker)',
      positiveInteger('--concurrency', 64),
    )
    .option(
      '--progress-interval <s>',
      'seconds between progress lines when not on a terminal',
      positiveInteger('--progress-interval', 3600),
      5,
    )
    .option('--source-label <label>', "what the import ledger records as the batches' source (default: the file names, or the live source)")
    .action((files: string[], options: ImportCliOptions) =>
      reporting('import', async (lib) => {
        const source = await sourceOptions(lib, files, options);
        const target = resolveTarget(lib, options, (name) => importCommand.getOptionValueSource(name));
        const client = clientFor(lib, target, (text) => console.error(text));
        const summary = await lib.runImport({
          ...source,
          client,
          target: client.baseUrl,
          org: target.org ?? `cloud:${target.cloudOrg}`,
          api: options.api,
          createdAtFrom: options.createdAt,
          dryRun: options.dryRun,
          atomic: options.atomic,
          order: options.order,
          skipInvalid: options.skipInvalid,
          journalPath: options.journal,
          runsDir: lib.runsDirectory(lib.stateDirectory()),
          failuresDir: options.failuresDir,
          batchSize: options.batchSize,
          concurrency: options.concurrency ?? (options.api === 'tracker' ? 4 : 2),
          source: options.sourceLabel,
          progress: { tty: process.stderr.isTTY === true, intervalMs: options.progressInterval * 1000 },
          out: (line) => console.log(line),
          err: (line) => console.error(line),
        });
        const rate = summary.seconds > 0 ? Math.round((summary.created + summary.alreadyPresent) / summary.seconds) : 0;
        const verb = options.dryRun ? 'Dry run finished (nothing written)' : summary.blocked ? 'Import stopped' : 'Import finished';
        console.log(
          `${verb} in ${summary.seconds.toFixed(1)} s: ${options.dryRun ? 'valid' : 'created'} ${summary.created}, already present ${summary.alreadyPresent}, failed ${summary.failed}, skipped (in the journal) ${summary.skipped}; ${rate} entries/s`,
        );
        for (const file of summary.failureFiles)
          console.log(`Failures: ${file.path} (${file.count} rows): fix them and import that file again`);
        for (const file of summary.removedFailureFiles)
          console.log(`Removed ${file}: an earlier run's failures; this run had none for that input`);
        if (summary.journalPath !== undefined) console.log(`Journal: ${summary.journalPath}`);
        if (summary.runId !== undefined) console.log(`Run: ${summary.runId} (timeport rollback ${summary.runId} undoes it)`);
        if (summary.blocked) return EXIT_CODES.refused;
        return summary.failed > 0 ? EXIT_CODES.someFailed : EXIT_CODES.ok;
      }),
    );

  const reconcileCommand = program
    .command('reconcile [files...]')
    .description(
      'compare totals per issue, user and day between source files (or a live source) and the server, and print every difference',
    );
  addTargetOptions(reconcileCommand);
  addSourceOptions(reconcileCommand);
  addLiveSourceOptions(reconcileCommand);
  reconcileCommand.option(
    '--failures-dir <dir>',
    'where the import wrote <input>.failures.csv (default: beside each input), to name what failed there',
  );
  reconcileCommand.action((files: string[], options: TargetOptions & SourceCliOptions & { failuresDir?: string }) =>
    reporting('reconcile', async (lib) => {
      const result = await lib.reconcile(
        await sourceOptions(lib, files, options),
        clientFor(
          lib,
          resolveTarget(lib, options, (name) => reconcileCommand.getOptionValueSource(name)),
        ),
        { failuresDir: options.failuresDir },
      );
      console.log(
        `Compared ${result.groups} issue/user/day totals on ${result.issues} issues (days in ${result.zone}, by the day the work started)`,
      );
      if (result.skipped > 0)
        console.log(`${result.skipped} records could not be converted or mapped and were not compared (run import --dry-run to see why)`);
      for (const difference of result.differences) console.log(lib.describeDifference(difference));
      console.log(result.differences.length === 0 ? 'No differences.' : `${result.differences.length} differences.`);
      return result.differences.length === 0 ? EXIT_CODES.ok : EXIT_CODES.differences;
    }),
  );

  const exportCommand = program
    .command('export')
    .description("write a target's worklogs as a native file (NDJSON or CSV) that timeport import reads back");
  addTargetOptions(exportCommand);
  exportCommand
    .option('--from <day>', 'the first day of work (start) to export, in --timezone', day('--from'))
    .option('--to <day>', 'the last day of work to export, included', day('--to'))
    .option('--timezone <zone>', 'the zone of --from and --to (IANA name)', 'UTC')
    .addOption(new Option('--format <format>', 'the file format').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--output <file>', 'where to write (default: standard output)')
    .action((options: ExportCliOptions) =>
      reporting('export', async (lib) => {
        const zone = parseTimeZone(options.timezone);
        if (!zone.ok) throw new lib.ImportAborted(`--timezone: ${zone.error}`);
        if (options.from !== undefined && options.to !== undefined && options.from > options.to)
          throw new lib.ImportAborted(`--from ${options.from} is after --to ${options.to}`);
        const target = resolveTarget(lib, options, (name) => exportCommand.getOptionValueSource(name));
        const client = clientFor(lib, target, (text) => console.error(text));
        const output = options.output === undefined ? process.stdout : fs.createWriteStream(options.output);
        const write = (text: string) =>
          new Promise<void>((resolve, reject) => {
            output.write(text, (error) => (error ? reject(error) : resolve()));
          });
        const started = Date.now();
        const summary = await lib.runExport({
          client,
          orgLabel: target.org === undefined ? `cloud ${target.cloudOrg}` : `org ${target.org}`,
          format: options.format,
          fromDay: options.from,
          toDay: options.to,
          zone: zone.value,
          write,
          onProgress: (read) => console.error(`read ${read} worklogs`),
        });
        if (output !== process.stdout)
          await new Promise<void>((resolve, reject) =>
            (output as fs.WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
        console.error(
          `Export finished in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary.written} worklogs written${options.output === undefined ? '' : ` to ${options.output}`}` +
            `${summary.outside > 0 ? `, ${summary.outside} outside the days asked for` : ''} (${summary.windows} createdAt windows searched)`,
        );
        return EXIT_CODES.ok;
      }),
    );
}
