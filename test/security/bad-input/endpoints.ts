/**
 * What bad input is for every endpoint of the API that takes any (test/security/bad-input/, not a
 * test file itself): its valid request, the type and the bad values of each field, path segment,
 * query parameter and header, and the status of its unmutated request.
 */
import fc from 'fast-check';
import { BATCH_BODY_LIMIT } from '../../../src/api/routes/timeport/imports.js';
import {
  type Endpoint,
  type Field,
  type Ids,
  type Kind,
  type PathParam,
  ISSUE_CREATED_AT,
  Long,
  RawJson,
  SPARE_TOKEN,
  UNIQUE,
  badDate,
  badDuration,
  badTimestamp,
  batchEntryMutation,
  encode,
  nobody,
  texts,
  unknownNumber,
} from './requests.js';

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

/** Every endpoint with input, in the order of the API's description; each file sends bad input to its family's. */
export function endpoints(ids: () => Ids): Endpoint[] {
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
      family: 'issues',
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
      family: 'issues',
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
      family: 'issues',
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
      family: 'issues',
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
      family: 'issues',
      tracker: true,
      parsesBody: true,
      success: 200,
      // Its body maps scroll ids to scroll tokens: any key a mutation adds names no scroll.
      body: { base: {}, emptyIsInvalid: false, fields: {} },
    },
    {
      method: 'POST',
      route: '/issues/_findByUnique',
      family: 'issues',
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
      family: 'worklogs',
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
      family: 'worklogs',
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
      family: 'worklogs',
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
      family: 'worklogs',
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
      family: 'worklogs',
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
      family: 'users',
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
      family: 'users',
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
      family: 'users',
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
      family: 'imports',
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
      family: 'imports',
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
      family: 'imports',
      tracker: false,
      parsesBody: true,
      success: 200,
      params: { id: { valid: () => String(ids().batchToRollBack), bad: badIdSegment(() => ids().batchToRollBack) } },
      badHeaders: writeHeaders,
    },
    // Reads: their path segments and query parameters.
    { method: 'GET', route: '/users', family: 'users', tracker: true, parsesBody: false, success: 200, query: pageQuery },
    {
      method: 'GET',
      route: '/users/:user',
      family: 'users',
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
      family: 'issues',
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
    {
      method: 'GET',
      route: '/issues/:issue',
      family: 'issues',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: { issue: issueParam },
    },
    {
      method: 'GET',
      route: '/issues/:issue/worklog',
      family: 'worklogs',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: { issue: issueParam },
      query: { base: [], params: { perPage: { single: true, bad: badPerPage }, id: { single: true, bad: badCursor } } },
    },
    {
      method: 'GET',
      route: '/issues/:issue/worklog/:worklogId',
      family: 'worklogs',
      tracker: true,
      parsesBody: false,
      success: 200,
      params: { issue: issueParam, worklogId: { valid: () => String(ids().worklogToEdit), bad: badIdSegment(() => ids().worklogToEdit) } },
    },
    {
      method: 'GET',
      route: '/worklog',
      family: 'worklogs',
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
      family: 'issues',
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
      family: 'imports',
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
      family: 'imports',
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
      family: 'imports',
      tracker: false,
      parsesBody: false,
      success: 200,
      params: { id: { valid: () => String(ids().batch), bad: badIdSegment(() => ids().batch) } },
    },
    {
      method: 'GET',
      route: '/timeport/v1/reports/time-spent',
      family: 'reports',
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
      family: 'reports',
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
