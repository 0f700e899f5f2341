import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { Problem, invalidFields } from '../../../domain/errors.js';
import { formatTrackerTimestamp } from '../../../domain/timestamp.js';
import {
  type BatchEntryInput,
  type BatchResult,
  MAX_BATCH_ENTRIES,
  MAX_EXTERNAL_ID_LENGTH,
  getImportBatch,
  importWorklogBatch,
  listImportBatches,
  rollbackImportBatch,
} from '../../../service/batch-import.js';
import type { User } from '../../../domain/accounts.js';
import type { ImportBatch } from '../../../domain/worklog.js';
import { failedPartErrors, problemBody } from '../../plugins/errors.js';
import { type Links, timeportUrl, userReference } from '../../representations.js';
import { PerPage, Strict } from '../../schemas/requests.js';
import { ERROR_ANSWERS, answers } from '../../schemas/errors.js';
import {
  type BatchAnswer,
  type BatchEntryResult,
  type CapabilitiesAnswer,
  type ImportBatchAnswer,
  BatchAnswerObject,
  BatchRefusalObject,
  CapabilitiesObject,
  ImportBatchDetailObject,
  ImportBatchObject,
  ImportBatchRollbackObject,
} from '../../schemas/timeport.js';
import { DEFAULT_PAGE_SIZE, setCursorLink } from '../../paging.js';
import { validatorCompiler, describeValidationErrors } from '../../validation.js';
import { ImportWorklogBody } from '../tracker/worklogs.js';
import { type RouteOptions, linksOf } from '../options.js';
import { registerBatchBodyParser } from '../../batch-body.js';
import { adminOnly } from '../../plugins/auth.js';
import { MAX_EXTERNAL_PAGE, MAX_WORKLOG_CHANGES } from '../../../service/worklog-changes.js';
import { CHANGES_BODY_LIMIT, EXTERNAL_WORKLOGS_PATH, WORKLOG_CHANGES_PATH } from './worklog-changes.js';

/**
 * A batch request may be far larger than the server's default body limit (1 MiB): 10,000 entries
 * with comments. This route alone accepts up to 32 MiB, over 3 KiB for each of the most entries a
 * batch may hold (an entry without a comment takes a few hundred bytes); the capabilities answer
 * says so, and the `timeport import` client sizes its batches below it. Its body is parsed as it
 * arrives, bounded in entries, nesting and envelope (api/batch-body.ts).
 */
export const BATCH_BODY_LIMIT = 32 * 1024 * 1024;

/** A batch's envelope (`mode`, `dryRun`, `source`) needs well under this outside its entries. */
const MAX_BATCH_ENVELOPE_CHARS = 64 * 1024;

export const BATCH_IMPORT_PATH = '/timeport/v1/worklogs/_import';

/** One batch entry: the single import's body, plus the issue and the entry's id in its source. */
const BatchEntry = Type.Object(
  {
    ...ImportWorklogBody.properties,
    issue: Type.String({ minLength: 1, maxLength: 64, description: 'an issue key such as MIG-12' }),
    externalId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_EXTERNAL_ID_LENGTH })),
  },
  Strict,
);

/**
 * Entries are checked one by one (below) rather than by the body schema, so that in partial mode
 * one malformed entry fails alone, with the same messages the single import gives.
 */
const BatchBody = Type.Object(
  {
    entries: Type.Array(Type.Unknown(), { maxItems: MAX_BATCH_ENTRIES }),
    mode: Type.Optional(Type.Union([Type.Literal('atomic'), Type.Literal('partial')], { description: '"atomic" or "partial"' })),
    dryRun: Type.Optional(Type.Boolean()),
    source: Type.Optional(Type.String({ maxLength: 500 })),
  },
  Strict,
);

const checkEntry = validatorCompiler({ schema: BatchEntry, method: 'POST', url: BATCH_IMPORT_PATH, httpPart: 'body' }) as (
  data: unknown,
) => { value?: unknown; error?: Error & { validation?: Parameters<typeof describeValidationErrors>[0] } };

function toEntryInput(raw: unknown): BatchEntryInput {
  const externalId =
    typeof raw === 'object' && raw !== null && typeof (raw as { externalId?: unknown }).externalId === 'string'
      ? (raw as { externalId: string }).externalId
      : undefined;
  const result = checkEntry(raw);
  if (result.error !== undefined) {
    const { fields, general } = describeValidationErrors(result.error.validation ?? [], 'body');
    const problem =
      general.length > 0
        ? new Problem(
            'invalid',
            general.map((text) => text.replace('The request body', 'The entry')),
            fields,
          )
        : invalidFields(fields);
    return { ok: false, externalId, problem };
  }
  const { issue, externalId: id, ...fields } = raw as Static<typeof BatchEntry>;
  return { ok: true, issue, externalId: id, fields };
}

function batchAnswer(result: BatchResult, dryRun: boolean, mode: string, source: string | undefined): BatchAnswer {
  return {
    ...(result.batch === undefined ? {} : { id: result.batch.id }),
    mode,
    dryRun,
    ...(source === undefined ? {} : { source }),
    stored: result.stored,
    counts: result.counts,
    results: result.outcomes.map((outcome): BatchEntryResult => {
      const base = { index: outcome.index, ...(outcome.externalId === undefined ? {} : { externalId: outcome.externalId }) };
      switch (outcome.status) {
        case 'created':
          return dryRun || !result.stored
            ? { ...base, status: 'valid', issue: outcome.issue }
            : { ...base, status: 'created', id: outcome.worklogId, issue: outcome.issue };
        case 'alreadyPresent':
          return { ...base, status: 'alreadyPresent', id: outcome.worklogId };
        case 'failed':
          return { ...base, status: 'failed', error: problemBody(outcome.problem) };
      }
    }),
  };
}

/** The ledger's shape: the web page reads `id, createdAt, createdBy, counts, source`. */
export function batchResource(batch: ImportBatch, users: Map<number, User>, links: Links): ImportBatchAnswer {
  const user = (uid: number) => {
    const found = users.get(uid);
    if (found === undefined) throw new Error(`user ${uid} was not loaded`);
    return userReference(found, links);
  };
  return {
    self: timeportUrl(links, `imports/${batch.id}`),
    id: batch.id,
    createdAt: formatTrackerTimestamp(batch.createdAt),
    createdBy: user(batch.createdBy),
    source: batch.source ?? undefined,
    mode: batch.mode,
    counts: { created: batch.createdCount, alreadyPresent: batch.alreadyPresentCount, failed: batch.failedCount },
    rolledBackAt: batch.rolledBackAt === null ? undefined : formatTrackerTimestamp(batch.rolledBackAt),
    rolledBackBy: batch.rolledBackBy === null ? undefined : user(batch.rolledBackBy),
  };
}

const BatchIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
const BatchListQuery = Type.Object({
  perPage: PerPage,
  id: Type.Optional(Type.Integer({ minimum: 1 })),
});

/**
 * Timeport extension (issue 5): the batch import, the import ledger and its rollback, and the
 * capabilities document through which `timeport import` discovers them. Tracker has none of it;
 * a client must not assume them without asking `GET /timeport/v1/capabilities`.
 */
const importRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  const capabilities: CapabilitiesAnswer = {
    timeport: true,
    worklogBatchImport: {
      path: BATCH_IMPORT_PATH,
      maxEntries: MAX_BATCH_ENTRIES,
      maxBodyBytes: BATCH_BODY_LIMIT,
      maxExternalIdLength: MAX_EXTERNAL_ID_LENGTH,
      modes: ['atomic', 'partial'],
      dryRun: true,
    },
    importLedger: { path: '/timeport/v1/imports', rollback: true },
    worklogChanges: { path: WORKLOG_CHANGES_PATH, maxChanges: MAX_WORKLOG_CHANGES, maxBodyBytes: CHANGES_BODY_LIMIT },
    worklogExternalList: { path: EXTERNAL_WORKLOGS_PATH, maxPerPage: MAX_EXTERNAL_PAGE },
  };
  app.get('/capabilities', { schema: { response: answers({ 200: CapabilitiesObject }) } }, async () => capabilities);

  // A context of its own: the batch's body parser (batch-body.ts) serves this route alone.
  await app.register(async (batchScope) => {
    registerBatchBodyParser(batchScope, { maxEntries: MAX_BATCH_ENTRIES, maxEnvelopeChars: MAX_BATCH_ENVELOPE_CHARS });
    batchScope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/worklogs/_import',
      {
        bodyLimit: BATCH_BODY_LIMIT,
        // An atomic batch refused for its entries answers 422 with their results (BatchRefusal).
        schema: { body: BatchBody, response: { 200: BatchAnswerObject, ...ERROR_ANSWERS, 422: BatchRefusalObject } },
        // Admin only: refused from the headers, before a byte of the body is read (issue 14).
        onRequest: adminOnly('import time entries'),
      },
      async (request, reply) => {
        const { entries, dryRun = false, mode = 'partial', source } = request.body;
        if (entries.length === 0) throw invalidFields({ entries: 'must hold at least one entry' });
        const result = await importWorklogBatch(request.services, request.caller, entries.map(toEntryInput), { mode, dryRun, source });
        const answer = batchAnswer(result, dryRun, mode, source);
        if (mode === 'atomic' && result.counts.failed > 0) {
          // Refused as a whole: Tracker's error body, with the per-entry results beside it.
          const errors = failedPartErrors('entries', result.outcomes);
          return reply.code(422).send({
            errors,
            errorsData: {},
            errorMessages: [
              `The atomic batch was refused: ${result.counts.failed} of ${entries.length} entries have errors${dryRun ? '' : '; nothing was stored'}.`,
            ],
            statusCode: 422,
            ...answer,
          });
        }
        return answer;
      },
    );
  });

  app.get(
    '/imports',
    {
      schema: { querystring: BatchListQuery, response: answers({ 200: Type.Array(ImportBatchObject) }) },
      onRequest: adminOnly('see import batches'),
    },
    async (request, reply) => {
      const perPage = request.query.perPage ?? DEFAULT_PAGE_SIZE;
      const page = await listImportBatches(request.services, request.caller, { perPage, beforeId: request.query.id });
      setCursorLink(reply, timeportUrl(links, 'imports'), perPage, page.nextBeforeId);
      return page.batches.map((batch) => batchResource(batch, page.users, links));
    },
  );

  app.get(
    '/imports/:id',
    { schema: { params: BatchIdParams, response: answers({ 200: ImportBatchDetailObject }) }, onRequest: adminOnly('see import batches') },
    async (request) => {
      const view = await getImportBatch(request.services, request.caller, request.params.id);
      return { ...batchResource(view.batch, view.users, links), remainingWorklogs: view.remainingWorklogs };
    },
  );

  app.delete(
    '/imports/:id',
    {
      schema: { params: BatchIdParams, response: answers({ 200: ImportBatchRollbackObject }) },
      onRequest: adminOnly('roll back import batches'),
    },
    async (request) => {
      const view = await rollbackImportBatch(request.services, request.caller, request.params.id);
      return { ...batchResource(view.batch, view.users, links), remainingWorklogs: view.remainingWorklogs, removed: view.removed };
    },
  );
};

export default importRoutes;
