/**
 * The generators of the bad-input tests (test/security/bad-input/, not a test file itself): bad
 * values of every JSON kind, bodies derived from a valid one by decisive and harmless mutations,
 * bad path segments, query parameters and headers, and the requests built from them.
 */
import fc from 'fast-check';
import { MAX_JSON_NESTING } from '../../../src/api/json-nesting.js';
import { ADMIN_TOKEN } from '../../../support/app.js';

export const SEED = process.env.TIMEPORT_FC_SEED !== undefined ? Number(process.env.TIMEPORT_FC_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Scales every run count (TIMEPORT_FC_RUNS=4 for a longer hunt). */
export const RUN_SCALE = Number(process.env.TIMEPORT_FC_RUNS ?? 1);
export const runs = (count: number) => Math.max(1, Math.round(count * RUN_SCALE));

/** The API's methods, and some it does not have. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'OPTIONS' | 'TRACE' | 'PROPFIND' | 'SEARCH' | 'PURGE';

// ---------------------------------------------------------------------------------------------
// Values that print short in counterexamples and serialize without recursion.

/** JSON text inserted as it is: deep nesting, built as text so that nothing here recurses on it. */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
  [fc.toStringMethod](): string {
    return `RawJson(${this.label})`;
  }
}

/** A long string, shown by its length. */
export class Long {
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
export class JsonObject {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
  [fc.toStringMethod](): string {
    return `{${this.entries.map(([key, value]) => `${JSON.stringify(key)}: ${fc.stringify(value)}`).join(', ')}}`;
  }
}

export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Long) return JSON.stringify(value.value);
  if (value instanceof JsonObject) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return toJson(new JsonObject(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** Percent-encodes every byte but the unreserved ones (lone surrogates become U+FFFD, as in any client). */
export function encode(text: string): string {
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

export const controlCharacters = fc.string({
  unit: fc.integer({ min: 1, max: 31 }).map((code) => String.fromCharCode(code)),
  minLength: 1,
});
export const oddUnicode = fc.constantFrom(
  '\u2028\u2029',
  '\u202e\u202d',
  '\u200b\ufeff',
  '👩🏽‍💻',
  'é',
  'e\u0301',
  '𝔘𝔫𝔦',
  '\uffff',
  'Ω≈ç√',
  '\u00a0',
);
/** Any text, valid or not: unicode, control characters, odd code points. */
export const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }).filter((text) => !/[\ud800-\udfff]/.test(text)),
  controlCharacters,
  oddUnicode,
  fc.constantFrom('', ' ', 'null', 'true', '0', '-1', '1e309', 'NaN', '<script>', "' OR 1=1 --", '../../etc/passwd', '%00', '${x}'),
);
export const longText = fc.oneof(
  fc.integer({ min: 1_000, max: 100_000 }).map((count) => new Long('a', count)),
  fc.integer({ min: 500, max: 50_000 }).map((count) => new Long('👩🏽‍💻', count)),
);
/** Text no database can store: U+0000, or a UTF-16 surrogate without its pair. */
export const unstorableText = fc
  .tuple(texts, fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00x\ud83d'), texts)
  .map(([a, bad, b]) => `${a}${bad}${b}`);
/** An array or object nested deeper than any body may be. */
export const tooDeep = fc
  .tuple(fc.integer({ min: MAX_JSON_NESTING, max: 20_000 }), fc.boolean(), fc.boolean())
  .map(([depth, arrays, wrapped]) => {
    const deep = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    // Wrapped in a list of objects, it fits schemas that take any object there (issueTypesConfig).
    return wrapped
      ? new RawJson(`[{"x":${deep}}]`, `[{x: ${arrays ? '[' : '{'} x ${depth}}]`)
      : new RawJson(deep, `${arrays ? '[' : '{'} x ${depth}`);
  });
export const leaf = fc.oneof(texts, fc.integer(), fc.boolean(), fc.constant(null));

export type Kind = 'string' | 'integer' | 'fraction' | 'boolean' | 'null' | 'object' | 'array';
export const ALL_KINDS: Kind[] = ['string', 'integer', 'fraction', 'boolean', 'null', 'object', 'array'];
/** JSON values of each type. Objects only have unknown keys, so a strict object schema refuses them too. */
export const valuesOfKind: Record<Kind, fc.Arbitrary<unknown>> = {
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
export const unknownKey = (known: readonly string[]) =>
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

export const badTimestamp = fc.oneof(
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
export const badDate = fc.oneof(
  fc.constantFrom('', '2025-02-30', '2025-1-1', '0000-01-01', '2025-02-18T00:00:00Z', '18.02.2025'),
  texts.map((text) => `x${text}`),
);
export const badDuration = fc.oneof(
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
export const nobody = texts.map((text) => `zz-nobody-${text}`);
export const unknownNumber = fc.integer({ min: 10_000_000, max: 2 ** 31 });

// ---------------------------------------------------------------------------------------------
// Bodies.

export interface Field {
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

export interface BodySpec {
  base: Record<string, unknown>;
  fields: Record<string, Field>;
  /** The route takes a JSON `null` (no body) as well. */
  nullIsValid?: boolean;
  /** `{}` is refused (required fields, or nothing to change). */
  emptyIsInvalid: boolean;
}

export type Mutation =
  | { op: 'remove'; field: string }
  | { op: 'set'; field: string; value: unknown; why: string }
  | { op: 'extra'; key: string; value: unknown }
  | { op: 'root'; value: unknown };

export function applyMutations(base: Record<string, unknown>, mutations: readonly Mutation[]): unknown {
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
export function decisiveBodyMutation(spec: BodySpec): fc.Arbitrary<Mutation> {
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
export function noiseBodyMutation(spec: BodySpec): fc.Arbitrary<Mutation> | undefined {
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

export interface PathParam {
  /** The segment of the unmutated request (read after the set-up). */
  valid: () => string;
  /** Raw path segments (already percent-encoded where needed) that name nothing or are malformed. */
  bad: fc.Arbitrary<string>;
}

export interface QueryParam {
  required?: boolean;
  /** A repeated parameter (an array) is refused. */
  single?: boolean;
  /** Raw values, already encoded. */
  bad: fc.Arbitrary<string>;
}

/** The resource families, one test file each (test/security/bad-input/<family>.test.ts). */
export type Family = 'issues' | 'worklogs' | 'users' | 'imports' | 'reports';

export interface Endpoint {
  method: Method;
  /** The route pattern, e.g. `/issues/:issue/worklog` under `/{v2,v3}`, or a full /timeport/v1 path. */
  route: string;
  tracker: boolean;
  /** The test file that sends it its bad input. */
  family: Family;
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

export interface Ids {
  issueKey: string;
  issueId: string;
  worklogToEdit: number;
  worklogToDelete: number;
  batchToRollBack: number;
  batch: number;
  unique: string;
}

export const ISSUE_CREATED_AT = '2025-01-10T09:00:00.000+0000';
export const ISSUE_UPDATED_AT = '2025-02-20T18:00:00.000+0000';
export const UNIQUE = 'the-unique-value';
export const SPARE_TOKEN = 'spare-token-0000000000000001';

/** A batch whose one entry carries a decisive mutation of the single import's body (or is no object). */
export function batchEntryMutation(fields: Record<string, Field>, base: Record<string, unknown>): fc.Arbitrary<unknown> {
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

export interface GeneratedRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What makes it invalid, for the counterexample. */
  why: string;
}

export const unknownParamName = (known: readonly string[]) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'toString', 'expand', 'fields'),
    )
    .filter((name) => !known.includes(name));

/** A request of this endpoint with exactly the decisive mutation `decisive`, and random noise. */
export function requestBuilder(endpoint: Endpoint) {
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

export type Decisive =
  | { kind: 'body'; mutation: Mutation }
  | { kind: 'path'; param: string; segment: string }
  | { kind: 'query'; op: 'remove' | 'repeat' | 'set'; param: string; value: string }
  | { kind: 'headers'; headers: Record<string, string> }
  | { kind: 'raw'; payload: string | Buffer; contentType: string | undefined; label: string };

export function explain(decisive: Decisive): string {
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
export function decisiveRequestParts(endpoint: Endpoint): fc.Arbitrary<Decisive>[] {
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
export function rawBodies(endpoint: Endpoint): fc.Arbitrary<Decisive> {
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
export const badAuth = fc.oneof(
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
