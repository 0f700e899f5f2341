/**
 * Issue 14, point 1: a member could stall the whole server with one large body. A non-admin's
 * `{"entries":[{},{},...]}` of tens of megabytes to the batch import was read and parsed before its
 * 403, while /healthz waited and the process grew (the issue has the figures). Now every route a
 * caller's headers decide is refused from them, before the body is read, and the batch body is
 * parsed as it arrives, refused as soon as it holds too many entries or nests too deep.
 *
 * Each request is sent over a real socket: the headers announce a body of several megabytes, then
 * only its first chunk is sent and the client waits for the answer. The answer must come before
 * the rest is sent (the old server waited for the whole body, so the wait timed out), and
 * /healthz, asked meanwhile, must answer within a bound generous for a busy machine.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { BatchBodyScanner } from '../../src/api/batch-body.js';
import { MAX_JSON_NESTING } from '../../src/api/json-nesting.js';
import { MAX_BATCH_ENTRIES } from '../../src/service/batch-import.js';
import { ADMIN_TOKEN, type TestApp } from '../../support/app.js';
import { buildAppWithIssue, createUserWithToken } from '../api/fixtures.js';

/**
 * What the headers announce to the batch route: a few MB, modest for CI, and far more than is sent
 * when the fix holds. Other routes take at most 1 MiB (DEFAULT_BODY_LIMIT): a little less.
 */
const BATCH_BYTES = 4 * 1024 * 1024;
const SMALL_ROUTE_BYTES = 960 * 1024;
const FIRST_CHUNK_BYTES = 64 * 1024;
/** How long the client waits for an answer after the first chunk; the old server never answered in it. */
const ANSWER_WAIT_MS = 5_000;
/** /healthz on a 2-core machine shared with other work: generous, far below a stall. */
const HEALTHZ_BOUND_MS = 1_500;

interface Outcome {
  status: number | undefined;
  /** Bytes of the body sent when the answer (or the wait's end) came. */
  sentBytes: number;
  body: string;
}

interface LargeBody {
  bytes: number;
  /** A JSON document of `bytes` bytes: `prefix`, `unit` repeated, `suffix`. */
  prefix: string;
  unit: string;
  suffix: string;
}

/**
 * Announces a large body, sends FIRST_CHUNK_BYTES of it, and waits up to ANSWER_WAIT_MS for the
 * answer; only if none came does it send the rest (as a client would), so that the old behaviour
 * still ends, with its answer.
 */
async function sendLargeBody(port: number, path: string, headers: Record<string, string>, large: LargeBody): Promise<Outcome> {
  const ANNOUNCED_BYTES = large.bytes;
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined); // the server may close while the rest is being written
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${ANNOUNCED_BYTES}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  const repeats = Math.floor((ANNOUNCED_BYTES - large.prefix.length - large.suffix.length) / large.unit.length);
  const text = large.prefix + large.unit.repeat(repeats) + large.suffix;
  const body = Buffer.from(text + ' '.repeat(ANNOUNCED_BYTES - Buffer.byteLength(text)));
  let received = '';
  let sentBytes = 0;
  const answered = new Promise<void>((resolve) => {
    socket.on('data', (data: Buffer) => {
      received += data.toString('latin1');
      if (/\r\n\r\n/.test(received)) resolve();
    });
    socket.on('close', () => resolve());
  });
  const write = (chunk: Buffer) => new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
  await write(body.subarray(0, FIRST_CHUNK_BYTES));
  sentBytes = FIRST_CHUNK_BYTES;
  const first = await Promise.race([
    answered.then(() => 'answered' as const),
    new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), ANSWER_WAIT_MS)),
  ]);
  const sentWhenAnswered = first === 'answered' ? sentBytes : undefined;
  if (first === 'waited') {
    for (let offset = FIRST_CHUNK_BYTES; offset < ANNOUNCED_BYTES && !socket.destroyed; offset += 64 * 1024) {
      await write(body.subarray(offset, offset + 64 * 1024));
      sentBytes = Math.min(ANNOUNCED_BYTES, offset + 64 * 1024);
    }
    await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  }
  // Let the rest of the answer (its body) arrive.
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
  const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
  return {
    status: status === undefined ? undefined : Number(status),
    sentBytes: sentWhenAnswered ?? sentBytes,
    body: received.split('\r\n\r\n').slice(1).join('\r\n\r\n'),
  };
}

/** Asks /healthz every 50 ms while `work` runs; answers the slowest answer's time. */
async function slowestHealthz(port: number, work: Promise<unknown>): Promise<number> {
  let done = false;
  let slowest = 0;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(response.status, 200);
      await response.text();
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    await work;
  } finally {
    done = true;
    await poll;
  }
  return slowest;
}

describe('large bodies are refused before they are read (issue 14, point 1)', () => {
  let t: TestApp;
  let port: number;
  let memberToken: string;

  before(async () => {
    ({ t } = await buildAppWithIssue());
    memberToken = (await createUserWithToken(t, 'member')).token;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as net.AddressInfo).port;
  });
  after(() => t.close());

  const empties: LargeBody = { bytes: BATCH_BYTES, prefix: '{"entries":[', unit: '{},', suffix: '{}]}' };
  const longText = (prefix: string, suffix: string): LargeBody => ({ bytes: SMALL_ROUTE_BYTES, prefix, unit: 'x', suffix });
  const cases = [
    {
      who: 'a member',
      path: '/timeport/v1/worklogs/_import',
      headers: () => ({ Authorization: `OAuth ${memberToken}`, 'X-Org-ID': '1' }),
      status: 403,
      body: empties,
    },
    {
      who: 'a stranger',
      path: '/timeport/v1/worklogs/_import',
      headers: () => ({ Authorization: 'OAuth not-a-token-of-this-server', 'X-Org-ID': '1' }),
      status: 401,
      body: empties,
    },
    { who: 'nobody', path: '/timeport/v1/worklogs/_import', headers: () => ({ 'X-Org-ID': '1' }), status: 401, body: empties },
    {
      who: 'a member',
      path: '/v3/issues/TEST-1/worklogs/_import',
      headers: () => ({ Authorization: `OAuth ${memberToken}`, 'X-Org-ID': '1' }),
      status: 403,
      body: longText(
        '{"start":"2025-02-18T16:35:41.740+0000","duration":"PT1H","createdBy":"admin","createdAt":"2025-02-18T16:35:41.740+0000","comment":"',
        '"}',
      ),
    },
    {
      who: 'a member',
      path: '/v3/queues',
      headers: () => ({ Authorization: `OAuth ${memberToken}`, 'X-Org-ID': '1' }),
      status: 403,
      body: longText('{"key":"BIG","lead":"admin","name":"', '"}'),
    },
    {
      who: 'a member',
      path: '/timeport/v1/users',
      headers: () => ({ Authorization: `OAuth ${memberToken}`, 'X-Org-ID': '1' }),
      status: 403,
      body: longText('{"login":"big","display":"', '"}'),
    },
    // An admin's batch is read, but refused as soon as it holds more entries than a batch may.
    {
      who: 'an admin (too many entries)',
      path: '/timeport/v1/worklogs/_import',
      headers: () => ({ Authorization: `OAuth ${ADMIN_TOKEN}`, 'X-Org-ID': '1' }),
      status: 422,
      body: empties,
    },
    {
      who: 'an admin (too deep)',
      path: '/timeport/v1/worklogs/_import',
      headers: () => ({ Authorization: `OAuth ${ADMIN_TOKEN}`, 'X-Org-ID': '1' }),
      status: 400,
      body: { bytes: BATCH_BYTES, prefix: '{"entries":[', unit: '[', suffix: '' },
    },
  ];
  for (const { who, path, headers, status, body } of cases) {
    it(`POST ${path} from ${who}: ${status} before the body is sent, /healthz fast meanwhile`, async () => {
      let outcome: Outcome | undefined;
      const slowest = await slowestHealthz(
        port,
        sendLargeBody(port, path, headers(), body).then((result) => {
          outcome = result;
        }),
      );
      assert.equal(outcome?.status, status, `answer ${outcome?.status}: ${outcome?.body.slice(0, 300)}`);
      assert.ok(outcome.sentBytes < body.bytes, `the answer came only after all ${body.bytes} bytes were sent`);
      assert.match(outcome.body, /"statusCode":\d{3}/, 'Tracker error format');
      assert.ok(slowest < HEALTHZ_BOUND_MS, `/healthz took ${slowest.toFixed(0)} ms`);
    });
  }

  it('the server still answers on a fresh connection, and nothing was stored', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/timeport/v1/imports`, {
      headers: { Authorization: `OAuth ${ADMIN_TOKEN}`, 'X-Org-ID': '1' },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), []);
  });
});

describe('the batch body scanner', () => {
  const limits = { maxEntries: MAX_BATCH_ENTRIES, maxEnvelopeChars: 64 * 1024 };

  /** Scans `text` in pieces cut at the given offsets. */
  function scan(text: string, cuts: number[]): unknown {
    const scanner = new BatchBodyScanner(limits, (piece) => JSON.parse(piece) as unknown);
    let start = 0;
    for (const cut of [...new Set(cuts.map((offset) => offset % (text.length + 1)))].sort((a, b) => a - b)) {
      scanner.push(text.slice(start, cut));
      start = cut;
    }
    scanner.push(text.slice(start));
    return scanner.finish();
  }

  it('gives what JSON.parse gives, however the body is cut into chunks', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const body = fc.record(
      {
        entries: fc.array(value, { maxLength: 6 }),
        mode: fc.constantFrom('atomic', 'partial', 'entries', '[{"entries":[1]}]'),
        source: fc.string(),
        entriesLater: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['entries'] },
    );
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (object, cuts, spaced) => {
        const text = JSON.stringify(object, null, spaced ? 2 : undefined);
        assert.deepEqual(scan(text, cuts), JSON.parse(text));
      }),
      { numRuns: 500 },
    );
    // A later "entries" replaces an earlier one, as in JSON.parse; entries of other types stay.
    for (const text of [
      '{"entries":[1,2],"entries":[3]}',
      '{"entries":[1],"entries":5}',
      '{"entries":5,"entries":[{"a":[1]}]}',
      '{"x":"entries","entries":[]}',
      '{ "entries" : [ 1 , "a,]" , {"b":"]"} ] }',
    ]) {
      assert.deepEqual(scan(text, [3, 9, 17]), JSON.parse(text), text);
    }
    assert.equal(scan('  ', []), undefined);
  });

  it('refuses malformed entries lists, too many entries, deep nesting and a large envelope', () => {
    for (const text of [
      '{"entries":[1,,2]}',
      '{"entries":[1,]}',
      '{"entries":[,1]}',
      '{"entries":[1 2]}',
      '{"entries":[1',
      '{"entries":[{]}',
      '{"entries":[1]',
    ]) {
      assert.throws(() => scan(text, []), Error, text);
    }
    assert.throws(() => scan(`{"entries":[${'{},'.repeat(MAX_BATCH_ENTRIES)}{}]}`, []), /invalid fields/);
    assert.doesNotThrow(() => scan(`{"entries":[${'{},'.repeat(MAX_BATCH_ENTRIES - 1)}{}]}`, []));
    assert.throws(() => scan(`{"entries":[${'['.repeat(MAX_JSON_NESTING)}`, []), /nests arrays and objects more than/);
    assert.throws(() => scan(`{"source":"${'x'.repeat(70_000)}","entries":[]}`, [1000]), /outside its entries/);
    assert.throws(() => scan(`[${'1,'.repeat(40_000)}1]`, []), /outside its entries/);
  });
});
