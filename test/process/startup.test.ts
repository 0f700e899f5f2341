/** Starting the real server process: first start, restart, and configuration by environment. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { GENERATED_TOKEN, ROOT, Sandbox, freePort, hasStackTrace } from '../../support/harness.js';
import { type Myself, call, createQueue, expectStatus, myself } from './tracker.js';

const CREATED_ORG_1 = 'Created organization 1 with administrator "admin".';
const TOKEN_LINE = /^Administrator token \(shown only this once, keep it\): (\S+)$/m;

describe('starting the server process', { concurrency: true, timeout: 60_000 }, () => {
  const sandboxes: Sandbox[] = [];
  const sandbox = () => {
    const created = new Sandbox();
    sandboxes.push(created);
    return created;
  };
  after(() => Promise.all(sandboxes.map((each) => each.dispose())));

  it('npm start on an empty data dir creates organization 1, prints its admin token once, and a restart keeps it', async () => {
    const box = sandbox();
    // As the README does: `npm start`, with only the port left to the system.
    const first = await box.serve({ launcher: 'npm' });
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'HOST defaults to 127.0.0.1');
    assert.ok(first.stdout.includes(CREATED_ORG_1), first.stdout);
    const token = TOKEN_LINE.exec(first.stdout)?.[1];
    assert.ok(token !== undefined, `no token line in\n${first.stdout}`);
    assert.match(token, GENERATED_TOKEN);
    assert.equal(first.stdout.split(token).length, 2, 'the token is printed exactly once');
    assert.ok(!first.stderr.includes(token), 'the token is not in stderr');

    const health = await first.request('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    const me = await myself(first, { token, org: '1' });
    assert.equal(me.login, 'admin');
    assert.equal((await first.request('/v3/myself', { org: '1' })).status, 401, 'no token, no access');
    assert.equal((await first.request('/v3/myself', { token: `${token}x`, org: '1' })).status, 401, 'a wrong token is refused');
    assert.ok(fs.existsSync(box.databaseFile), `${box.databaseFile} exists`);

    // npm runs `sh -c node ...`: the signal goes to the whole group, and the group must end.
    await first.stop('SIGTERM');

    const second = await box.serve();
    assert.ok(!second.stdout.includes('Created organization'), second.stdout);
    assert.ok(!TOKEN_LINE.test(second.stdout), 'no token is printed on a later start');
    assert.ok(!second.stdout.includes(token) && !second.stderr.includes(token));
    assert.equal((await myself(second, { token, org: '1' })).uid, me.uid, 'the first token still works');
    assert.equal((await second.stop('SIGTERM')).code, 0);
  });

  it('TIMEPORT_ADMIN_TOKEN, TIMEPORT_ORG_ID and TIMEPORT_PUBLIC_URL shape the first start', async () => {
    const box = sandbox();
    const token = 'operator-chosen-secret-0042';
    const server = await box.serve({
      env: { TIMEPORT_ADMIN_TOKEN: token, TIMEPORT_ORG_ID: '42', TIMEPORT_PUBLIC_URL: 'https://tracker.example.com' },
    });
    assert.ok(server.stdout.includes('Created organization 42 with administrator "admin".'), server.stdout);
    assert.ok(!TOKEN_LINE.test(server.stdout), 'a chosen token is not announced as a generated one');
    assert.ok(!server.stdout.includes(token), 'the chosen token is not in stdout');
    assert.ok(!server.stderr.includes(token), 'the chosen token is not in stderr');

    const me = await myself(server, { token, org: '42' });
    assert.equal(me.login, 'admin');
    assert.equal(me.self, `https://tracker.example.com/v3/users/${me.uid}`);
    const v2 = expectStatus<Myself>(await call(server, { token, org: '42' }, '/v2/myself'), 200);
    assert.equal(v2.self, `https://tracker.example.com/v2/users/${me.uid}`);
    expectStatus(await call(server, { token, org: '1' }, '/v3/myself'), 403, "organization 1 is not this token's");
    await createQueue(server, { token, org: '42' });
    const queue = expectStatus<{ self: string }>(await call(server, { token, org: '42' }, '/v3/queues/TEST'), 200);
    assert.equal(queue.self, 'https://tracker.example.com/v3/queues/TEST');

    await server.stop();
    // The printed text after stopping must not leak the token either.
    assert.ok(!server.stdout.includes(token) && !server.stderr.includes(token));
  });

  it('HOST and PORT choose the address, and the default public URL is http://HOST:PORT', async () => {
    const box = sandbox();
    const port = await freePort();
    const token = 'host-and-port-token-000001';
    const server = await box.serve({ env: { HOST: '127.0.0.1', PORT: String(port), TIMEPORT_ADMIN_TOKEN: token } });
    assert.equal(server.url, `http://127.0.0.1:${port}`);
    assert.equal((await server.request('/healthz')).status, 200);
    const me = await myself(server, { token, org: '1' });
    assert.equal(me.self, `http://127.0.0.1:${port}/v3/users/${me.uid}`);
    assert.equal((await server.stop()).code, 0);
  });

  it('with PORT=0 the default public URL names the port the system chose', async () => {
    const box = sandbox();
    const token = 'port-zero-token-0000000001';
    const server = await box.serve({ env: { PORT: '0', TIMEPORT_ADMIN_TOKEN: token } });
    assert.notEqual(server.port, 0);
    const me = await myself(server, { token, org: '1' });
    assert.equal(me.self, `http://127.0.0.1:${server.port}/v3/users/${me.uid}`);
    assert.equal((await server.stop()).code, 0);
  });

  it("on Node 24 and later runs with Node 22's young generation, in the same process, unless node was given a size (bin/young-generation.js)", async () => {
    const box = sandbox();
    const nodeArgsOf = (server: { child: { process: { pid?: number | undefined } } }) =>
      fs
        .readFileSync(`/proc/${server.child.process.pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((argument) => argument.startsWith('--max-semi-space-size'));
    const bounded = Number(process.versions.node.split('.')[0]) >= 24;
    // The process started as `node bin/timeport.js serve` is, under the same pid, the one that serves.
    const server = await box.serve();
    assert.deepEqual(nodeArgsOf(server), bounded ? ['--max-semi-space-size=16'] : []);
    assert.equal((await server.request('/healthz')).status, 200);
    assert.equal((await server.stop()).code, 0);
    // A size given to node, on its command line or in NODE_OPTIONS, is kept.
    const given = await box.serve({ nodeArgs: ['--max-semi-space-size=8'] });
    assert.deepEqual(nodeArgsOf(given), ['--max-semi-space-size=8']);
    assert.equal((await given.stop()).code, 0);
    const fromEnvironment = await box.serve({ env: { NODE_OPTIONS: '--max-semi-space-size=8' } });
    assert.deepEqual(nodeArgsOf(fromEnvironment), []);
    assert.equal((await fromEnvironment.stop()).code, 0);
  });

  it('restarts for the young generation only for the commands that need it: not for --version or token', () => {
    const box = sandbox();
    // Every start of Node, the first and the one after execve, appends its own flags to the file.
    const starts = path.join(box.dataDir, 'starts.txt');
    const probe = path.join(box.dataDir, 'probe.mjs');
    fs.writeFileSync(
      probe,
      `import fs from 'node:fs';\nfs.appendFileSync(${JSON.stringify(starts)}, JSON.stringify(process.execArgv) + '\\n');\n`,
    );
    const startsOf = (...args: string[]): string[] => {
      fs.rmSync(starts, { force: true });
      const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'timeport.js'), ...args], {
        env: { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` },
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      return fs.readFileSync(starts, 'utf8').trim().split('\n');
    };
    const restarts = Number(process.versions.node.split('.')[0]) >= 24;
    assert.equal(startsOf('--version').length, 1);
    assert.equal(startsOf('token', '--help').length, 1);
    const exported = startsOf('export', '--help');
    assert.equal(exported.length, restarts ? 2 : 1);
    if (restarts) assert.match(exported[1]!, /--max-semi-space-size=16/);
  });

  describe('refuses a configuration it cannot use: exit 1, one clear line on stderr, nothing created', { concurrency: true }, () => {
    const cases: { name: string; env: Record<string, string>; message: RegExp; secret?: string }[] = [
      { name: 'PORT that is not a number', env: { PORT: 'eighty' }, message: /PORT=eighty is not a whole number/ },
      { name: 'PORT out of range', env: { PORT: '70000' }, message: /PORT=70000 is not a whole number from 0 to 65535/ },
      {
        name: 'TIMEPORT_ADMIN_TOKEN too short',
        env: { TIMEPORT_ADMIN_TOKEN: 'short-secret' },
        message: /TIMEPORT_ADMIN_TOKEN is not usable: a token must be at least 16 characters long/,
        secret: 'short-secret',
      },
      { name: 'TIMEPORT_ORG_ID with a space', env: { TIMEPORT_ORG_ID: 'my org' }, message: /TIMEPORT_ORG_ID=my org is not valid/ },
      {
        name: 'DATABASE_URL that is not PostgreSQL',
        env: { DATABASE_URL: 'mysql://timeport:db-password-1@127.0.0.1:3306/timeport' },
        message: /DATABASE_URL is not a postgres:\/\/ or postgresql:\/\/ URL/,
        secret: 'db-password-1',
      },
      {
        // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
        name: 'DATABASE_URL naming a PostgreSQL server that does not answer',
        env: { DATABASE_URL: 'postgres://timeport:pg-password-1@127.0.0.1:9/timeport', TIMEPORT_DB_CONNECT_TIMEOUT_MS: '2000' },
        message: /cannot open the PostgreSQL database postgres:\/\/timeport:\*\*\*@127\.0\.0\.1:9\/timeport: ECONNREFUSED/,
        secret: 'pg-password-1',
      },
      { name: 'TIMEPORT_DB_POOL of 0', env: { TIMEPORT_DB_POOL: '0' }, message: /TIMEPORT_DB_POOL=0 is not a whole number from 1 to 1000/ },
      {
        name: 'TIMEPORT_DB_STATEMENT_TIMEOUT_MS that is not a number',
        env: { TIMEPORT_DB_STATEMENT_TIMEOUT_MS: '5s' },
        message: /TIMEPORT_DB_STATEMENT_TIMEOUT_MS=5s is not a whole number/,
      },
    ];
    for (const { name, env, message, secret } of cases) {
      it(name, async () => {
        const box = sandbox();
        const result = await box.cli(['serve'], { env });
        const output = `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;
        assert.equal(result.code, 1, output);
        assert.match(result.stderr, /^timeport: /, output);
        assert.match(result.stderr, message, output);
        assert.equal(result.stderr.trim().split('\n').length, 1, `one line only:\n${output}`);
        assert.ok(!hasStackTrace(result.stderr), `no stack trace:\n${output}`);
        assert.ok(!result.stdout.includes('listening'), output);
        if (secret !== undefined) assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), 'no secret printed');
        assert.ok(!fs.existsSync(box.databaseFile), 'no database is created');
      });
    }
  });
});
