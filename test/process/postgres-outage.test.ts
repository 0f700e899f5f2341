/**
 * PostgreSQL going away under load, through a TCP proxy the test controls (the shared server is
 * never stopped): the server answers 503 in Tracker's format, never hangs, keeps running, and
 * recovers by itself when the database is back, with every acknowledged entry stored once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBusinessDuration } from '../../src/domain/duration.js';
import { type TestDatabase, TEST_DATABASE_URL, createTestDatabase, skipWithoutPostgres } from '../../support/postgres.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { type HttpResponse, Sandbox, type ServerProcess } from '../../support/harness.js';
import { type As, createQueue, getIssue, importIssue, listWorklogs, postWorklog, worklogBody } from './tracker.js';

const TOKEN = 'outage-test-admin-token-0001';
const as: As = { token: TOKEN, org: '1' };
const CONNECT_TIMEOUT_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 2_000;
/**
 * No answer may take longer than this, whatever the database does: the watchdog's limit
 * (statement timeout + connect timeout) after a connect timeout, and room for a busy test machine.
 */
const LONGEST_ANSWER_MS = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 10_000;
const skip = await skipWithoutPostgres();

interface Answer {
  comment: string;
  minutes: number;
  status: number;
  ms: number;
  /** The phase the request was sent in, and the one its answer came in. */
  phase: string;
  answeredIn: string;
  response: HttpResponse | undefined;
}

describe('PostgreSQL cut off under load', { skip, timeout: 120_000 }, () => {
  const box = new Sandbox();
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: ServerProcess;

  before(async () => {
    database = await createTestDatabase();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    server = await box.serve({
      env: {
        DATABASE_URL: proxy.urlFor(database.url),
        TIMEPORT_ADMIN_TOKEN: TOKEN,
        TIMEPORT_DB_POOL: '4',
        TIMEPORT_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        TIMEPORT_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        LOG_LEVEL: 'error',
      },
    });
  });
  after(async () => {
    await box.dispose();
    await proxy?.close();
    await database?.drop();
  });

  it('answers 503 in Tracker format while it is gone, never hangs, and recovers with nothing acknowledged lost', async () => {
    await createQueue(server, as);
    const issue = await importIssue(server, as);
    const answers: Answer[] = [];
    let phase = 'up';
    let running = true;
    let sequence = 0;
    // Eight clients sending imports one after another, as a migration tool would.
    const client = async () => {
      while (running) {
        sequence += 1;
        const comment = `entry ${sequence}`;
        const minutes = 1 + (sequence % 50);
        const started = Date.now();
        const sentIn = phase;
        let response: HttpResponse | undefined;
        try {
          response = await postWorklog(server, as, issue.key, worklogBody({ comment, duration: `PT${minutes}M` }));
        } catch {
          response = undefined;
        }
        answers.push({
          comment,
          minutes,
          status: response?.status ?? 0,
          ms: Date.now() - started,
          phase: sentIn,
          answeredIn: phase,
          response,
        });
        if (response?.status !== 200) await sleep(50);
      }
    };
    const clients = Array.from({ length: 8 }, client);

    await sleep(1_500);
    phase = 'refusing';
    proxy.setMode('refusing');
    await sleep(2_000);
    phase = 'silent';
    proxy.setMode('silent');
    await sleep(3_000);
    phase = 'back';
    proxy.setMode('up');
    await sleep(3_000);
    phase = 'recovered';
    await sleep(2_000);
    running = false;
    await Promise.all(clients);

    const counts = new Map<string, number>();
    for (const answer of answers) counts.set(`${answer.phase} ${answer.status}`, (counts.get(`${answer.phase} ${answer.status}`) ?? 0) + 1);
    const summary = JSON.stringify(Object.fromEntries(counts));
    assert.ok(server.child.running, `the server is still running\n${server.child.transcript()}`);
    for (const answer of answers) {
      assert.ok([200, 503].includes(answer.status), `${answer.comment} answered ${answer.status}: ${answer.response?.text} ${summary}`);
      assert.ok(answer.ms <= LONGEST_ANSWER_MS, `${answer.comment} took ${answer.ms} ms (${answer.phase}) ${summary}`);
      if (answer.status === 503) {
        assert.deepEqual(answer.response!.json(), {
          errors: {},
          errorsData: {},
          errorMessages: ['The database is temporarily unavailable. Try again later.'],
          statusCode: 503,
        });
        assert.equal(answer.response!.headers['retry-after'], '1');
        assert.match(String(answer.response!.headers['content-type']), /^application\/json/);
      }
    }
    const byPhase = (name: string, status: number) => answers.filter((answer) => answer.phase === name && answer.status === status).length;
    assert.ok(byPhase('up', 200) > 0, summary);
    assert.ok(byPhase('refusing', 503) > 0, `503s while PostgreSQL refuses: ${summary}`);
    assert.ok(byPhase('silent', 503) > 0, `503s while PostgreSQL is silent: ${summary}`);
    const cut = (name: string) => name === 'refusing' || name === 'silent';
    const storedWhileCut = answers.filter((answer) => answer.status === 200 && cut(answer.phase) && cut(answer.answeredIn));
    assert.equal(storedWhileCut.length, 0, `nothing stored while cut off: ${summary}`);
    // Recovered by itself: after the first seconds back, every request succeeds.
    assert.ok(byPhase('recovered', 200) > 0, summary);
    assert.equal(byPhase('recovered', 503), 0, `no 503 once recovered: ${summary}`);

    const listed = await listWorklogs(server, as, issue.key);
    const listedComments = listed.map((worklog) => worklog.comment!);
    assert.equal(new Set(listedComments).size, listed.length, 'no entry is stored twice');
    const acknowledged = answers.filter((answer) => answer.status === 200);
    const present = new Set(listedComments);
    for (const answer of acknowledged) assert.ok(present.has(answer.comment), `${answer.comment} was acknowledged and is stored`);
    // A 503 means the transaction was not acknowledged by PostgreSQL. The one exception no server
    // can rule out: a COMMIT in flight at the very moment of the cut, which PostgreSQL may have
    // applied when its answer was lost. Only requests sent before the cut can be such (one per client).
    const sent = new Map(answers.map((answer) => [answer.comment, answer]));
    const unacknowledgedButStored = listedComments.map((comment) => sent.get(comment)).filter((answer) => answer?.status !== 200);
    assert.ok(
      unacknowledgedButStored.every((answer) => answer !== undefined && answer.phase === 'up') && unacknowledgedButStored.length <= 8,
      `stored without a 200: ${JSON.stringify(unacknowledgedButStored.map((answer) => answer && { ...answer, response: undefined }))}`,
    );
    const spentSeconds = listedComments.reduce((sum, comment) => sum + sent.get(comment)!.minutes * 60, 0);
    assert.equal((await getIssue(server, as, issue.key)).spent, formatBusinessDuration(spentSeconds));
    assert.equal((await server.stop()).code, 0, server.child.transcript());
  });
});
