/**
 * The baseline of the single-import benchmark (not a bench script; `bench/http.ts` starts it as a
 * separate process): a bare Fastify 5 server with one route, `POST /v3/issues/:issue/worklogs/_import`,
 * that validates the import's body against a JSON schema of the same shape (strict, the same
 * required fields) and answers 200 with the body echoed in the shape of Timeport's answer (a
 * worklog), padded to exactly ECHO_RESPONSE_BYTES bytes of JSON and with an `x-request-id` header,
 * as the real answer has: the same request, the same response size, no database, no auth.
 *
 *   ECHO_RESPONSE_BYTES=674 PORT=0 node --import tsx bench/echo-server.ts
 *
 * Prints `Echo is listening on http://127.0.0.1:<port>`; stops on SIGTERM/SIGINT.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const RESPONSE_BYTES = Number(process.env.ECHO_RESPONSE_BYTES ?? 674);
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const bodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['duration', 'createdAt', 'createdBy', 'start'],
  properties: {
    duration: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'integer', minimum: 1 },
      ],
    },
    start: { type: 'string' },
    comment: { type: 'string' },
  },
} as const;

const user = {
  type: 'object',
  properties: {
    self: { type: 'string' },
    id: { type: 'string' },
    display: { type: 'string' },
    cloudUid: { type: 'string' },
    passportUid: { type: 'integer' },
  },
} as const;

const responseSchema = {
  type: 'object',
  properties: {
    self: { type: 'string' },
    id: { type: 'integer' },
    version: { type: 'integer' },
    issue: {
      type: 'object',
      properties: { self: { type: 'string' }, id: { type: 'string' }, key: { type: 'string' }, display: { type: 'string' } },
    },
    comment: { type: 'string' },
    createdBy: user,
    updatedBy: user,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    start: { type: 'string' },
    duration: { type: 'string' },
  },
} as const;

interface Body {
  duration: string;
  createdAt: string;
  createdBy: string | number;
  start: string;
  comment?: string;
}

const app = Fastify({ logger: false, keepAliveTimeout: 72_000, genReqId: () => randomUUID() });
let base = '';
let nextId = 0;

/** The answer without its padding; its JSON length is computed, not serialized twice. */
function answer(issue: string, body: Body, id: number, pad: string) {
  const person = { self: `${base}/v3/users/1`, id: '1', display: 'Administrator', cloudUid: 'ajjdujm9e7n4kengkb63', passportUid: 1 };
  return {
    self: `${base}/v3/issues/${issue}/worklog/${id}`,
    id,
    version: 1,
    issue: { self: `${base}/v3/issues/${issue}`, id: '5e0be10088045558ba400aa2', key: issue, display: `Bench issue${pad}` },
    comment: body.comment ?? '',
    createdBy: person,
    updatedBy: person,
    createdAt: body.createdAt,
    updatedAt: body.createdAt,
    start: body.start,
    duration: body.duration,
  };
}

/** JSON bytes of the answer with an empty pad, for a body whose strings need no escaping. */
let fixedBytes = 0;
const variableBytes = (issue: string, body: Body, id: number) =>
  3 * issue.length +
  String(id).length * 2 +
  (body.comment ?? '').length +
  2 * body.createdAt.length +
  body.start.length +
  body.duration.length;

app.post<{ Params: { issue: string }; Body: Body }>(
  '/v3/issues/:issue/worklogs/_import',
  {
    schema: {
      params: { type: 'object', properties: { issue: { type: 'string', minLength: 1, maxLength: 64 } } },
      body: bodySchema,
      response: { 200: responseSchema },
    },
  },
  async (request, reply) => {
    nextId += 1;
    const { issue } = request.params;
    const padding = RESPONSE_BYTES - fixedBytes - variableBytes(issue, request.body, nextId);
    reply.header('x-request-id', request.id);
    return answer(issue, request.body, nextId, padding > 0 ? 'x'.repeat(padding) : '');
  },
);

await app.listen({ port, host });
const address = app.server.address();
const actualPort = typeof address === 'object' && address !== null ? address.port : port;
base = `http://${host}:${actualPort}`;
const sample: Body = { duration: '', createdAt: '', createdBy: 'admin', start: '', comment: '' };
fixedBytes = Buffer.byteLength(JSON.stringify(answer('', sample, 0, ''))) - 2; // minus the id "0" twice
console.log(`Echo is listening on ${base}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
