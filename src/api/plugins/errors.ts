import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorObject } from 'ajv';
import { INVALID_FIELDS_MESSAGE, Problem, type ProblemKind } from '../../domain/errors.js';
import { classifyDatabaseError } from '../../store/errors.js';
import { type ValidationContext, describeValidationErrors } from '../validation.js';
import type { TrackerErrorBody } from '../schemas/errors.js';

export const STATUS_OF: Record<ProblemKind, number> = {
  malformed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stale_version: 412,
  invalid: 422,
};

/**
 * Runs a service operation whose arguments came from a query string: a value that breaks a rule
 * (the service's `invalid`) is then a malformed request (400, `message`), where the same value in a
 * body is invalid fields (422). Where a value came from is the API's business, not the service's.
 */
export async function readingQuery<T>(operation: Promise<T>, message = 'Invalid query parameters.'): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof Problem && error.kind === 'invalid') throw new Problem('malformed', [message], error.fieldErrors);
    throw error;
  }
}

/**
 * The `errors` of a batch refused as a whole: one line per failed part, keyed `<list>[<index>]`,
 * its messages and field errors joined (the generic "invalid fields" message left out).
 */
export function failedPartErrors(
  list: string,
  outcomes: readonly { index: number; status: string; problem?: Problem }[],
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const outcome of outcomes) {
    if (outcome.status !== 'failed' || outcome.problem === undefined) continue;
    const texts = [
      ...outcome.problem.messages.filter((text) => text !== INVALID_FIELDS_MESSAGE),
      ...Object.entries(outcome.problem.fieldErrors).map(([field, text]) => `${field}: ${text}`),
    ];
    errors[`${list}[${outcome.index}]`] = texts.join('; ');
  }
  return errors;
}

/** A problem as Tracker's error body, for answers that carry errors of their parts (batches). */
export const problemBody = (problem: Problem): TrackerErrorBody => ({
  errors: problem.fieldErrors,
  errorsData: {},
  errorMessages: problem.messages,
  statusCode: STATUS_OF[problem.kind],
});

export function sendTrackerError(
  reply: FastifyReply,
  statusCode: number,
  errorMessages: string[],
  errors: Record<string, string> = {},
): FastifyReply {
  const body: TrackerErrorBody = { errors, errorsData: {}, errorMessages, statusCode };
  return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own client errors, by code, with what to tell the client. */
const FRAMEWORK_ERRORS: Record<string, { status: number; message: (error: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    message: () => 'Unsupported media type: send the request body as application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: () => 'The Content-Length header does not match the body.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: () => 'The request body is too large.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: () => 'The request body is empty.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, message: (error) => `The request body is not valid JSON: ${error.message}` },
};

/**
 * Every error leaves in Tracker's format: the domain's problems, schema failures, the framework's
 * own refusals and unknown routes. Unexpected failures are logged and answered 500 without detail.
 */
export default fp(
  async function trackerErrors(app: FastifyInstance) {
    app.setErrorHandler((error: FastifyError & { validation?: ErrorObject[]; validationContext?: ValidationContext }, request, reply) => {
      if (error instanceof Problem) {
        return sendTrackerError(reply, STATUS_OF[error.kind], error.messages, error.fieldErrors);
      }
      if (error.validation !== undefined) {
        const context = error.validationContext ?? 'body';
        const { fields, general } = describeValidationErrors(error.validation, context);
        // Bodies are JSON documents (422); query strings and paths are request parameters (400).
        const status = context === 'body' ? 422 : 400;
        const messages = general.length > 0 ? general : [context === 'body' ? INVALID_FIELDS_MESSAGE : `Invalid ${context} parameters.`];
        return sendTrackerError(reply, status, messages, fields);
      }
      const database = classifyDatabaseError(error);
      if (database?.kind === 'unavailable') {
        // Nothing was committed (the transaction failed before its COMMIT was acknowledged), so a
        // retry is safe; clients retry 5xx by themselves (docs/tracker-api.md §Errors).
        request.log.warn({ reason: database.reason }, 'database unavailable');
        reply.header('Retry-After', '1');
        return sendTrackerError(reply, 503, ['The database is temporarily unavailable. Try again later.']);
      }
      if (database?.kind === 'duplicate') {
        // A concurrent request created the same thing between this one's check and its insert.
        const what = database.table.replace(/ies$/, 'y').replace(/s$/, '').replace(/_/g, ' ');
        return sendTrackerError(reply, 409, [`A ${what} with this ${database.field} already exists.`], {
          [database.field]: 'is already taken',
        });
      }
      if (database?.kind === 'bad_parameter') {
        request.log.info({ reason: database.reason }, 'a request value the database cannot take');
        return sendTrackerError(reply, 400, ['A value in the request is out of the range the service can store or look up.']);
      }
      const known = error.code === undefined ? undefined : FRAMEWORK_ERRORS[error.code];
      if (known !== undefined) return sendTrackerError(reply, known.status, [known.message(error)]);
      if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
        return sendTrackerError(reply, 400, [`The request body is not valid JSON: ${error.message}`]);
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) return sendTrackerError(reply, status, [error.message]);
      request.log.error({ err: error }, 'request failed');
      if (status === 503) return sendTrackerError(reply, 503, ['The service is temporarily unavailable. Try again later.']);
      return sendTrackerError(reply, 500, ['Internal service error. Try again later.']);
    });

    // Text with U+0000 cannot be stored in PostgreSQL (and would be silently different in SQLite),
    // and an unpaired surrogate (`"\ud800"` in JSON) is not text at all: both databases would store
    // U+FFFD instead, so the answer and every later read would differ from what was sent. Refused
    // on both, after authorization and schema validation, before any handler runs.
    // A callback hook (an async one costs a promise per request): a refusal is answered here and
    // `done` is not called, so the request goes no further.
    app.addHook('preHandler', (request, reply, done) => {
      // A path no route has is not there, whatever it holds: the 404 below says so, and the
      // not-found handler's `*` parameter (the whole path) must not turn that into a 400.
      if (request.is404) return done();
      const body = unstorablePaths(request.body, '');
      if (body.length > 0) {
        sendTrackerError(reply, 422, [INVALID_FIELDS_MESSAGE], Object.fromEntries(body.map(({ path, problem }) => [path, problem])));
        return;
      }
      const parameters = [...unstorablePaths(request.params, ''), ...unstorablePaths(request.query, '')];
      if (parameters.length > 0) {
        sendTrackerError(reply, 400, [`Invalid parameters: ${parameters.map(({ path, problem }) => `${path} ${problem}`).join('; ')}.`]);
        return;
      }
      done();
    });

    app.setNotFoundHandler((request: FastifyRequest, reply) =>
      sendTrackerError(reply, 404, [`There is no ${request.method} ${request.url.split('?')[0]} here.`]),
    );
  },
  { name: 'tracker-errors' },
);

const NUL_MESSAGE = 'contains the character U+0000, which cannot be stored';
const SURROGATE_MESSAGE = 'contains an unpaired UTF-16 surrogate (U+D800 to U+DFFF), which is not text and cannot be stored';
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What keeps a string from being stored as it is, if anything. */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (UNPAIRED_SURROGATE.test(text)) return SURROGATE_MESSAGE;
  return undefined;
}

/** Where in a parsed JSON value a string cannot be stored, and why: `comment`, `entries[3].comment`. */
function unstorablePaths(value: unknown, path: string): { path: string; problem: string }[] {
  if (typeof value === 'string') {
    const problem = unstorable(value);
    return problem === undefined ? [] : [{ path: path === '' ? 'value' : path, problem }];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorablePaths(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const keyProblem = unstorable(key);
      return [
        ...(keyProblem === undefined ? [] : [{ path: path === '' ? 'key' : path, problem: keyProblem }]),
        ...unstorablePaths(item, path === '' ? key : `${path}.${key}`),
      ];
    });
  }
  return [];
}
