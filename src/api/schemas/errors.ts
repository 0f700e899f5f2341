import { type Static, type TSchema, Type } from 'typebox';

/**
 * Tracker's error body (docs/tracker-api.md §Errors): problems with named fields or parameters in
 * `errors`, the rest in `errorMessages`. Timeport always sends `errorsData`, empty; Tracker may leave
 * it out. Every error of every route has this shape (plugins/errors.ts).
 */
export const TrackerError = Type.Object(
  {
    errors: Type.Record(Type.String(), Type.String(), { description: 'problems with named fields or parameters, by name' }),
    errorsData: Type.Optional(Type.Object({}, { description: 'always empty in Timeport' })),
    errorMessages: Type.Array(Type.String(), { description: 'what is wrong, in sentences' }),
    statusCode: Type.Integer({ description: 'the HTTP status, repeated' }),
  },
  { title: 'TrackerError' },
);
export type TrackerErrorBody = Static<typeof TrackerError>;

/** The error answers every API route can give: its own refusals, and those of the hooks before it. */
export const CLIENT_ERROR_DESCRIPTION =
  "An error in Tracker's format: 400 bad parameter, 401 no or unknown token, 403 not allowed, 404 not found, " +
  '409 conflict, 412 version mismatch, 413 body too large, 415 not JSON, 422 invalid body, 429 too many requests';
export const SERVER_ERROR_DESCRIPTION =
  "An error in Tracker's format: 500 unexpected failure, 503 database unavailable or the server shutting down (with Retry-After)";

/** The `4xx` and `5xx` answers of a route, both Tracker's error body. */
export const ERROR_ANSWERS = {
  '4xx': { ...TrackerError, description: CLIENT_ERROR_DESCRIPTION },
  '5xx': { ...TrackerError, description: SERVER_ERROR_DESCRIPTION },
} as const;

/**
 * A route's `response` schemas: its successful answers (by status) and the error answers every
 * route has. Fastify serializes each answer with the schema of its status, and the API document
 * (plugins/openapi.ts) is generated from them.
 */
export const answers = <Success extends Record<number, TSchema>>(success: Success): Success & typeof ERROR_ANSWERS => ({
  ...success,
  ...ERROR_ANSWERS,
});

/**
 * An answer without a body (204, or Tracker's empty 200): `type: 'null'` is how the API document
 * shows that, and the handler sends nothing (`undefined`), which Fastify does not serialize.
 */
export const NoContent = (description: string) => Type.Unsafe<undefined>({ type: 'null', description });
