import path from 'node:path';
import { type Command, Option } from 'commander';
import { LIVE_SOURCE_KINDS, addLiveSourceOptions } from './live-source-options.js';
import {
  type SourceCliOptions,
  type TargetOptions,
  addSourceOptions,
  addTargetOptions,
  EXIT_CODES,
  clientFor,
  resolveTarget,
  positiveInteger,
  reporting,
  sourceOptions,
} from './import-command.js';

interface SyncCliOptions extends TargetOptions, SourceCliOptions {
  api: 'auto' | 'timeport' | 'tracker';
  createdAt: 'start' | 'end';
  dryRun: boolean;
  delete: boolean;
  prefer: 'target' | 'source';
  moveIssueUpdates: boolean;
  plan?: string;
  full: boolean;
  stateDir?: string;
  progressInterval: number;
  batchSize?: number;
}

export function registerSyncCommand(program: Command): void {
  const command = program
    .command('sync [files...]')
    .description(
      `mirror a source (files, or --source ${LIVE_SOURCE_KINDS.join('|')}) into Timeport or Tracker: create, update and (with --delete) delete worklogs, as planned against the last sync`,
    );
  addTargetOptions(command);
  addSourceOptions(command);
  addLiveSourceOptions(command);
  command
    .addOption(
      new Option(
        '--api <kind>',
        "timeport: Timeport's sync extension (batch import with external ids, the ledger of what earlier syncs put there, update and delete by external id); tracker: only the documented worklog API (Timeport and Tracker alike); auto: timeport when the target offers it",
      )
        .choices(['auto', 'timeport', 'tracker'])
        .default('auto'),
    )
    .addOption(
      new Option('--created-at <from>', 'createdAt of new worklogs whose source has none: the start or the end of the work')
        .choices(['start', 'end'])
        .default('start'),
    )
    .option('--dry-run', "print the plan's counts, write nothing", false)
    .option('--delete', 'delete the worklogs of entries gone from the source (otherwise they are planned and listed)', false)
    .addOption(
      new Option(
        '--prefer <side>',
        'on a conflict (a worklog changed in the target since the last sync): leave it (target) or overwrite it (source)',
      )
        .choices(['target', 'source'])
        .default('target'),
    )
    .option('--plan <file>', 'write every planned change as NDJSON (action, sourceId, issue, worklogId, before, after)')
    .option(
      '--move-issue-updates',
      "first move the last update of issues whose new entries were written after it (Tracker's import refuses those)",
      false,
    )
    .option(
      '--full',
      'read the whole source and compare everything (otherwise a source that can list its changes is read from the last sync on)',
      false,
    )
    .option(
      '--batch-size <n>',
      "entries per batch import and changes per request (--api timeport; default: the server's limits)",
      positiveInteger('--batch-size', 10_000),
    )
    .option('--state-dir <dir>', 'where the sync state is kept (default: $XDG_STATE_HOME/timeport, else ~/.local/state/timeport)')
    .option('--progress-interval <s>', 'seconds between progress lines', positiveInteger('--progress-interval', 3600), 5)
    .action((files: string[], options: SyncCliOptions) =>
      reporting('sync', async (lib) => {
        const source = await sourceOptions(lib, files, options);
        const target = resolveTarget(lib, options, (name) => command.getOptionValueSource(name));
        const client = clientFor(lib, target, (text) => console.error(text));
        const summary = await lib.runSync({
          ...source,
          client,
          api: options.api,
          batchSize: options.batchSize,
          target: client.baseUrl,
          org: target.org ?? `cloud:${target.cloudOrg}`,
          sourceLabel: source.live?.label ?? files.map((file) => path.resolve(file)).join(', '),
          stateDir: options.stateDir ?? lib.stateDirectory(),
          createdAtFrom: options.createdAt,
          dryRun: options.dryRun,
          applyDeletes: options.delete,
          preferSource: options.prefer === 'source',
          full: options.full,
          moveIssueUpdates: options.moveIssueUpdates,
          planFile: options.plan,
          progressIntervalMs: options.progressInterval * 1000,
          out: (line) => console.log(line),
          err: (line) => console.error(line),
        });
        if (summary.blocked) return EXIT_CODES.refused;
        const planned = summary.planned;
        if (options.dryRun) {
          console.log(
            `Dry run finished in ${summary.seconds.toFixed(1)} s (nothing written)${options.plan === undefined ? '' : `; the plan is in ${options.plan}`}`,
          );
          // Adoptions change only the local state: the target already has those entries.
          const changes = planned.create + planned.update + planned.delete + planned.conflict + planned.ambiguous;
          return changes === 0 ? EXIT_CODES.ok : EXIT_CODES.differences;
        }
        console.log(
          `Sync finished in ${summary.seconds.toFixed(1)} s: created ${summary.created}, adopted ${summary.adopted}, updated ${summary.updated}, deleted ${summary.deleted}, unchanged ${planned.unchanged}, ` +
            `conflicts left ${summary.conflicts}, deletes not applied ${summary.deletesNotApplied}, failed ${summary.failed}`,
        );
        if (summary.runId !== undefined) console.log(`Run: ${summary.runId} (timeport rollback ${summary.runId} undoes it)`);
        if (summary.failed > 0) return EXIT_CODES.someFailed;
        return summary.conflicts > 0 || summary.deletesNotApplied > 0 ? EXIT_CODES.differences : EXIT_CODES.ok;
      }),
    );
}
