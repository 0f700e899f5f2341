import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorObject } from 'ajv';
import { Problem, type ProblemKind } from '../../domain/errors.js';
import { type ValidationContext, describeValidationErrors } from '../validation.js';

/** Tracker's error body (notes §5.1): field problems in `errors`, the rest in `errorMessages`. */
export interface TrackerErrorBody {
  errors: Record<string, string>;
  errorsData: Record<string, never>;
  errorMessages: string[];
  statusCode: number;
}

export const STATUS_OF: Record<ProblemKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  invalid: 422,
};

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
        const messages = general.length > 0 ? general : [context === 'body' ? 'The request has invalid fields.' : `Invalid ${context} parameters.`];
        return sendTrackerError(reply, status, messages, fields);
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

    app.setNotFoundHandler((request: FastifyRequest, reply) =>
      sendTrackerError(reply, 404, [`There is no ${request.method} ${request.url.split('?')[0]} here.`]),
    );
  },
  { name: 'tracker-errors' },
);
