/**
 * Bad input never hurts (issue 7), property-based: every endpoint gets thousands of generated
 * requests that are wrong in at least one way: a body derived from a valid one by mutating fields
 * (wrong JSON types, missing and unknown fields, huge, empty and unstorable strings, deep nesting,
 * invalid dates and durations, big, negative and fractional numbers), broken JSON, wrong content
 * types, oversized bodies, bad path segments, query parameters and headers. Each request also
 * carries random harmless noise (unicode and control characters in free text, optional fields
 * removed, unknown query parameters, an Idempotency-Key), applied before the decisive mutation so
 * that it can never make the request valid again.
 *
 * Every answer must be a 4xx in Tracker's error format, the server stays up, and nothing is
 * written: every row of every table is the same after each endpoint's run. A last test sends each
 * endpoint's unmutated request and gets a success, so the refusals come from the mutations.
 *
 * One seed per run (TIMEPORT_FC_SEED to replay one); fast-check prints it with any counterexample.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { DEFAULT_BODY_LIMIT } from '../../src/api/app.js';
import { MAX_JSON_NESTING } from '../../src/api/json-nesting.js';
import { BATCH_BODY_LIMIT } from '../../src/api/routes/timeport/imports.js';
import { insertToken } from '../../src/service/tokens.js';
import { ADMIN_TOKEN, type TestApp, buildTestApp } from '../../support/app.js';
import { NOW } from '../api/fixtures.js';
import { allRows, summary } from './snapshot.js';

const SEED = process.env.TIMEPORT_FC_SEED !== undefined ? Number(process.env.TIMEPORT_FC_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Scales every run count (TIMEPORT_FC_RUNS=4 for a longer hunt). */
const RUN_SCALE = Number(process.env.TIMEPORT_FC_RUNS ?? 1);
const runs = (count: number) => Math.max(1, Math.round(count * RUN_SCALE));

/** The API's methods, and some it does not have. */
type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'OPTIONS' | 'TRACE' | 'PROPFIND' | 'SEARCH' | 'PURGE';

// ---------------------------------------------------------------------------------------------
// Values that print short in counterexamples and serialize without recursion.

/** JSON text inserted as it is: deep nesting, built as text so that nothing here recurses on it. */
class RawJson {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
  [fc.toStringMethod](): string {
    return `RawJson(${this.label})`;
  }
}

/** A long string, shown by its length. */
class Long {
  constructor(
    readonly unit: string,
    readonly count: number,
  ) {}
  get value(): string {
    return this.unit.repeat(this.count);
  }
  [fc.toStringMethod](): string {
    return `Long(${JSON.stringify(this.unit)} x ${this.count})`;
  }
}

/** An object as a list of entries, so that keys such as `__proto__` are kept as given. */
class JsonObject {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
  [fc.toStringMethod](): string {
    return `{${this.entries.map(([key, value]) => `${JSON.stringify(key)}: ${fc.stringify(value)}`).join(', ')}}`;
  }
}

function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Long) return JSON.stringify(value.value);
  if (value instanceof JsonObject) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return toJson(new JsonObject(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** Percent-encodes every byte but the unreserved ones (lone surrogates become U+FFFD, as in any client). */
function encode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Generators.

const controlCharacters = fc.string({ unit: fc.integer({ min: 1, max: 31 }).map((code) => String.fromCharCode(code)), minLength: 1 });
const oddUnicode = fc.constantFrom('\u2028\u2029', '\u202e\u202d', '\u200b\ufeff', '👩🏽‍💻', 'é', 'e\u0301', '𝔘𝔫𝔦', '\uffff', 'Ω≈ç√', '\u00a0');
/** Any text, valid or not: unicode, control characters, odd code points. */
const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }).filter((text) => !/[\ud800-\udfff]/.test(text)),
  controlCharacters,
  oddUnicode,
  fc.constantFrom('', ' ', 'null', 'true', '0', '-1', '1e309', 'NaN', '<script>', "' OR 1=1 --", '../../etc/passwd', '%00', '${x}'),
);
const longText = fc.oneof(
  fc.integer({ min: 1_000, max: 100_000 }).map((count) => new Long('a', count)),
  fc.integer({ min: 500, max: 50_000 }).map((count) => new Long('👩🏽‍💻', count)),
);
/** Text no database can store: U+0000, or a UTF-16 surrogate without its pair. */
const unstorableText = fc
  .tuple(texts, fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00x\ud83d'), texts)
  .map(([a, bad, b]) => `${a}${bad}${b}`);
/** An array or object nested deeper than any body may be. */
const tooDeep = fc.tuple(fc.integer({ min: MAX_JSON_NESTING, max: 20_000 }), fc.boolean(), fc.boolean()).map(([depth, arrays, wrapped]) => {
  const deep = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  // Wrapped in a list of objects, it fits schemas that take any object there (issueTypesConfig).
  return wrapped
    ? new RawJson(`[{"x":${deep}}]`, `[{x: ${arrays ? '[' : '{'} x ${depth}}]`)
    : new RawJson(deep, `${arrays ? '[' : '{'} x ${depth}`);
});
const leaf = fc.oneof(texts, fc.integer(), fc.boolean(), fc.constant(null));

type Kind = 'string' | 'integer' | 'fraction' | 'boolean' | 'null' | 'object' | 'array';
const ALL_KINDS: Kind[] = ['string', 'integer', 'fraction', 'boolean', 'null', 'object', 'array'];
/** JSON values of each type. Objects only have unknown keys, so a strict object schema refuses them too. */
const valuesOfKind: Record<Kind, fc.Arbitrary<unknown>> = {
  string: fc.oneof(texts, fc.constantFrom('1', '42', '2025-02-18T16:35:41.740+0000', 'PT1H', 'admin', 'TEST')),
  integer: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e21, Number.MAX_SAFE_INTEGER)),
  fraction: fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
    fc.constantFrom(0.5, -1.5, 1e-7),
  ),
  boolean: fc.boolean(),
  null: fc.constant(null),
  object: fc
    .uniqueArray(
      fc.tuple(
        fc.string().map((key) => `zz${key}`),
        leaf,
      ),
      { minLength: 1, maxLength: 4, selector: ([key]) => key },
    )
    .map((entries) => new JsonObject(entries)),
  array: fc.array(leaf, { maxLength: 5 }),
};

/** Keys no body knows. */
const unknownKey = (known: readonly string[]) =>
  fc
    .oneof(
      fc.string(),
      fc.string({ unit: 'grapheme', maxLength: 10 }),
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        '',
        ' ',
        'id',
        'self',
        'orgId',
        'spent',
        'version',
        'isAdmin',
        'COMMENT',
      ),
    )
    .filter((key) => !known.includes(key));

const badTimestamp = fc.oneof(
  fc.constantFrom(
    '',
    'now',
    '2025-02-30T10:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-02-18T25:00:00Z',
    '2025-02-18T10:61:00Z',
    '2025-02-18T10:00:00+2500',
    '2025-02-18 10:00:00',
    '2025-02-18',
    '18.02.2025 10:00',
    '0000-01-01T00:00:00Z',
    '+002025-02-18T10:00:00Z',
    '２０２５-02-18T10:00:00Z',
    '1739872541740',
    '2025-02-18T10:00:00.000+0000 ',
  ),
  texts.map((text) => `x${text}`),
  longText,
);
const badDate = fc.oneof(
  fc.constantFrom('', '2025-02-30', '2025-1-1', '0000-01-01', '2025-02-18T00:00:00Z', '18.02.2025'),
  texts.map((text) => `x${text}`),
);
const badDuration = fc.oneof(
  fc.constantFrom(
    '',
    'P',
    'PT',
    'PT0S',
    'P0D',
    '-PT1H',
    'P1M',
    'P1Y',
    'PT1.5H',
    'PT1,5H',
    '1h',
    'PT99999999999999H',
    'P1W1W',
    'PT1H ',
    'T1H',
  ),
  texts.map((text) => `x${text}`),
  fc.integer({ min: 13, max: 400 }).map((digits) => `PT${'9'.repeat(digits)}S`),
);
/** A login, key or id that names nothing. */
const nobody = texts.map((text) => `zz-nobody-${text}`);
const unknownNumber = fc.integer({ min: 10_000_000, max: 2 ** 31 });

// ---------------------------------------------------------------------------------------------
// Bodies.

interface Field {
  required?: boolean;
  /** The JSON types the schema takes for this field; every other type is a decisive mutation. */
  accepts: Kind[];
  /** Values of an accepted type that are still refused. */
  bad?: fc.Arbitrary<unknown>;
  /** Values that may or may not be valid: harmless noise. */
  noise?: fc.Arbitrary<unknown>;
  /** Never removed or changed by noise (other fields' validity depends on it). */
  keep?: boolean;
}

interface BodySpec {
  base: Record<string, unknown>;
  fields: Record<string, Field>;
  /** The route takes a JSON `null` (no body) as well. */
  nullIsValid?: boolean;
  /** `{}` is refused (required fields, or nothing to change). */
  emptyIsInvalid: boolean;
}

type Mutation =
  | { op: 'remove'; field: string }
  | { op: 'set'; field: string; value: unknown; why: string }
  | { op: 'extra'; key: string; value: unknown }
  | { op: 'root'; value: unknown };

function applyMutations(base: Record<string, unknown>, mutations: readonly Mutation[]): unknown {
  let body: unknown = new JsonObject(Object.entries(base));
  for (const mutation of mutations) {
    if (mutation.op === 'root') {
      body = mutation.value;
      continue;
    }
    const entries = body instanceof JsonObject ? [...body.entries] : [];
    const without = entries.filter(([key]) => key !== (mutation.op === 'extra' ? mutation.key : mutation.field));
    if (mutation.op === 'remove') body = new JsonObject(without);
    else if (mutation.op === 'set') body = new JsonObject([...without, [mutation.field, mutation.value]]);
    else body = new JsonObject([...entries, [mutation.key, mutation.value]]);
  }
  return body;
}

/** Mutations each of which alone makes the body invalid. */
function decisiveBodyMutation(spec: BodySpec): fc.Arbitrary<Mutation> {
  const names = Object.keys(spec.fields);
  const required = names.filter((name) => spec.fields[name]!.required === true);
  const withBad = names.filter((name) => spec.fields[name]!.bad !== undefined);
  const textual = names.filter((name) => spec.fields[name]!.accepts.includes('string'));
  const choices: fc.Arbitrary<Mutation>[] = [
    unknownKey(names).chain((key) => fc.oneof(leaf, longText, tooDeep).map((value): Mutation => ({ op: 'extra', key, value }))),
    fc
      .constantFrom(...(names.length > 0 ? names : ['x']))
      .chain((field) => tooDeep.map((value): Mutation => ({ op: 'set', field, value, why: 'too deep' }))),
  ];
  if (names.length > 0) {
    choices.push(
      fc.constantFrom(...names).chain((field) => {
        const wrong = ALL_KINDS.filter(
          (kind) => !spec.fields[field]!.accepts.includes(kind) || (kind === 'object' && spec.fields[field]!.accepts.includes('object')),
        );
        return fc
          .constantFrom(...wrong)
          .chain((kind) => valuesOfKind[kind].map((value): Mutation => ({ op: 'set', field, value, why: `wrong type (${kind})` })));
      }),
    );
  }
  if (required.length > 0) choices.push(fc.constantFrom(...required).map((field): Mutation => ({ op: 'remove', field })));
  if (withBad.length > 0) {
    choices.push(
      fc
        .constantFrom(...withBad)
        .chain((field) => spec.fields[field]!.bad!.map((value): Mutation => ({ op: 'set', field, value, why: 'invalid value' }))),
    );
  }
  if (textual.length > 0) {
    choices.push(
      fc
        .constantFrom(...textual)
        .chain((field) => unstorableText.map((value): Mutation => ({ op: 'set', field, value, why: 'unstorable text' }))),
    );
  }
  if (names.length > 0) {
    // Numbers JSON can write but no field can hold: they parse to ±Infinity.
    const infinite = fc.constantFrom(
      new RawJson('1e400', '1e400'),
      new RawJson('-1e400', '-1e400'),
      new RawJson('123456789e999', '123456789e999'),
    );
    choices.push(
      fc.tuple(fc.constantFrom(...names), infinite).map(([field, value]): Mutation => ({ op: 'set', field, value, why: 'infinite' })),
    );
  }
  const roots: fc.Arbitrary<unknown>[] = [valuesOfKind.array, valuesOfKind.string, valuesOfKind.integer, valuesOfKind.boolean, tooDeep];
  if (spec.nullIsValid !== true) roots.push(fc.constant(null));
  if (spec.emptyIsInvalid) roots.push(fc.constant(new JsonObject([])));
  choices.push(fc.oneof(...roots).map((value): Mutation => ({ op: 'root', value })));
  return fc.oneof(...choices);
}

/** Mutations that may leave the body valid; applied first. */
function noiseBodyMutation(spec: BodySpec): fc.Arbitrary<Mutation> | undefined {
  const names = Object.keys(spec.fields).filter((name) => spec.fields[name]!.keep !== true);
  const removable = names.filter((name) => spec.fields[name]!.required !== true);
  const noisy = names.filter((name) => spec.fields[name]!.noise !== undefined);
  const choices: fc.Arbitrary<Mutation>[] = [];
  if (removable.length > 0) choices.push(fc.constantFrom(...removable).map((field): Mutation => ({ op: 'remove', field })));
  if (noisy.length > 0) {
    choices.push(
      fc
        .constantFrom(...noisy)
        .chain((field) => spec.fields[field]!.noise!.map((value): Mutation => ({ op: 'set', field, value, why: 'noise' }))),
    );
  }
  return choices.length === 0 ? undefined : fc.oneof(...choices);
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

interface PathParam {
  /** The segment of the unmutated request (read after the set-up). */
  valid: () => string;
  /** Raw path segments (already percent-encoded where needed) that name nothing or are malformed. */
  bad: fc.Arbitrary<string>;
}

interface QueryParam {
  required?: boolean;
  /** A repeated parameter (an array) is refused. */
  single?: boolean;
  /** Raw values, already encoded. */
  bad: fc.Arbitrary<string>;
}

interface Endpoint {
  method: Method;
  /** The route pattern, e.g. `/issues/:issue/worklog` under `/{v2,v3}`, or a full /timeport/v1 path. */
  route: string;
  tracker: boolean;
  params?: Record<string, PathParam>;
  query?: { base: [string, string][]; params: Record<string, QueryParam> };
  body?: BodySpec;
  /** A JSON body is parsed (write methods), even where the route has no body schema. */
  parsesBody: boolean;
  /** Headers that make the request invalid (If-Match, Idempotency-Key where honoured). */
  badHeaders?: fc.Arbitrary<Record<string, string>>;
  bodyLimit?: number;
  /** The status of the unmutated request. */
  success: number;
  /** Whether noise may add a valid Idempotency-Key (default yes). */
  idempotencyNoise?: boolean;
}

interface Ids {
  issueKey: string;
  issueId: string;
  worklogToEdit: number;
  worklogToDelete: number;
  batchToRollBack: number;
  batch: number;
  unique: string;
}

const ISSUE_CREATED_AT = '2025-01-10T09:00:00.000+0000';
const ISSUE_UPDATED_AT = '2025-02-20T18:00:00.000+0000';
const UNIQUE = 'the-unique-value';
const SPARE_TOKEN = 'spare-token-0000000000000001';

const userReference = {
  accepts: ['string', 'integer', 'object'] as Kind[],
  bad: fc.oneof(nobody, unknownNumber, fc.constant(''), fc.constant(0), fc.constant(-5)),
};
const catalogueReference = {
  accepts: ['string', 'integer', 'object'] as Kind[],
  bad: fc.oneof(nobody, unknownNumber, fc.constant(''), fc.constant(0)),
};
const badIssueSegment = fc.oneof(
  fc.integer({ min: 2, max: 9_999_999 }).map((n) => `NOPE-${n}`),
  fc.integer({ min: 2, max: 9_999_999 }).map((n) => `TEST-${n}`),
  fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => `ffff${hex.slice(4)}`),
  texts.map((text) => encode(`zz${text}`)),
  fc.constantFrom('%00', 'TEST-1%00', '%zz', '%', '%C0%AF', '%ED%A0%80', 'TEST-0', 'TEST-01x', 'test-1-1'),
  fc.integer({ min: 65, max: 5000 }).map((length) => 'A'.repeat(length)),
);
/** Number-looking forms of existing ids, which are not decimal digits, and ids that exist nowhere. */
const badIdSegment = (existing: () => number) =>
  fc.oneof(
    fc.integer({ min: 10_000_000, max: Number.MAX_SAFE_INTEGER }).map(String),
    fc.constantFrom('0', '-1', 'abc', '1.5', '%00', '%zz', '9007199254740993', '99999999999999999999', 'NaN', 'Infinity', 'null', '[]'),
    fc
      .constantFrom(
        (n: number) => `0x${n.toString(16)}`,
        (n: number) => `${n}e0`,
        (n: number) => `%20${n}`,
        (n: number) => `%2B${n}`,
        (n: number) => `${n}.0`,
        (n: number) => `0b${n.toString(2)}`,
        (n: number) => `${n}%00`,
      )
      .map((form) => form(existing())),
    texts.map((text) => encode(`x${text}`)),
  );
const badPerPage = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1001',
    'abc',
    '',
    '1.5',
    '0x10',
    '1e2',
    '%205',
    '%2B5',
    'NaN',
    'Infinity',
    '%00',
    '9'.repeat(30),
    '[]',
    '1,2',
  ),
  fc.integer({ min: 1001, max: 2 ** 40 }).map(String),
  fc.integer({ max: 0 }).map(String),
  texts.map((text) => encode(`x${text}`)),
);
const badPage = fc.oneof(
  fc.constantFrom('0', '-1', 'abc', '', '1.5', '0x2', '2e0', '2147483648', '%00'),
  texts.map((text) => encode(`x${text}`)),
);
const badCursor = fc.oneof(
  fc.constantFrom('-1', 'abc', '', '1.5', '0x2', '2e0', '%00', '%2B1'),
  texts.map((text) => encode(`x${text}`)),
);
const idempotencyKeyBad = fc.oneof(
  fc.constantFrom('', ' ', 'é', 'a b', '\t'),
  fc.integer({ min: 256, max: 2000 }).map((n) => 'k'.repeat(n)),
);
const ifMatchBad = fc.oneof(
  fc.constantFrom('abc', '"0"', '"-1"', 'W/"1"', '""', '"1", "2"', '1.0', '"01"', '"1'),
  fc.integer({ min: 2, max: 2 ** 40 }).map((n) => `"${n}"`),
  texts.filter((text) => text.trim() !== '*' && !/^\s*"?1"?\s*$/.test(text) && /^[\x20-\x7e]*$/.test(text)),
);

function endpoints(ids: () => Ids): Endpoint[] {
  const issueParam: PathParam = { valid: () => ids().issueKey, bad: badIssueSegment };
  const worklogImportFields: Record<string, Field> = {
    duration: { required: true, accepts: ['string'], bad: badDuration },
    createdAt: {
      required: true,
      accepts: ['string'],
      bad: fc.oneof(badTimestamp, fc.constantFrom('2024-01-01T00:00:00Z', '2030-01-01T00:00:00Z', '2025-02-20T18:00:00.001Z')),
    },
    createdBy: { required: true, accepts: ['string', 'integer'], bad: fc.oneof(nobody, unknownNumber, fc.constant(''), fc.constant(0)) },
    start: { required: true, accepts: ['string'], bad: badTimestamp },
    comment: { accepts: ['string'], bad: fc.constant(new Long('c', 512_001)), noise: texts },
  };
  const worklogImportBase = {
    duration: 'PT1H',
    createdAt: '2025-02-18T16:35:41.740+0000',
    createdBy: 'admin',
    start: '2025-02-18T10:00:00.000+0000',
  };
  const pageQuery = {
    base: [] as [string, string][],
    params: { perPage: { single: true, bad: badPerPage }, page: { single: true, bad: badPage } },
  };
  const writeHeaders = fc.record({ 'idempotency-key': idempotencyKeyBad });
  const commonIssue: Record<string, Field> = {
    queue: { required: true, ...catalogueReference },
    summary: {
      required: true,
      accepts: ['string'],
      bad: fc.oneof(fc.constantFrom('', '   ', '\t\n'), fc.constant(new Long('s', 256))),
      noise: texts.filter((text) => text.trim() !== ''),
    },
    description: { accepts: ['string'], bad: fc.constant(new Long('d', 512_001)), noise: texts },
    type: catalogueReference,
    priority: catalogueReference,
    assignee: userReference,
    followers: {
      accepts: ['array'],
      bad: fc.oneof(
        fc.constant([1, 'zz-nobody']),
        fc.array(nobody, { minLength: 1, maxLength: 3 }),
        fc.constant(new RawJson(`[${'"admin",'.repeat(1000)}"admin"]`, '1001 followers')),
      ),
    },
    tags: {
      accepts: ['array'],
      bad: fc.oneof(
        fc.constant(['']),
        fc.constant([1]),
        fc.constant([new Long('t', 256)]),
        fc.constant(new RawJson(`[${'"t",'.repeat(1000)}"t"]`, '1001 tags')),
      ),
      noise: fc.array(
        texts.filter((text) => text.length > 0),
        { maxLength: 3 },
      ),
    },
    unique: { accepts: ['string'], bad: fc.oneof(fc.constant(''), fc.constant(new Long('u', 256))) },
    deadline: { accepts: ['string'], bad: badDate },
    start: { accepts: ['string'], bad: badDate },
    end: { accepts: ['string'], bad: badDate },
    storyPoints: {
      accepts: ['integer', 'fraction'],
      bad: fc.oneof(fc.constant(-1), fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true })),
      noise: fc.nat(),
    },
  };
  return [
    {
      method: 'POST',
      route: '/queues',
      tracker: true,
      parsesBody: true,
      success: 201,
      badHeaders: writeHeaders,
      body: {
        base: { key: 'NEWQ', name: 'New queue', lead: 'admin' },
        emptyIsInvalid: true,
        fields: {
          key: {
            required: true,
            accepts: ['string'],
            bad: fc.oneof(
              fc.constantFrom('', 'TEST', 'abc', '1A', 'A-B', 'AAAAAAAAAAAAAAAA', 'ÄB'),
              texts.map((text) => `q${text}`),
            ),
          },
          name: {
            required: true,
            accepts: ['string'],
            bad: fc.oneof(fc.constantFrom('', '  '), fc.constant(new Long('n', 256))),
            noise: texts.filter((text) => text.trim() !== ''),
          },
          lead: { required: true, ...userReference },
          description: { accepts: ['string'], bad: fc.constant(new Long('d', 512_001)), noise: texts },
          defaultType: catalogueReference,
          defaultPriority: catalogueReference,
          issueTypesConfig: {
            accepts: ['array'],
            bad: fc.oneof(
              fc.constant([1]),
              fc.constant(['task']),
              fc.constant([null]),
              fc.constant(new RawJson(`[${'{},'.repeat(100)}{}]`, '101 configs')),
            ),
          },
          assignAuto: { accepts: ['boolean'], noise: fc.boolean() },
          allowExternals: { accepts: ['boolean'], noise: fc.boolean() },
          denyVoting: { accepts: ['boolean'], noise: fc.boolean() },
        },
      },
    },
    {
      method: 'POST',
      route: '/issues',
      tracker: true,
      parsesBody: true,
      success: 201,
      badHeaders: writeHeaders,
      body: {
        base: { queue: 'TEST', summary: 'New issue' },
        emptyIsInvalid: true,
        fields: {
          ...commonIssue,
          originalEstimation: { accepts: ['string'], bad: badDuration },
          estimation: { accepts: ['string'], bad: badDuration },
        },
      },
    },
    {
      method: 'POST',
      route: '/issues/_import',
      tracker: true,
      parsesBody: true,
      success: 200,
      badHeaders: writeHeaders,
      body: {
        base: { queue: 'TEST', summary: 'Imported', createdAt: ISSUE_CREATED_AT, createdBy: 'admin' },
        emptyIsInvalid: true,
        fields: {
          ...commonIssue,
          key: {
            accepts: ['string'],
            bad: fc.oneof(
              fc.constantFrom('', 'TEST-1', 'TEST-0', 'OTHER-5', 'TEST', 'TEST-12345678901', 'TEST-1x'),
              fc.constant(new Long('K', 65)),
            ),
          },
          createdAt: { required: true, accepts: ['string'], bad: fc.oneof(badTimestamp, fc.constant('2030-01-01T00:00:00Z')) },
          createdBy: { required: true, ...userReference },
          updatedAt: { accepts: ['string'], bad: fc.oneof(badTimestamp, fc.constant('2024-01-01T00:00:00Z')) },
          updatedBy: userReference,
          resolvedAt: { accepts: ['string'], bad: badTimestamp },
          resolvedBy: userReference,
          resolution: catalogueReference,
          status: catalogueReference,
          originalEstimation: { accepts: ['integer'], bad: fc.oneof(fc.constantFrom(0, -1000, 1500, 2 ** 53 + 2), fc.integer({ max: 0 })) },
          estimation: { accepts: ['integer'], bad: fc.oneof(fc.constantFrom(0, -1000, 1, 2 ** 53 + 2), fc.integer({ min: 1, max: 999 })) },
        },
      },
    },
    {
      method: 'POST',
      route: '/issues/_search',
      tracker: true,
      parsesBody: true,
      success: 200,
      query: {
        base: [],
        params: {
          ...pageQuery.params,
          // Scrolling over `keys` (the base body) is refused, so any scroll parameter is bad here.
          scrollType: { single: true, bad: fc.constantFrom('sorted', 'unsorted', 'shuffled', '') },
          perScroll: { single: true, bad: fc.oneof(badPerPage, fc.constantFrom('10', '1000')) },
          scrollTTLMillis: { single: true, bad: fc.constantFrom('0', '-1', '3600001', 'x', '60000') },
          scrollId: {
            single: true,
            bad: fc.oneof(
              fc.constantFrom('', 'nope', 'WzEsIjEiLDEsbnVsbCwic29ydGVkIiwxMCw2MDAwMCwwLG51bGwsbnVsbF0'),
              texts.map((text) => encode(text)),
            ),
          },
        },
      },
      body: {
        base: { keys: ['TEST-1'] },
        emptyIsInvalid: false,
        fields: {
          // `keys` is always given, so any queue or filter mixes criteria (400).
          keys: {
            accepts: ['string', 'array', 'null'],
            keep: true,
            bad: fc.oneof(fc.constant(['']), fc.constant([1]), fc.constant([new Long('K', 65)])),
            noise: fc.array(
              texts.filter((text) => text.length > 0 && text.length <= 64),
              { minLength: 1, maxLength: 3 },
            ),
          },
          queue: { accepts: ['string', 'integer', 'object', 'null'], bad: fc.oneof(fc.constant('TEST'), fc.constant(1), nobody) },
          filter: {
            accepts: ['object', 'null'],
            bad: fc.oneof(
              fc.constant({ queue: 'TEST' }),
              nobody.map((queue) => ({ queue })),
            ),
          },
          query: { accepts: ['string', 'null'], bad: texts },
          filterId: { accepts: ['string', 'integer', 'null'], bad: fc.oneof(texts, fc.integer()) },
          order: { accepts: ['array', 'null'], bad: fc.array(texts, { maxLength: 3 }) },
        },
      },
    },
    {
      method: 'POST',
      route: '/system/search/scroll/_clear',
      tracker: true,
      parsesBody: true,
      success: 200,
      // Its body maps scroll ids to scroll tokens: any key a mutation adds names no scroll.
      body: { base: {}, emptyIsInvalid: false, fields: {} },
    },
    {
      method: 'POST',
      route: '/issues/_findByUnique',
      tracker: true,
      parsesBody: true,
      success: 200,
      query: {
        base: [['unique', UNIQUE]],
        params: {
          unique: {
            required: true,
            single: true,
            bad: fc.oneof(
              fc.constantFrom('', '%00', '%ED%A0%80'),
              nobody.map(encode),
              fc.integer({ min: 256, max: 3000 }).map((n) => 'u'.repeat(n)),
            ),
          },
        },
      },
    },
    {
      method: 'POST',
      route: '/issues/:issue/worklogs/_import',
      tracker: true,
      parsesBody: true,
      success: 200,
      params: { issue: issueParam },
      badHeaders: writeHeaders,
      body: { base: worklogImportBase, emptyIsInvalid: true, fields: worklogImportFields },
    },
    {
      method: 'POST',
      route: '/issues/:issue/worklog',
      tracker: true,
      parsesBody: true,
      success: 201,
      params: { issue: issueParam },
      badHeaders: writeHeaders,
      body: {
        base: { start: '2025-03-01T10:00:00.000+0000', duration: 'PT30M' },
        emptyIsInvalid: true,
        fields: {
          start: { required: true, accepts: ['string'], bad: badTimestamp },
          duration: { required: true, accepts: ['string'], bad: badDuration },
          comment: { accepts: ['string', 'null'], bad: fc.constant(new Long('c', 512_001)), noise: fc.oneof(texts, fc.constant(null)) },
        },
      },
    },
    {
      method: 'PATCH',
      route: '/issues/:issue/worklog/:worklogId',
      tracker: true,
      parsesBody: true,
      success: 200,
      params: { issue: issueParam, worklogId: { valid: () => String(ids().worklogToEdit), bad: badIdSegment(() => ids().worklogToEdit) } },
      badHeaders: fc.oneof(writeHeaders, fc.record({ 'if-match': ifMatchBad })),
      body: {
        base: { comment: 'Edited' },
        emptyIsInvalid: true,
        fields: {
          duration: { accepts: ['string'], bad: badDuration },
          start: { accepts: ['string'], bad: badTimestamp },
          comment: { accepts: ['string', 'null'], keep: true, bad: fc.constant(new Long('c', 512_001)), noise: texts },
        },
      },
    },
    {
      method: 'DELETE',
      route: '/issues/:issue/worklog/:worklogId',
      tracker: true,
      parsesBody: true,
      success: 204,
      params: {
        issue: issueParam,
        worklogId: { valid: () => String(ids().worklogToDelete), bad: badIdSegment(() => ids().worklogToDelete) },
      },
      badHeaders: fc.oneof(writeHeaders, fc.record({ 'if-match': ifMatchBad })),
    },
    {
      method: 'POST',
      route: '/worklog/_search',
      tracker: true,
      parsesBody: true,
      success: 200,
      query: pageQuery,
      body: {
        base: { createdBy: 'admin' },
        emptyIsInvalid: false,
        fields: {
          createdBy: userReference,
          createdAt: {
            accepts: ['object'],
            bad: fc.oneof(
              badTimestamp.map((from) => ({ from })),
              badTimestamp.map((to) => ({ to })),
              fc.constant({ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }),
              fc.constant({ from: 1 }),
            ),
            noise: fc.constant({ from: '2000-01-01T00:00:00' }),
          },
        },
      },
    },
    {
      method: 'POST',
      route: '/timeport/v1/users',
      tracker: false,
      parsesBody: true,
      success: 201,
      badHeaders: writeHeaders,
      body: {
        base: { login: 'newbie' },
        emptyIsInvalid: true,
        fields: {
          login: {
            required: true,
            accepts: ['string'],
            bad: fc.oneof(
              fc.constantFrom('', ' a', 'a b', '-a', '.a', 'é', 'ADMIN', 'member', 'a/b'),
              fc.constant(new Long('l', 65)),
              texts.map((text) => `${text}!`),
            ),
          },
          display: {
            accepts: ['string'],
            bad: fc.oneof(fc.constantFrom('', '   '), fc.constant(new Long('d', 256))),
            noise: texts.filter((text) => text.trim() !== '' && text.length <= 255),
          },
          firstName: { accepts: ['string'], bad: fc.oneof(fc.constantFrom('', ' '), fc.constant(new Long('f', 256))) },
          lastName: { accepts: ['string'], bad: fc.oneof(fc.constantFrom('', ' '), fc.constant(new Long('f', 256))) },
          email: {
            accepts: ['string'],
            bad: fc.oneof(
              fc.constantFrom('', 'no-at', 'a@', '@b', 'a b@c'),
              texts.map((text) => `x${text.replace(/@/g, '')}`),
            ),
          },
          isAdmin: { accepts: ['boolean'], noise: fc.boolean() },
        },
      },
    },
    ...(['POST', 'DELETE'] as const).map((method): Endpoint => ({
      method,
      route: '/timeport/v1/users/:login/tokens',
      tracker: false,
      parsesBody: true,
      success: method === 'POST' ? 201 : 200,
      params: {
        login: {
          valid: () => 'member',
          bad: fc.oneof(
            nobody.map(encode),
            fc.constantFrom('%00', '%zz', 'ADMIN%00'),
            fc.integer({ min: 65, max: 3000 }).map((n) => 'l'.repeat(n)),
          ),
        },
      },
      badHeaders: writeHeaders,
      body: { base: {}, emptyIsInvalid: false, nullIsValid: true, fields: {} },
    })),
    {
      method: 'POST',
      route: '/timeport/v1/tokens/_revoke',
      tracker: false,
      parsesBody: true,
      success: 204,
      badHeaders: writeHeaders,
      body: {
        base: { token: SPARE_TOKEN },
        emptyIsInvalid: true,
        // Any other text is a token nobody has (404).
        fields: { token: { required: true, accepts: ['string'], bad: fc.oneof(texts, fc.constant(''), fc.constant(new Long('t', 513))) } },
      },
    },
    {
      method: 'POST',
      route: '/timeport/v1/worklogs/_import',
      tracker: false,
      parsesBody: true,
      success: 200,
      bodyLimit: BATCH_BODY_LIMIT,
      badHeaders: writeHeaders,
      body: {
        base: { mode: 'atomic', entries: [{ issue: 'TEST-1', ...worklogImportBase }] },
        emptyIsInvalid: true,
        fields: {
          // Atomic, always: a partial batch answers 200 with the entry's failure.
          mode: {
            accepts: ['string'],
            keep: true,
            bad: fc.oneof(
              fc.constantFrom('', 'ATOMIC', 'all', 'partial ', 'none'),
              texts.map((text) => `x${text}`),
            ),
          },
          entries: {
            required: true,
            accepts: ['array'],
            bad: fc.oneof(
              fc.constant([]),
              fc.constant(new RawJson(`[${'1,'.repeat(10_000)}1]`, '10,001 entries')),
              batchEntryMutation(worklogImportFields, worklogImportBase),
            ),
          },
          dryRun: { accepts: ['boolean'], noise: fc.boolean() },
          source: { accepts: ['string'], bad: fc.constant(new Long('s', 501)), noise: texts },
        },
      },
    },
    {
      method: 'POST',
      route: '/timeport/v1/worklogs/_changes',
      tracker: false,
      parsesBody: true,
      success: 200,
      bodyLimit: BATCH_BODY_LIMIT,
      badHeaders: writeHeaders,
      body: {
        // A dry run of a change to the entry the set-up imported with external id "first": checked, never stored.
        base: { dryRun: true, changes: [{ action: 'update', externalId: 'first', comment: 'changed' }] },
        emptyIsInvalid: true,
        fields: {
          dryRun: { accepts: ['boolean'], keep: true },
          changes: {
            required: true,
            accepts: ['array'],
            bad: fc.oneof(
              fc.constant([]),
              fc.constant(new RawJson(`[${'1,'.repeat(10_000)}1]`, '10,001 changes')),
              fc.constantFrom(
                [{ action: 'move', externalId: 'first' }],
                [{ action: 'update', externalId: 'first' }],
                [{ action: 'update', externalId: 'first', duration: 'PT0S' }],
                [{ action: 'update', externalId: 'first', start: 'yesterday' }],
                [{ action: 'delete', externalId: 'zz-no-such-external-id' }],
                [{ action: 'delete', externalId: 'first', ifVersion: 0 }],
                [{ action: 'delete', externalId: '' }],
                [{ action: 'delete', externalId: 'first', extra: 1 }],
                [
                  { action: 'delete', externalId: 'first' },
                  { action: 'update', externalId: 'first', comment: 'twice' },
                ],
              ),
              nobody.map((externalId) => [{ action: 'delete', externalId }]),
            ),
          },
          source: { accepts: ['string'], bad: fc.constant(new Long('s', 501)), noise: texts },
        },
      },
    },
    {
      method: 'DELETE',
      route: '/timeport/v1/imports/:id',
      tracker: false,
      parsesBody: true,
      success: 200,
      params: { id: { valid: () => String(ids().batchToRollBack), bad: badIdSegment(() => ids().batchToRollBack) } },
      badHeaders: writeHeaders,
    },
    // Reads: their path segments and query parameters.
    { method: 'GET', route: '/users', tracker: true, parsesBody: false, success: 200, query: pageQuery },
    {
      method: 'GET',
      route: '/users/:user',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: {
        user: {
          valid: () => 'member',
          bad: fc.oneof(
            nobody.map(encode),
            unknownNumber.map(String),
            nobody.map((text) => `login:${encode(text)}`),
            fc.constantFrom('%00', '%zz', 'login:', '0'),
            fc.integer({ min: 129, max: 3000 }).map((n) => 'u'.repeat(n)),
          ),
        },
      },
    },
    {
      method: 'GET',
      route: '/queues/:queue',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: {
        queue: {
          valid: () => 'TEST',
          bad: fc.oneof(
            nobody.map(encode),
            unknownNumber.map(String),
            fc.constantFrom('%00', '%zz', '0', 'TEST%00', 'TEST-1'),
            fc.integer({ min: 65, max: 3000 }).map((n) => 'Q'.repeat(n)),
          ),
        },
      },
    },
    { method: 'GET', route: '/issues/:issue', tracker: true, parsesBody: false, success: 200, params: { issue: issueParam } },
    {
      method: 'GET',
      route: '/issues/:issue/worklog',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: { issue: issueParam },
      query: { base: [], params: { perPage: { single: true, bad: badPerPage }, id: { single: true, bad: badCursor } } },
    },
    {
      method: 'GET',
      route: '/issues/:issue/worklog/:worklogId',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: { issue: issueParam, worklogId: { valid: () => String(ids().worklogToEdit), bad: badIdSegment(() => ids().worklogToEdit) } },
    },
    {
      method: 'GET',
      route: '/worklog',
      tracker: true,
      parsesBody: false,
      success: 200,
      query: {
        base: [['createdBy', 'admin']],
        params: {
          perPage: { single: true, bad: badPerPage },
          page: { single: true, bad: badPage },
          createdBy: {
            single: true,
            bad: fc.oneof(
              nobody.map(encode),
              unknownNumber.map(String),
              fc.constantFrom('', '%00'),
              fc.integer({ min: 129, max: 2000 }).map((n) => 'c'.repeat(n)),
            ),
          },
          createdAt: {
            bad: fc.oneof(
              badTimestamp.filter((text): text is string => typeof text === 'string').map((text) => `from:${encode(text)}`),
              badTimestamp.filter((text): text is string => typeof text === 'string').map((text) => `to:${encode(text)}`),
              fc.constantFrom(
                '2025-01-01T00:00:00Z',
                'since:2025-01-01T00:00:00Z',
                'from:',
                'from:2025-02-01T00:00:00Z&createdAt=to:2025-01-01T00:00:00Z',
                'from:2025-01-01T00:00:00Z&createdAt=from:2025-01-02T00:00:00Z',
                'from:2025-01-01T00:00:00Z&createdAt=to:2025-02-01T00:00:00Z&createdAt=to:2025-03-01T00:00:00Z',
              ),
            ),
          },
        },
      },
    },
    {
      method: 'GET',
      route: '/fields/:field',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: {
        field: {
          valid: () => 'summary',
          bad: fc.oneof(
            nobody.map(encode),
            fc.constantFrom('%00', '%zz', 'Summary%20'),
            fc.integer({ min: 129, max: 3000 }).map((n) => 'f'.repeat(n)),
          ),
        },
      },
    },
    {
      method: 'GET',
      route: '/timeport/v1/imports',
      tracker: false,
      parsesBody: false,
      success: 200,
      query: {
        base: [],
        params: { perPage: { single: true, bad: badPerPage }, id: { single: true, bad: fc.oneof(badCursor, fc.constant('0')) } },
      },
    },
    {
      method: 'GET',
      route: '/timeport/v1/worklogs/_external',
      tracker: false,
      parsesBody: false,
      success: 200,
      query: {
        base: [],
        params: {
          source: { single: true, bad: fc.constant('s'.repeat(501)) },
          prefix: { single: true, bad: fc.constant('p'.repeat(201)) },
          perPage: { single: true, bad: badPerPage },
          // Its cursor starts at 0 (every id is greater): an empty value would be read as 0, a valid cursor.
          id: { single: true, bad: badCursor.filter((value) => value !== '') },
        },
      },
    },
    {
      method: 'GET',
      route: '/timeport/v1/imports/:id',
      tracker: false,
      parsesBody: false,
      success: 200,
      params: { id: { valid: () => String(ids().batch), bad: badIdSegment(() => ids().batch) } },
    },
    {
      method: 'GET',
      route: '/timeport/v1/reports/time-spent',
      tracker: false,
      parsesBody: false,
      success: 200,
      query: {
        base: [
          ['from', '2025-01-01'],
          ['to', '2025-12-31'],
        ],
        params: {
          from: {
            required: true,
            single: true,
            bad: fc.oneof(
              fc.constantFrom('', '2025-02-30', 'yesterday', '%00', '2026-01-01', '2025-1-1', '0000-01-01', '18.02.2025'),
              texts.map((text) => encode(`x${text}`)),
            ),
          },
          // 9999-12-31 ends after the last instant a Tracker date-time can hold (issue 14).
          to: {
            required: true,
            single: true,
            bad: fc.oneof(
              fc.constantFrom('', '2025-13-01', '%00', '2024-12-31', '9999-12-31', '10000-01-01'),
              fc.integer({ min: 41, max: 500 }).map((n) => '2'.repeat(n)),
            ),
          },
          tz: { single: true, bad: fc.oneof(fc.constantFrom('', '+03:00', 'Mars/Olympus', 'utc+3', 'GMT+25', '%00'), nobody.map(encode)) },
          by: { single: true, bad: fc.oneof(fc.constantFrom('', 'end', 'START', '%00'), nobody.map(encode)) },
          groupBy: { bad: fc.oneof(fc.constantFrom('', 'day,week', 'year', '%00'), nobody.map(encode)) },
          user: { bad: fc.oneof(nobody.map(encode), fc.constantFrom('', '%00')) },
          issue: { bad: fc.oneof(nobody.map(encode), fc.constantFrom('', 'NOPE-1', '%00')) },
          queue: { bad: fc.oneof(nobody.map(encode), fc.constantFrom('', 'NOPE', '%00')) },
          format: { single: true, bad: fc.oneof(fc.constantFrom('', 'xml', 'CSV', '%00'), nobody.map(encode)) },
        },
      },
    },
    {
      method: 'GET',
      route: '/timeport/v1/audit',
      tracker: false,
      parsesBody: false,
      success: 200,
      query: {
        base: [],
        params: {
          perPage: { single: true, bad: badPerPage },
          id: { single: true, bad: fc.oneof(badCursor, fc.constant('0')) },
          action: { single: true, bad: fc.oneof(nobody.map(encode), fc.constantFrom('', 'worklog.import,nope', '%00')) },
          actor: { single: true, bad: fc.oneof(nobody.map(encode), fc.constantFrom('', '%00')) },
          from: {
            single: true,
            bad: fc.oneof(
              fc.constantFrom('', 'yesterday', '2025-02-30T00:00:00Z', '%00'),
              fc.integer({ min: 41, max: 300 }).map((n) => '2'.repeat(n)),
            ),
          },
          to: { single: true, bad: fc.oneof(fc.constantFrom('', '2025-13-01T00:00:00Z', '%00')) },
        },
      },
    },
  ];
}

/** A batch whose one entry carries a decisive mutation of the single import's body (or is no object). */
function batchEntryMutation(fields: Record<string, Field>, base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const entrySpec: BodySpec = {
    base: { issue: 'TEST-1', ...base },
    emptyIsInvalid: true,
    fields: {
      ...fields,
      issue: {
        required: true,
        accepts: ['string'],
        bad: fc.oneof(fc.constantFrom('', 'NOPE-1', 'TEST-999999'), fc.constant(new Long('I', 65))),
      },
      externalId: {
        accepts: ['string'],
        bad: fc.oneof(fc.constant(''), fc.constant(new Long('e', 201))),
        noise: texts.filter((text) => text.length > 0 && text.length <= 200),
      },
    },
  };
  const noise = noiseBodyMutation(entrySpec);
  return fc
    .tuple(noise === undefined ? fc.constant([]) : fc.array(noise, { maxLength: 2 }), decisiveBodyMutation(entrySpec), fc.nat({ max: 2 }))
    .map(([noisy, decisive, validBefore]) => [
      ...Array.from({ length: validBefore }, (_, index) => ({ issue: 'TEST-1', ...base, externalId: `valid-${index}` })),
      applyMutations(entrySpec.base, [...noisy, decisive]),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Requests.

interface GeneratedRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What makes it invalid, for the counterexample. */
  why: string;
}

const unknownParamName = (known: readonly string[]) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'toString', 'expand', 'fields'),
    )
    .filter((name) => !known.includes(name));

/** A request of this endpoint with exactly the decisive mutation `decisive`, and random noise. */
function requestBuilder(endpoint: Endpoint) {
  const noiseBody = endpoint.body === undefined ? undefined : noiseBodyMutation(endpoint.body);
  const queryNames = Object.keys(endpoint.query?.params ?? {});
  const noise = fc.record({
    version: fc.constantFrom('v2', 'v3'),
    body: noiseBody === undefined ? fc.constant([] as Mutation[]) : fc.array(noiseBody, { maxLength: 3 }),
    query: fc.array(fc.tuple(unknownParamName(queryNames), texts), { maxLength: 2 }),
    idempotencyKey:
      endpoint.idempotencyNoise === false ? fc.constant(undefined) : fc.option(fc.stringMatching(/^[!-~]{1,40}$/), { nil: undefined }),
    requestId: fc.option(
      texts.filter((text) => /^[\x20-\x7e]*$/.test(text)),
      { nil: undefined },
    ),
  });
  return (decisive: Decisive) =>
    noise.map((random): GeneratedRequest => {
      const prefix = endpoint.tracker ? `/${random.version}` : '';
      const segments: Record<string, string> = Object.fromEntries(
        Object.entries(endpoint.params ?? {}).map(([name, param]) => [name, param.valid()]),
      );
      if (decisive.kind === 'path') segments[decisive.param] = decisive.segment;
      const path = endpoint.route.replace(/:([A-Za-z]+)/g, (_match, name: string) => segments[name]!);
      let query: [string, string][] = (endpoint.query?.base ?? []).map(([name, value]) => [name, encode(value)]);
      query.push(...random.query.map(([name, value]): [string, string] => [encode(name), encode(value)]));
      if (decisive.kind === 'query') {
        if (decisive.op === 'remove') query = query.filter(([name]) => name !== decisive.param);
        else if (decisive.op === 'repeat') query.push([decisive.param, '1'], [decisive.param, '2']);
        else query = [...query.filter(([name]) => name !== decisive.param), [decisive.param, decisive.value]];
      }
      const search = query.length === 0 ? '' : `?${query.map(([name, value]) => `${name}=${value}`).join('&')}`;
      const headers: Record<string, string> = { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' };
      if (random.idempotencyKey !== undefined) headers['idempotency-key'] = random.idempotencyKey;
      if (random.requestId !== undefined) headers['x-request-id'] = random.requestId;
      let payload: string | Buffer | undefined;
      if (endpoint.body !== undefined) {
        payload = toJson(applyMutations(endpoint.body.base, [...random.body, ...(decisive.kind === 'body' ? [decisive.mutation] : [])]));
        headers['content-type'] = 'application/json';
      }
      if (decisive.kind === 'headers') Object.assign(headers, decisive.headers);
      if (decisive.kind === 'raw') {
        payload = decisive.payload;
        if (decisive.contentType === undefined) delete headers['content-type'];
        else headers['content-type'] = decisive.contentType;
      }
      return {
        method: endpoint.method,
        url: `${prefix}${path}${search}`,
        headers,
        ...(payload === undefined ? {} : { payload }),
        why: explain(decisive),
      };
    });
}

type Decisive =
  | { kind: 'body'; mutation: Mutation }
  | { kind: 'path'; param: string; segment: string }
  | { kind: 'query'; op: 'remove' | 'repeat' | 'set'; param: string; value: string }
  | { kind: 'headers'; headers: Record<string, string> }
  | { kind: 'raw'; payload: string | Buffer; contentType: string | undefined; label: string };

function explain(decisive: Decisive): string {
  switch (decisive.kind) {
    case 'body':
      return `body: ${fc.stringify(decisive.mutation)}`;
    case 'path':
      return `path ${decisive.param}=${decisive.segment.slice(0, 80)}`;
    case 'query':
      return `query ${decisive.op} ${decisive.param}=${decisive.value.slice(0, 80)}`;
    case 'headers':
      return `headers ${JSON.stringify(decisive.headers).slice(0, 120)}`;
    case 'raw':
      return `raw body (${decisive.label}) as ${String(decisive.contentType)}`;
  }
}

/** Decisive mutations of the path, the query and the headers: one of them per request. */
function decisiveRequestParts(endpoint: Endpoint): fc.Arbitrary<Decisive>[] {
  const parts: fc.Arbitrary<Decisive>[] = [];
  if (endpoint.body !== undefined)
    parts.push(decisiveBodyMutation(endpoint.body).map((mutation): Decisive => ({ kind: 'body', mutation })));
  for (const [param, spec] of Object.entries(endpoint.params ?? {})) {
    parts.push(spec.bad.map((segment): Decisive => ({ kind: 'path', param, segment })));
  }
  for (const [param, spec] of Object.entries(endpoint.query?.params ?? {})) {
    parts.push(spec.bad.map((value): Decisive => ({ kind: 'query', op: 'set', param, value })));
    if (spec.required === true) parts.push(fc.constant<Decisive>({ kind: 'query', op: 'remove', param, value: '' }));
    if (spec.single === true) parts.push(fc.constant<Decisive>({ kind: 'query', op: 'repeat', param, value: '' }));
  }
  if (endpoint.badHeaders !== undefined) parts.push(endpoint.badHeaders.map((headers): Decisive => ({ kind: 'headers', headers })));
  return parts;
}

/** Bodies that are not JSON, or not sent as JSON. */
function rawBodies(endpoint: Endpoint): fc.Arbitrary<Decisive> {
  const valid = endpoint.body === undefined ? '{"a":1}' : toJson(endpoint.body.base);
  const brokenJson = fc.oneof(
    fc.integer({ min: 1, max: valid.length - 1 }).map((length) => ({ text: valid.slice(0, length), label: `cut at ${length}` })),
    fc.constantFrom('}', ',', 'x', '{}', '"', ']', 'null').map((garbage) => ({ text: `${valid}${garbage}`, label: `trailing ${garbage}` })),
    fc
      .constantFrom(
        "{'a': 1}",
        '{"a": 1,}',
        '{a: 1}',
        'NaN',
        'undefined',
        '{"a": 01}',
        '[1,]',
        '{"a": "\u0001"}',
        '{"a": "\\x41"}',
        '/* c */ {}',
        '{"__proto__": {"isAdmin": true}}',
        '{"constructor": {"prototype": {"isAdmin": true}}}',
        '{"a": 1}{"b": 2}',
        '{"a": Infinity}',
        '{"a": "\\ud800',
        '{"a"',
        'nul',
        '\u0000{}',
      )
      .map((text) => ({ text, label: 'malformed' })),
  );
  const asJson = brokenJson.map(({ text, label }): Decisive => ({ kind: 'raw', payload: text, contentType: 'application/json', label }));
  const badBytes = fc
    .constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]))
    .map((bytes): Decisive => ({
      kind: 'raw',
      payload: Buffer.concat([bytes, Buffer.from(valid)]),
      contentType: 'application/json',
      label: `bytes ${bytes.toString('hex')} first`,
    }));
  const wrongType = fc
    .oneof(
      fc.constantFrom(
        'text/plain',
        'text/plain; charset=utf-8',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'text/json',
        'application/jsonx',
        'application/json-patch+json',
        'json',
        '*/*',
        'application/*',
        ';',
      ),
      fc
        .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 })
        .filter((type) => !/^\s*application\/json/i.test(type) && type.trim() !== ''),
      fc.constant(undefined),
    )
    .map((contentType): Decisive => ({ kind: 'raw', payload: valid, contentType, label: 'valid JSON' }));
  // Bytes that are not UTF-8 inside a text field: JSON otherwise valid, which a lenient decoder
  // would store as U+FFFD.
  const textual = Object.entries(endpoint.body?.fields ?? {})
    .filter(([, field]) => field.accepts.includes('string'))
    .map(([name]) => name);
  const badText =
    textual.length === 0 || endpoint.body === undefined
      ? []
      : [
          fc
            .tuple(
              fc.constantFrom(...textual),
              fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]),
            )
            .map(([field, bytes]): Decisive => {
              const [before, after] = toJson(
                new JsonObject([...Object.entries(endpoint.body!.base).filter(([key]) => key !== field), [field, 'a\u0001MARK\u0001b']]),
              ).split('\\u0001MARK\\u0001');
              return {
                kind: 'raw',
                payload: Buffer.concat([Buffer.from(before!), Buffer.from(bytes), Buffer.from(after!)]),
                contentType: 'application/json',
                label: `bytes ${Buffer.from(bytes).toString('hex')} in ${field}`,
              };
            }),
        ];
  return fc.oneof(asJson, badBytes, wrongType, ...badText);
}

/** Requests without a usable token or organization: every route answers 401 or 403. */
const badAuth = fc.oneof(
  fc.constant({}),
  fc.constant({ 'x-org-id': '1' }),
  fc.constant({ authorization: `OAuth ${ADMIN_TOKEN}` }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((value) => ({ authorization: value, 'x-org-id': '1' })),
  fc
    .stringMatching(/^[!-~]{1,80}$/)
    .filter((token) => token !== ADMIN_TOKEN)
    .map((token) => ({ authorization: `OAuth ${token}`, 'x-org-id': '1' })),
  fc
    .constantFrom(
      'Basic YWRtaW46YWRtaW4=',
      `OAuth  ${ADMIN_TOKEN} extra`,
      `Token ${ADMIN_TOKEN}`,
      `OAuth${ADMIN_TOKEN}`,
      'OAuth not provided',
    )
    .map((value) => ({ authorization: value, 'x-org-id': '1' })),
  fc
    .string({ unit: 'grapheme-ascii', maxLength: 40 })
    .filter((org) => org.trim() !== '1' && org.trim() !== '')
    .map((org) => ({ authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': org })),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((cloud) => ({ authorization: `OAuth ${ADMIN_TOKEN}`, 'x-cloud-org-id': cloud })),
);

// ---------------------------------------------------------------------------------------------

describe(`bad input never hurts (fast-check seed ${SEED})`, () => {
  let t: TestApp;
  let ids: Ids;
  let rowsAtStart: Record<string, unknown[]>;
  let sent = 0;
  const started = Date.now();

  async function send(request: GeneratedRequest): Promise<LightMyRequestResponse> {
    sent += 1;
    return t.app.inject({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
  }

  /** A 4xx in Tracker's format, or the request is reported with its answer. */
  function assertRefused(request: GeneratedRequest, response: LightMyRequestResponse): void {
    const context = () =>
      `${request.method} ${request.url.slice(0, 300)} (${request.why}) answered ${response.statusCode}: ${response.body.slice(0, 400)}`;
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `not a 4xx: ${context()}`);
    if (request.method === 'HEAD') return;
    let body: { errors?: unknown; errorsData?: unknown; errorMessages?: unknown; statusCode?: unknown };
    try {
      body = response.json();
    } catch {
      assert.fail(`not JSON: ${context()}`);
    }
    assert.ok(
      typeof body.errors === 'object' &&
        body.errors !== null &&
        !Array.isArray(body.errors) &&
        Object.values(body.errors).every((message) => typeof message === 'string') &&
        typeof body.errorsData === 'object' &&
        Array.isArray(body.errorMessages) &&
        body.errorMessages.every((message) => typeof message === 'string') &&
        body.statusCode === response.statusCode &&
        (Object.keys(body.errors).length > 0 || body.errorMessages.length > 0),
      `not Tracker's error format: ${context()}`,
    );
    assert.match(String(response.headers['content-type']), /^application\/json/, context());
  }

  /** Every row is as in `rows` (by default as after the set-up), and the server still answers. */
  async function assertNothingWritten(what: string, rows = rowsAtStart): Promise<void> {
    const now = await allRows(t.store);
    assert.deepEqual(now, rows, `${what} wrote something: ${JSON.stringify(summary(now))} (was ${JSON.stringify(summary(rows))})`);
    // The server is up and answers a valid request.
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const issue = await t.app.inject({
      method: 'GET',
      url: '/v3/issues/TEST-1',
      headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' },
    });
    assert.equal(issue.statusCode, 200, issue.body);
  }

  async function check(endpoint: Endpoint, decisive: fc.Arbitrary<Decisive>, numRuns: number): Promise<void> {
    const build = requestBuilder(endpoint);
    await fc.assert(
      fc.asyncProperty(
        decisive.chain((chosen) => build(chosen)),
        async (request) => assertRefused(request, await send(request)),
      ),
      { numRuns, seed: SEED },
    );
  }

  const admin = (method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `OAuth ${ADMIN_TOKEN}`,
        'x-org-id': '1',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const ok = async <T>(response: Promise<LightMyRequestResponse>, status: number): Promise<T> => {
    const answer = await response;
    assert.equal(answer.statusCode, status, answer.body);
    return answer.json<T>();
  };

  before(async () => {
    // Thousands of requests with bad tokens from one address: the failed-authentication limit
    // (tested in test/security/auth-failures.test.ts) would answer them 429.
    t = await buildTestApp({ now: NOW, authFailureLimit: 'off' });
    await ok(admin('POST', '/v3/queues/', { key: 'TEST', name: 'Test', lead: 'admin' }), 201);
    const unique = UNIQUE;
    const issue = await ok<{ key: string; id: string }>(
      admin('POST', '/v3/issues/_import', {
        queue: 'TEST',
        summary: 'Target',
        unique,
        createdAt: ISSUE_CREATED_AT,
        createdBy: 'admin',
        updatedAt: ISSUE_UPDATED_AT,
        updatedBy: 'admin',
      }),
      200,
    );
    const importWorklog = async () =>
      (
        await ok<{ id: number }>(
          admin('POST', `/v3/issues/${issue.key}/worklogs/_import`, {
            duration: 'PT1H',
            createdAt: '2025-02-18T16:35:41.740+0000',
            createdBy: 'admin',
            start: '2025-02-18T10:00:00.000+0000',
          }),
          200,
        )
      ).id;
    const worklogToEdit = await importWorklog();
    const worklogToDelete = await importWorklog();
    await ok(admin('POST', '/timeport/v1/users', { login: 'member' }), 201);
    await ok(admin('POST', '/timeport/v1/users/member/tokens', {}), 201);
    const batch = async (externalId: string) =>
      (
        await ok<{ id: number }>(
          admin('POST', '/timeport/v1/worklogs/_import', {
            entries: [
              {
                issue: issue.key,
                externalId,
                duration: 'PT2H',
                createdAt: '2025-02-19T10:00:00.000+0000',
                createdBy: 'member',
                start: '2025-02-19T08:00:00.000+0000',
              },
            ],
          }),
          200,
        )
      ).id;
    const batchId = await batch('first');
    const batchToRollBack = await batch('second');
    // The token the revocation's unmutated request names (a second token of the admin's).
    const spare = await t.store.db
      .selectFrom('users')
      .select('uid')
      .where('orgId', '=', '1')
      .where('login', '=', 'admin')
      .executeTakeFirstOrThrow();
    await insertToken(t.store.db, spare.uid, NOW, SPARE_TOKEN);
    ids = { issueKey: issue.key, issueId: issue.id, worklogToEdit, worklogToDelete, batchToRollBack, batch: batchId, unique };
    rowsAtStart = await allRows(t.store);
  });
  after(async () => {
    await t.close();
  });

  /** Endpoints are built lazily: their valid ids come from the set-up. */
  const ENDPOINTS = endpoints(() => ids);
  const name = (endpoint: Endpoint) => `${endpoint.method} ${endpoint.tracker ? '/{v2,v3}' : ''}${endpoint.route}`;

  it('covers every route the app registers, but the public ones and those without input', () => {
    const covered = new Set(
      ENDPOINTS.flatMap((endpoint) =>
        endpoint.tracker ? ['v2', 'v3'].map((v) => `${endpoint.method} /${v}${endpoint.route}`) : [`${endpoint.method} ${endpoint.route}`],
      ),
    );
    // Nothing in the request but headers (covered by the authentication property below).
    const withoutInput = /^GET \/(v2|v3)\/(myself|fields)$|^GET \/timeport\/v1\/capabilities$|^HEAD /;
    const missing = t.app.registeredRoutes
      .filter((route) => /^\/(v2|v3|timeport\/v1)\//.test(route.url))
      .map((route) => `${route.method} ${route.url}`)
      .filter((route) => !covered.has(route) && !withoutInput.test(route));
    assert.deepEqual(missing, [], 'routes with no bad-input generator');
  });

  for (const endpoint of ENDPOINTS) {
    const parts = () => decisiveRequestParts(endpoint);
    it(`${name(endpoint)}: mutated bodies, paths, queries and headers are refused with a 4xx`, async () => {
      const rows = await allRows(t.store);
      const numRuns = endpoint.body !== undefined ? runs(Object.keys(endpoint.body.fields).length > 3 ? 650 : 400) : runs(300);
      await check(endpoint, fc.oneof(...parts()), numRuns);
      await assertNothingWritten(name(endpoint), rows);
    });
    if (endpoint.parsesBody) {
      it(`${name(endpoint)}: broken JSON, wrong content types and oversized bodies are refused`, async () => {
        const rows = await allRows(t.store);
        await check(endpoint, rawBodies(endpoint), runs(100));
        // Oversized: a valid body padded past the limit (a few, they are big).
        const limit = endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT;
        const base = endpoint.body?.base ?? {};
        const oversized = fc.integer({ min: 1, max: 4096 }).map((extra): Decisive => ({
          kind: 'raw',
          payload: toJson(new JsonObject([...Object.entries(base), ['comment', new Long('x', limit + extra)]])),
          contentType: 'application/json',
          label: `limit + ${extra} bytes`,
        }));
        await check(endpoint, oversized, runs(endpoint.bodyLimit === undefined ? 3 : 1));
        await assertNothingWritten(name(endpoint), rows);
      });
    }
  }

  it('refuses every registered API route, every method, without a usable token or organization', async () => {
    const segments: Record<string, () => string> = {
      issue: () => ids.issueKey,
      worklogId: () => String(ids.worklogToEdit),
      user: () => 'member',
      queue: () => 'TEST',
      field: () => 'summary',
      login: () => 'member',
      id: () => String(ids.batch),
    };
    const rows = await allRows(t.store);
    const routes = t.app.registeredRoutes.filter((route) => /^\/(v2|v3|timeport\/v1)\//.test(route.url));
    for (const route of routes) {
      const url = route.url.replace(/:([A-Za-z]+)/g, (_match, param: string) => {
        const value = segments[param];
        assert.ok(value !== undefined, `no value for :${param} of ${route.url}`);
        return value();
      });
      await fc.assert(
        fc.asyncProperty(badAuth, async (headers) => {
          const request: GeneratedRequest = { method: route.method as Method, url, headers, why: `auth ${JSON.stringify(headers)}` };
          const response = await send(request);
          assertRefused(request, response);
          assert.ok(
            [401, 403].includes(response.statusCode),
            `${route.method} ${url} with ${JSON.stringify(headers)}: ${response.statusCode}`,
          );
        }),
        { numRuns: runs(25), seed: SEED },
      );
    }
    await assertNothingWritten('requests without a usable token', rows);
  });

  it('answers methods and paths the API does not have with 404 in Tracker format', async () => {
    const rows = await allRows(t.store);
    const apiRoutes = t.app.registeredRoutes.filter((route) => /^\/(v2|v3|timeport\/v1)\//.test(route.url)).map((route) => route.url);
    const registered = new Set(t.app.registeredRoutes.map((route) => `${route.method} ${route.url}`));
    const fill = (url: string) =>
      url.replace(/:([A-Za-z]+)/g, (_match, param: string) =>
        param === 'worklogId' || param === 'id' ? '1' : param === 'issue' ? ids.issueKey : 'member',
      );
    const unknownMethod = fc
      .tuple(
        fc.constantFrom(...apiRoutes),
        fc.constantFrom<Method>('PUT', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'PATCH', 'DELETE', 'POST'),
      )
      .filter(([url, method]) => !registered.has(`${method} ${url}`))
      .map(([url, method]) => ({ method, url: fill(url) }));
    const unknownPath = fc
      .tuple(
        fc.constantFrom('/v2', '/v3', '/timeport/v1', '/v1', '/v4', '/timeport/v2'),
        texts,
        fc.constantFrom<Method>('GET', 'POST', 'DELETE'),
      )
      .map(([prefix, text, method]) => ({ method, url: `${prefix}/zz${encode(text)}` }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(unknownMethod, unknownPath), async ({ method, url }) => {
        const request: GeneratedRequest = {
          method,
          url,
          headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' },
          why: 'no such route',
        };
        const response = await send(request);
        assertRefused(request, response);
        assert.ok([404, 405].includes(response.statusCode), `${method} ${url}: ${response.statusCode}`);
      }),
      { numRuns: runs(300), seed: SEED },
    );
    await assertNothingWritten('unknown routes', rows);
  });

  it('sent thousands of requests, all refused, and nothing was written', async (context) => {
    await assertNothingWritten('the whole run');
    context.diagnostic(`seed ${SEED}: ${sent} generated requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(sent >= 10_000 * Math.min(1, RUN_SCALE), `only ${sent} requests were sent`);
  });

  // Issue 14: `from=9999-12-31&to=9999-12-31` answered 500 (the end of that day is past the last
  // instant a Tracker date-time holds). Every parameter at the ends of the calendar, in zones on
  // either side of UTC: a 200 whose bounds are date-times, or a 400 in Tracker's format.
  it('GET /timeport/v1/reports/time-spent: periods at the ends of the calendar answer 200 or 400, never 500', async () => {
    const rows = await allRows(t.store);
    const ends = fc.constantFrom(
      '0001-01-01',
      '0001-01-02',
      '0001-01-08',
      '9999-12-24',
      '9999-12-30',
      '9999-12-31',
      '2025-01-01',
      '0001-01-01T00:00:00.000+0000',
      '0001-01-01T00:00:00.000-1400',
      '0001-01-01T00:00:00.000+1400',
      '9999-12-31T23:59:59.999+0000',
      '9999-12-31T23:59:59.999+1400',
      '9999-12-31T00:00:00.000-1000',
    );
    const extreme = fc.record({
      from: ends,
      to: ends,
      tz: fc.constantFrom(undefined, 'UTC', 'Pacific/Kiritimati', 'Etc/GMT+12', 'Asia/Tokyo', 'America/New_York'),
      by: fc.constantFrom(undefined, 'start', 'createdAt'),
      groupBy: fc.constantFrom(undefined, 'day', 'week', 'month', 'user,issue,queue,week', 'queue,day'),
      format: fc.constantFrom(undefined, 'json', 'csv'),
    });
    await fc.assert(
      fc.asyncProperty(extreme, async (query) => {
        const search = Object.entries(query)
          .flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${encode(value)}`]))
          .join('&');
        const request: GeneratedRequest = {
          method: 'GET',
          url: `/timeport/v1/reports/time-spent?${search}`,
          headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' },
          why: 'extremes',
        };
        const response = await send(request);
        if (response.statusCode === 200) {
          if (query.format !== 'csv') {
            const body = response.json<{ from: string; to: string }>();
            assert.match(body.from, /^\d{4}-\d{2}-\d{2}T/);
            assert.match(body.to, /^\d{4}-\d{2}-\d{2}T/);
          }
          return;
        }
        assertRefused(request, response);
        assert.equal(response.statusCode, 400, `${request.url}: ${response.body}`);
      }),
      { numRuns: runs(150), seed: SEED },
    );
    // The request of the report: both days are within the calendar, the end of the last is not.
    const refused = await admin('GET', '/timeport/v1/reports/time-spent?from=9999-12-31&to=9999-12-31');
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(JSON.stringify(refused.json()), /out of range/);
    await assertNothingWritten('reports at the ends of the calendar', rows);
  });

  it('refuses a new issue past the last number a key can carry (409), instead of making one no key names', async () => {
    await ok(admin('POST', '/v3/queues/', { key: 'EDGE', name: 'Edge', lead: 'admin' }), 201);
    await ok(
      admin('POST', '/v3/issues/_import', {
        queue: 'EDGE',
        key: 'EDGE-9999999999',
        summary: 'The last',
        createdAt: ISSUE_CREATED_AT,
        createdBy: 'admin',
      }),
      200,
    );
    const rows = await allRows(t.store);
    const next = [
      { url: '/v3/issues/', payload: { queue: 'EDGE', summary: 'One more' } },
      { url: '/v2/issues/_import', payload: { queue: 'EDGE', summary: 'One more', createdAt: ISSUE_CREATED_AT, createdBy: 'admin' } },
    ];
    for (const { url, payload } of next) {
      const response = await admin('POST', url, payload);
      assert.equal(response.statusCode, 409, `${url}: ${response.body}`);
    }
    await assertNothingWritten('issues past the last number', rows);
    await ok(admin('GET', '/v3/issues/EDGE-9999999999'), 200);
  });

  // The README promises that a refused request (4xx) releases its key: a refused atomic batch
  // must roll back its transaction rather than commit the request's Idempotency-Key claim.
  it('releases the Idempotency-Key of a refused atomic batch', async () => {
    const rows = await allRows(t.store);
    const entry = {
      issue: ids.issueKey,
      duration: 'PT0S',
      createdAt: '2025-02-18T16:35:41.740+0000',
      createdBy: 'admin',
      start: '2025-02-18T10:00:00.000+0000',
    };
    const refused = await t.app.inject({
      method: 'POST',
      url: '/timeport/v1/worklogs/_import',
      headers: {
        authorization: `OAuth ${ADMIN_TOKEN}`,
        'x-org-id': '1',
        'content-type': 'application/json',
        'idempotency-key': 'refused-atomic-batch',
      },
      payload: JSON.stringify({ mode: 'atomic', entries: [entry] }),
    });
    assert.equal(refused.statusCode, 422, refused.body);
    try {
      await assertNothingWritten('a refused atomic batch with an Idempotency-Key', rows);
    } finally {
      // Whatever the outcome, the tests after this one start from the set-up's rows.
      await t.store.db.deleteFrom('idempotencyKeys').where('idempotencyKey', '=', 'refused-atomic-batch').execute();
    }
  });

  // Last, since it writes: the unmutated requests succeed, so the refusals above were the mutations'.
  it("answers each endpoint's unmutated request with a success", async () => {
    const ordered = [
      ...ENDPOINTS.filter((endpoint) => endpoint.method !== 'DELETE'),
      ...ENDPOINTS.filter((endpoint) => endpoint.method === 'DELETE'),
    ];
    for (const endpoint of ordered) {
      const path = endpoint.route.replace(/:([A-Za-z]+)/g, (_match, param: string) => endpoint.params![param]!.valid());
      const base = endpoint.query?.base ?? [];
      const search = base.length === 0 ? '' : `?${base.map(([key, value]) => `${key}=${encode(value)}`).join('&')}`;
      const request: GeneratedRequest = {
        method: endpoint.method,
        url: `${endpoint.tracker ? '/v3' : ''}${path}${search}`,
        headers: {
          authorization: `OAuth ${ADMIN_TOKEN}`,
          'x-org-id': '1',
          ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(endpoint.body === undefined ? {} : { payload: toJson(endpoint.body.base) }),
        why: 'unmutated',
      };
      const response = await send(request);
      assert.equal(response.statusCode, endpoint.success, `${name(endpoint)} unmutated: ${response.body.slice(0, 300)}`);
    }
  });
});
