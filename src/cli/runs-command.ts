import type { Command } from 'commander';
import { type TargetOptions, addTargetOptions, clientFor, reporting, resolveTarget } from './import-command.js';

/**
 * Exit codes of `timeport rollback` (README, "Undo: runs and rollback"). Usage errors, an
 * unreachable target, an unknown run and a run already rolled back are 1.
 */
export const ROLLBACK_EXIT_CODES = {
  /** Everything the run wrote is undone (a dry run: everything can be). */
  ok: 0,
  error: 1,
  /** Some writes were refused by the target. */
  someFailed: 2,
  /** Worklogs changed in the target since the run were left alone (give --force to undo them too). */
  leftAlone: 3,
} as const;

interface RunsCliOptions extends TargetOptions {
  json: boolean;
  stateDir?: string;
}

interface RollbackCliOptions extends TargetOptions {
  force: boolean;
  dryRun: boolean;
  stateDir?: string;
}

const STATE_DIR_HELP =
  'the state directory whose runs/ holds the run logs (default: $XDG_STATE_HOME/timeport, else ~/.local/state/timeport)';

export function registerRunsCommands(program: Command): void {
  const runsCommand = program
    .command('runs')
    .description('list the import and sync runs against a target and organization, newest first, with what each wrote');
  addTargetOptions(runsCommand);
  runsCommand
    .option('--json', 'print a JSON array, newest first', false)
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action((options: RunsCliOptions) =>
      reporting('runs', async (lib) => {
        const target = resolveTarget(lib, options, (name) => runsCommand.getOptionValueSource(name));
        // The same names the import and the sync recorded: the client's base URL and the organization.
        const client = clientFor(lib, target);
        const org = target.org ?? `cloud:${target.cloudOrg}`;
        const runs = lib.listRuns(lib.runsDirectory(options.stateDir ?? lib.stateDirectory()), client.baseUrl, org);
        if (options.json) {
          const list = runs.map((run) => ({
            id: run.header.id,
            startedAt: run.header.startedAt,
            finishedAt: run.finishedAt ?? null,
            command: run.header.command,
            source: run.header.source,
            target: run.header.target,
            org: run.header.org,
            counts: lib.countsOf(run),
            // Writes announced but whose answer the run never logged (it was stopped): rollback resolves them.
            unconfirmed: run.unconfirmed.size,
            rolledBack: run.rolledBackAt !== undefined,
            rolledBackAt: run.rolledBackAt ?? null,
          }));
          console.log(JSON.stringify(list, null, 2));
          return ROLLBACK_EXIT_CODES.ok;
        }
        if (runs.length === 0) {
          console.log(`No runs against ${client.baseUrl} (organization ${org}).`);
          return ROLLBACK_EXIT_CODES.ok;
        }
        for (const run of runs) {
          const counts = lib.countsOf(run);
          const state =
            run.rolledBackAt !== undefined
              ? `, rolled back ${run.rolledBackAt}`
              : run.finishedAt === undefined
                ? ', did not finish'
                : run.undone.size > 0
                  ? `, ${run.undone.size} undone`
                  : '';
          const unconfirmed = run.unconfirmed.size > 0 ? `, ${run.unconfirmed.size} unconfirmed` : '';
          console.log(
            `${run.header.id}  ${run.header.startedAt}  ${run.header.command}  ${run.header.source}  created ${counts.created}, updated ${counts.updated}, deleted ${counts.deleted}${unconfirmed}${state}`,
          );
        }
        return ROLLBACK_EXIT_CODES.ok;
      }),
    );

  const rollbackCommand = program
    .command('rollback <run>')
    .description(
      'undo one import or sync run: delete the worklogs it created, put back what it updated or deleted (worklogs changed since are left alone unless --force)',
    );
  addTargetOptions(rollbackCommand);
  rollbackCommand
    .option('--force', 'undo worklogs changed in the target since the run too', false)
    .option('--dry-run', 'list what would be done, write nothing', false)
    .option('--state-dir <dir>', STATE_DIR_HELP)
    .action((runId: string, options: RollbackCliOptions) =>
      reporting('rollback', async (lib) => {
        const target = resolveTarget(lib, options, (name) => rollbackCommand.getOptionValueSource(name));
        const client = clientFor(lib, target, (text) => console.error(text));
        const summary = await lib.runRollback({
          client,
          runsDir: lib.runsDirectory(options.stateDir ?? lib.stateDirectory()),
          target: client.baseUrl,
          org: target.org ?? `cloud:${target.cloudOrg}`,
          runId,
          force: options.force,
          dryRun: options.dryRun,
          out: (line) => console.log(line),
        });
        const left = summary.leftAlone.length;
        console.log(
          `${options.dryRun ? 'Dry run (nothing written): would delete' : 'Rollback: deleted'} ${summary.deleted}, ${options.dryRun ? 'restore' : 'restored'} ${summary.restored}, ${options.dryRun ? 're-create' : 're-created'} ${summary.recreated}, nothing to do ${summary.nothingToDo}, left alone ${left}, failed ${summary.failed}` +
            (summary.rolledBack
              ? `; run ${runId} is marked rolled back`
              : options.dryRun
                ? ''
                : `; run ${runId} is not marked rolled back${left > 0 ? ' (--force undoes the worklogs left alone)' : ''}`),
        );
        if (summary.failed > 0) return ROLLBACK_EXIT_CODES.someFailed;
        return left > 0 ? ROLLBACK_EXIT_CODES.leftAlone : ROLLBACK_EXIT_CODES.ok;
      }),
    );
}
