import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Request validation. Bodies are checked strictly: no type coercion (a number is not a string),
 * no defaults, and unknown fields are errors rather than silently dropped. Query strings and path
 * parameters arrive as text, so there (and only there) digits may become numbers: decimal digits
 * only (numericText). Ajv's own coercion is not used, since it also reads `0x1F`, `1e3`, ` 7`,
 * `7.0` and `0b11` as numbers, so that `/worklog/0x1` named worklog 1 and `perPage=1e3` was 1000.
 */
const bodyAjv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false, verbose: true, strict: true });
const textAjv = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: true, verbose: true, strict: true });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const validate: ValidateFunction = (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
  const numeric = httpPart === 'body' ? [] : numericProperties(schema);
  return (data: unknown) => {
    if (numeric.length > 0) numbersFromText(data, numeric);
    return validate(data) ? { value: data } : { error: Object.assign(new Error('invalid request'), { validation: validate.errors ?? [] }) };
  };
};

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?\d+(?:\.\d+)?$/;

/** The properties of a query or path schema that are numbers, with the text each may be written as. */
function numericProperties(schema: unknown): { name: string; text: RegExp }[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(properties).flatMap(([name, property]) => {
    if (property.type === 'integer') return [{ name, text: INTEGER_TEXT }];
    if (property.type === 'number') return [{ name, text: NUMBER_TEXT }];
    return [];
  });
}

/**
 * Turns numeric parameters written in decimal digits into numbers, in place (as Ajv's coercion
 * did). Anything else (other text, a repeated parameter) is left as it is, and the schema refuses it.
 */
function numbersFromText(data: unknown, numeric: readonly { name: string; text: RegExp }[]): void {
  if (data === null || typeof data !== 'object') return;
  const record = data as Record<string, unknown>;
  for (const { name, text } of numeric) {
    const value = record[name];
    if (typeof value === 'string' && text.test(value)) record[name] = Number(value);
  }
}

/** Where a validation error was found, as Fastify reports it. */
export type ValidationContext = 'body' | 'querystring' | 'params' | 'headers';

export interface DescribedErrors {
  /** Per-field messages, keyed by the top-level field name. */
  fields: Record<string, string>;
  /** Problems with the whole value (a body that is not an object). */
  general: string[];
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** Turns Ajv's errors into Tracker's `errors` map: one clear message per offending field. */
export function describeValidationErrors(errors: readonly ErrorObject[], context: ValidationContext): DescribedErrors {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  // An anyOf error explains its branches' failures better than they do; it comes after them.
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const key = fieldOf(error);
    byPath.set(key, [...(byPath.get(key) ?? []), error]);
  }
  for (const [field, fieldErrors] of byPath) {
    const chosen = fieldErrors.find((error) => error.keyword === 'anyOf') ?? fieldErrors[0]!;
    const message = messageFor(chosen);
    if (field === '') general.push(context === 'body' ? `The request body ${message}.` : `The ${context} ${message}.`);
    else fields[field] = message;
  }
  return { fields, general };
}

function fieldOf(error: ErrorObject): string {
  const first = unescapePointer(error.instancePath.split('/')[1] ?? '');
  if (first !== '') return first;
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  return '';
}

const unescapePointer = (part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~');

function messageFor(error: ErrorObject): string {
  const nested = error.instancePath.split('/').slice(2).map(unescapePointer);
  const at = nested.length > 0 ? `[${nested.join('.')}] ` : '';
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case 'required':
      return nested.length > 0 ? `${at}needs ${String(error.params.missingProperty)}` : 'is required';
    case 'additionalProperties':
      return nested.length > 0
        ? `${at}has an unknown field ${String(error.params.additionalProperty)}`
        : 'is not a known field of this request';
    case 'type':
      if (error.instancePath === '') return `must be ${TYPE_NAMES[String(error.params.type)] ?? String(error.params.type)}`;
      return `${at}must be ${description ?? TYPE_NAMES[String(error.params.type)] ?? String(error.params.type)}`;
    case 'anyOf':
      return `${at}must be ${description ?? 'one of the accepted forms'}`;
    case 'minLength':
      return `${at}must not be empty` + (Number(error.params.limit) > 1 ? ` (at least ${String(error.params.limit)} characters)` : '');
    case 'maxLength':
      return `${at}must be at most ${String(error.params.limit)} characters long`;
    case 'minimum':
      return `${at}must be at least ${String(error.params.limit)}`;
    case 'maximum':
      return `${at}must be at most ${String(error.params.limit)}`;
    case 'maxItems':
      return `${at}must have at most ${String(error.params.limit)} items`;
    case 'enum':
      return `${at}must be one of ${(error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'pattern':
      return `${at}${description === undefined ? `must match ${String(error.params.pattern)}` : `must be ${description}`}`;
    default:
      return `${at}${error.message ?? 'is invalid'}`;
  }
}
