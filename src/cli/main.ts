import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, describeFidelity, readConfig } from '../config.js';
import { CommandError } from './command-error.js';
import { loadDotEnv } from './dot-env.js';
import { limitHeapGrowth } from './heap-growth.js';
import { registerImportCommands } from './import-command.js';
import { registerRunsCommands } from './runs-command.js';
import { registerSyncCommand } from './sync-command.js';
import { Problem } from '../domain/errors.js';
import type { ServiceContext } from '../service/context.js';
import { StoreOpenError } from '../store/errors.js';
import { PACKAGE_VERSION } from '../version.js';

/**
 * The `timeport` command. Management commands work directly on the database the server uses,
 * found from the same environment (DATABASE_URL, TIMEPORT_DATA_DIR), so they work offline too.
 * Each command loads what it needs when it runs: `timeport import`, a client of a server, never
 * loads the store, the drivers or the services (its memory: BENCHMARKS.md).
 */
export function buildProgram(): Command {
  const program = new Command('timeport')
    .description('Timeport: self-hosted time tracking that speaks the Yandex Tracker API')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run the HTTP server (configured by PORT, HOST, DATABASE_URL, TIMEPORT_* variables)')
    .option('--workers <n>', `run n server processes on one port (node:cluster, 1 to ${MAX_WORKERS}; PostgreSQL only)`, parseWorkers)
    .action(async (options: { workers?: number }) => {
      limitHeapGrowth();
      const config = readConfig();
      // Loaded only now: a configuration refused above costs no HTTP stack loading.
      const { isClusterWorker, runClusterWorker, serveWithWorkers } = await import('../cluster.js');
      const { closeOnSignals, startServer } = await import('../server.js');
      if (isClusterWorker()) return runClusterWorker(config);
      if (options.workers !== undefined && options.workers > 1) return serveWithWorkers(config, options.workers);
      const server = await startServer(config);
      // Handlers first: whoever reads the listening line may signal at once.
      closeOnSignals(server, { graceMs: config.shutdownGraceMs });
      const fidelity = describeFidelity(config);
      if (fidelity !== undefined) console.log(fidelity);
      console.log(`Timeport is listening on ${server.url}`);
    });

  const org = program.command('org').description('manage organizations');
  org
    .command('create <id>')
    .description("create an organization with its first administrator, and print that administrator's token")
    .requiredOption('--admin <login>', 'login of the first administrator')
    .option(
      '--token <token>',
      'use this token for the administrator instead of a random one (16+ printable characters, more than 64 bits of estimated entropy)',
    )
    .option('--cloud-org-id <id>', 'the id clients send in X-Cloud-Org-ID for this organization')
    .option('--name <name>', 'display name of the organization')
    .action((id: string, options: { admin: string; token?: string; cloudOrgId?: string; name?: string }) =>
      withContext(async (ctx) => {
        const { createOrganization } = await import('../service/organizations.js');
        const created = await createOrganization(ctx, {
          id,
          adminLogin: options.admin,
          adminToken: options.token,
          cloudOrgId: options.cloudOrgId,
          name: options.name,
        });
        console.error(`Created organization ${created.org.id} with administrator "${created.admin.login}" (uid ${created.admin.uid}).`);
        if (options.token === undefined) console.log(created.token);
      }),
    );

  const user = program.command('user').description('manage users');
  user
    .command('create <login>')
    .description('add a user to an organization')
    .requiredOption('--org <id>', 'the organization')
    .option('--display <name>', 'display name (default: the login)')
    .option('--email <address>', 'e-mail address')
    .option('--admin', 'make the user an organization administrator', false)
    .action((login: string, options: { org: string; display?: string; email?: string; admin: boolean }) =>
      withContext(async (ctx) => {
        const [{ createUser }, { OPERATOR }] = await Promise.all([import('../service/users.js'), import('../service/context.js')]);
        const created = await createUser(ctx, OPERATOR, options.org, {
          login,
          display: options.display,
          email: options.email,
          isAdmin: options.admin,
        });
        console.log(
          `Created user "${created.login}" (uid ${created.uid}${created.isAdmin ? ', administrator' : ''}) in organization ${options.org}.`,
        );
      }),
    );

  const token = program.command('token').description('manage API tokens');
  token
    .command('create <login>')
    .description('issue a new token for a user and print it (it is shown only this once)')
    .requiredOption('--org <id>', 'the organization of the user')
    .action((login: string, options: { org: string }) =>
      withContext(async (ctx) => {
        const [{ issueToken }, { OPERATOR }] = await Promise.all([import('../service/tokens.js'), import('../service/context.js')]);
        console.log(await issueToken(ctx, OPERATOR, options.org, login));
      }),
    );
  token
    .command('revoke [token]')
    .description(
      'revoke a token (given as an argument or, to keep it out of the shell history, on stdin as "-"), or with --user every token of a user',
    )
    .option('--user <login>', 'revoke every active token of this user (needs --org)')
    .option('--org <id>', 'the organization of --user')
    .action((tokenArgument: string | undefined, options: { user?: string; org?: string }) =>
      withContext(async (ctx) => {
        const [{ revokeToken, revokeUserTokens }, { OPERATOR }] = await Promise.all([
          import('../service/tokens.js'),
          import('../service/context.js'),
        ]);
        if (options.user !== undefined) {
          if (tokenArgument !== undefined) throw new UsageError('give either a token or --user, not both');
          if (options.org === undefined) throw new UsageError('--user needs --org');
          const revoked = await revokeUserTokens(ctx, OPERATOR, options.org, options.user);
          console.log(`Revoked ${revoked} token${revoked === 1 ? '' : 's'} of "${options.user}" in organization ${options.org}.`);
          return;
        }
        if (tokenArgument === undefined)
          throw new UsageError('give the token to revoke, "-" to read it from stdin, or --user <login> --org <id>');
        const secret = tokenArgument === '-' ? (await readStdin()).trim() : tokenArgument;
        await revokeToken(ctx, OPERATOR, secret);
        console.log('Revoked the token.');
      }),
    );

  program
    .command('backup <file>')
    .description('copy the SQLite database to <file> while the server keeps running (PostgreSQL: use pg_dump)')
    .option('--force', 'replace <file> if it exists', false)
    .action(async (file: string, options: { force: boolean }) => {
      const { backupDatabase } = await import('./backup.js');
      const summary = await backupDatabase(readConfig(), file, { force: options.force });
      console.log(
        `Backed up ${summary.issues} issues and ${summary.worklogs} worklogs to ${summary.file} (${summary.bytes} bytes, ${summary.milliseconds} ms).`,
      );
    });

  registerImportCommands(program);
  registerSyncCommand(program);
  registerRunsCommands(program);
  return program;
}

/** A mistake in how a command was called. */
class UsageError extends CommandError {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** More processes than this on one machine would only compete for its CPUs and the database's connections. */
const MAX_WORKERS = 64;

function parseWorkers(text: string): number {
  const workers = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new InvalidArgumentError(`--workers takes a whole number from 1 to ${MAX_WORKERS}`);
  }
  return workers;
}

/** Runs a management command against the configured database, closing it afterwards. */
async function withContext(run: (ctx: ServiceContext) => Promise<void>): Promise<void> {
  const config = readConfig();
  const { openStore, storeOptions } = await import('../store/database.js');
  const store = await openStore(storeOptions(config));
  try {
    await run({ store, now: Date.now });
  } finally {
    await store.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    // Before the options are parsed: TRACKER_TOKEN and the like may come from the file.
    loadDotEnv();
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof Problem || error instanceof ConfigError || error instanceof CommandError || error instanceof StoreOpenError) {
      console.error(`timeport: ${error.message}`);
      return 1;
    }
    console.error('timeport: unexpected error:', error);
    return 1;
  }
}

/** Runs the command line and ends the process on failure; `serve` keeps running until a signal. */
export async function run(argv: string[]): Promise<void> {
  const exitCode = await main(argv);
  if (exitCode !== 0) process.exit(exitCode);
}
