import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, type TSchema, Type } from 'typebox';
import { Problem, invalidFields } from '../../../domain/errors.js';
import { MAX_EXTERNAL_ID_LENGTH } from '../../../service/batch-import.js';
import {
  type ChangeAction,
  type ChangeInput,
  type ChangesResult,
  MAX_EXTERNAL_PAGE,
  MAX_WORKLOG_CHANGES,
  applyWorklogChanges,
  listExternalWorklogs,
} from '../../../service/worklog-changes.js';
import { registerBatchBodyParser } from '../../batch-body.js';
import { adminOnly } from '../../plugins/auth.js';
import { failedPartErrors, problemBody } from '../../plugins/errors.js';
import { worklogResource } from '../../representations.js';
import { DEFAULT_PAGE_SIZE, setCursorLink } from '../../paging.js';
import { TrackerError, answers } from '../../schemas/errors.js';
import { Strict } from '../../schemas/requests.js';
import { WorklogObject } from '../../schemas/resources.js';
import { describeValidationErrors, validatorCompiler } from '../../validation.js';
import { WorklogEditBody } from '../tracker/worklogs.js';
import { type RouteOptions, linksOf } from '../options.js';

/**
 * Timeport extension (issue 18, point 3): what `timeport sync` needs of a Timeport target. The
 * worklogs that imports with external ids put there, with the version each had after its last
 * sync (`GET .../_external`), and their updates and deletes by external id, atomic per batch
 * (`POST .../_changes`). Capabilities name both (imports.ts); Tracker has neither.
 */

export const WORKLOG_CHANGES_PATH = '/timeport/v1/worklogs/_changes';
export const EXTERNAL_WORKLOGS_PATH = '/timeport/v1/worklogs/_external';

/** As for the batch import (imports.ts): 10,000 changes with comments need more than the default 1 MiB. */
export const CHANGES_BODY_LIMIT = 32 * 1024 * 1024;
/** `source` and `dryRun` need well under this outside the changes. */
const MAX_CHANGES_ENVELOPE_CHARS = 64 * 1024;

const ExternalId = Type.String({ minLength: 1, maxLength: MAX_EXTERNAL_ID_LENGTH });
const IfVersion = Type.Optional(
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'the version the worklog must still have' }),
);

/** An update: PATCH's body (its schema and, in the service, its rules), with the external id and an optional version. */
const UpdateChange = Type.Object(
  { action: Type.Literal('update'), externalId: ExternalId, ifVersion: IfVersion, ...WorklogEditBody.properties },
  Strict,
);
const DeleteChange = Type.Object({ action: Type.Literal('delete'), externalId: ExternalId, ifVersion: IfVersion }, Strict);
/** What a change of neither kind is checked against, to say what its action should be. */
const ChangeHead = Type.Object({
  action: Type.Union([Type.Literal('update'), Type.Literal('delete')], { description: '"update" or "delete"' }),
  externalId: ExternalId,
});

/** The changes are checked one by one (below), so that each is answered with its own errors. */
const ChangesBody = Type.Object(
  {
    changes: Type.Array(Type.Unknown(), { maxItems: MAX_WORKLOG_CHANGES }),
    dryRun: Type.Optional(Type.Boolean()),
    source: Type.Optional(Type.String({ maxLength: 500 })),
  },
  Strict,
);

type Check = (data: unknown) => { error?: Error & { validation?: Parameters<typeof describeValidationErrors>[0] } };
const compile = (schema: TSchema): Check =>
  validatorCompiler({ schema, method: 'POST', url: WORKLOG_CHANGES_PATH, httpPart: 'body' }) as Check;
const checkUpdate = compile(UpdateChange);
const checkDelete = compile(DeleteChange);
const checkHead = compile(ChangeHead);

function toChangeInput(raw: unknown): ChangeInput {
  const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const externalId = typeof record.externalId === 'string' ? record.externalId : undefined;
  const action: ChangeAction | undefined = record.action === 'update' || record.action === 'delete' ? record.action : undefined;
  const check = action === 'update' ? checkUpdate : action === 'delete' ? checkDelete : checkHead;
  const { error } = check(raw);
  if (error !== undefined) {
    const { fields, general } = describeValidationErrors(error.validation ?? [], 'body');
    const problem =
      general.length > 0
        ? new Problem(
            'invalid',
            general.map((text) => text.replace('The request body', 'The change')),
            fields,
          )
        : invalidFields(fields);
    return { ok: false, action, externalId, problem };
  }
  if (action === 'delete') {
    const change = raw as Static<typeof DeleteChange>;
    return { ok: true, action, externalId: change.externalId, ifVersion: change.ifVersion };
  }
  const { externalId: id, ifVersion, action: _action, ...fields } = raw as Static<typeof UpdateChange>;
  return { ok: true, action: 'update', externalId: id, ifVersion, fields };
}

// The answers' shapes, declared so that they are documented and serialised exactly.
const Action = Type.Union([Type.Literal('update'), Type.Literal('delete')]);
const ChangeResultAnswer = Type.Object({
  index: Type.Integer(),
  externalId: Type.Optional(Type.String()),
  action: Type.Optional(Action),
  status: Type.Union([Type.Literal('updated'), Type.Literal('deleted'), Type.Literal('valid'), Type.Literal('failed')]),
  id: Type.Optional(Type.Integer()),
  worklog: Type.Optional(WorklogObject),
  error: Type.Optional(TrackerError),
});
const ChangesAnswer = Type.Object({
  dryRun: Type.Boolean(),
  source: Type.Optional(Type.String()),
  stored: Type.Boolean(),
  counts: Type.Object({ updated: Type.Integer(), deleted: Type.Integer(), failed: Type.Integer() }),
  results: Type.Array(ChangeResultAnswer),
});
/** A refused batch has both; any other 422 (a malformed body) only Tracker's error body. */
const RefusedChanges = Type.Object({
  ...TrackerError.properties,
  dryRun: Type.Optional(Type.Boolean()),
  source: Type.Optional(Type.String()),
  stored: Type.Optional(Type.Boolean()),
  counts: Type.Optional(ChangesAnswer.properties.counts),
  results: Type.Optional(Type.Array(ChangeResultAnswer)),
});
const ExternalWorklogAnswer = Type.Object({
  externalId: Type.String(),
  source: Type.Union([Type.String(), Type.Null()]),
  syncedVersion: Type.Integer(),
  worklog: WorklogObject,
});

const ExternalQuery = Type.Object({
  source: Type.Optional(Type.String({ maxLength: 500, description: "the creating batch's source label, exactly" })),
  prefix: Type.Optional(Type.String({ maxLength: MAX_EXTERNAL_ID_LENGTH, description: 'the start of the external ids' })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXTERNAL_PAGE })),
  id: Type.Optional(Type.Integer({ minimum: 0, description: 'only worklogs with a greater id (the cursor)' })),
});

const worklogChangeRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  function answerOf(result: ChangesResult, dryRun: boolean, source: string | undefined): Static<typeof ChangesAnswer> {
    return {
      dryRun,
      ...(source === undefined ? {} : { source }),
      stored: result.stored,
      counts: result.counts,
      results: result.outcomes.map((outcome) => {
        const base = {
          index: outcome.index,
          ...(outcome.externalId === undefined ? {} : { externalId: outcome.externalId }),
          ...(outcome.action === undefined ? {} : { action: outcome.action }),
        };
        switch (outcome.status) {
          case 'updated': {
            const issue = result.issues.get(outcome.worklog.issueId);
            if (issue === undefined) throw new Error(`issue ${outcome.worklog.issueId} was not loaded`);
            return {
              ...base,
              status: 'updated',
              id: outcome.worklog.id,
              worklog: worklogResource(outcome.worklog, issue, result.users, links),
            };
          }
          case 'deleted':
          case 'valid':
            return { ...base, status: outcome.status, id: outcome.worklogId };
          case 'failed':
            return { ...base, status: 'failed', error: problemBody(outcome.problem) };
        }
      }),
    };
  }

  app.get(
    '/worklogs/_external',
    {
      schema: {
        querystring: ExternalQuery,
        response: answers({ 200: Type.Array(ExternalWorklogAnswer) }),
      },
      onRequest: adminOnly('list imported time entries'),
    },
    async (request, reply) => {
      const { source, prefix } = request.query;
      const perPage = request.query.perPage ?? DEFAULT_PAGE_SIZE;
      // Ids never exceed 2^53-1; a larger cursor means "after every id" (PostgreSQL refuses a bigint above 2^63-1).
      const afterId = request.query.id === undefined ? undefined : Math.min(request.query.id, Number.MAX_SAFE_INTEGER);
      const page = await listExternalWorklogs(request.services, request.caller, { source, prefix, perPage, afterId });
      // The next page keeps the filters.
      setCursorLink(reply, `${links.base}${EXTERNAL_WORKLOGS_PATH}`, perPage, page.nextAfterId, { source, prefix });
      return page.items.map((item) => {
        const issue = page.issues.get(item.worklog.issueId);
        if (issue === undefined) throw new Error(`issue ${item.worklog.issueId} was not loaded`);
        return {
          externalId: item.externalId,
          source: item.source,
          syncedVersion: item.syncedVersion,
          worklog: worklogResource(item.worklog, issue, page.users, links),
        };
      });
    },
  );

  // A context of its own: the streaming body parser (batch-body.ts) serves this route alone.
  await app.register(async (changesScope) => {
    registerBatchBodyParser(changesScope, {
      maxEntries: MAX_WORKLOG_CHANGES,
      maxEnvelopeChars: MAX_CHANGES_ENVELOPE_CHARS,
      entriesField: 'changes',
    });
    changesScope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/worklogs/_changes',
      {
        bodyLimit: CHANGES_BODY_LIMIT,
        schema: { body: ChangesBody, response: { ...answers({ 200: ChangesAnswer }), 422: RefusedChanges } },
        // Admin only: refused from the headers, before a byte of the body is read (issue 14).
        onRequest: adminOnly('change imported time entries'),
      },
      async (request, reply) => {
        const { changes, dryRun = false, source } = request.body;
        if (changes.length === 0) throw invalidFields({ changes: 'must hold at least one change' });
        const result = await applyWorklogChanges(request.services, request.caller, changes.map(toChangeInput), { dryRun, source });
        const answer = answerOf(result, dryRun, source);
        if (result.counts.failed === 0) return reply.code(200).send(answer);
        // Refused as a whole: Tracker's error body, with the per-change results beside it.
        const errors = failedPartErrors('changes', result.outcomes);
        return reply.code(422).send({
          errors,
          errorsData: {},
          errorMessages: [`The batch was refused: ${result.counts.failed} of ${changes.length} changes have errors; nothing was stored.`],
          statusCode: 422,
          ...answer,
        });
      },
    );
  });
};

export default worklogChangeRoutes;
