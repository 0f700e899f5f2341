/** The isolation matrix's rows for the batch import, changes, ledger and external-id routes (test/security/isolation/rows.ts gathers them). */
import assert from 'node:assert/strict';
import { type Row, batchEntry, list, NOT_FOUND, T } from './world.js';

/** Imports: the Timeport extensions. */
export const importsTimeportRows: Row[] = [
  {
    method: 'POST',
    route: `${T}/worklogs/_import`,
    adminOnly: true,
    probes: (w) => {
      const refusedAs = (status: number) => (body: unknown) => {
        const answer = body as { stored: boolean; results: { status: string; error?: { statusCode: number } }[] };
        assert.equal(answer.stored, false);
        assert.deepEqual(
          answer.results.map((result) => [result.status, result.error?.statusCode]),
          [['failed', status]],
        );
      };
      return [
        {
          label: "A's issue by key",
          url: `${T}/worklogs/_import`,
          payload: { mode: 'atomic', entries: [batchEntry(w.a.issueKey)] },
          inOwnOrg: 422,
          check: refusedAs(404),
        },
        {
          label: "A's issue by id",
          url: `${T}/worklogs/_import`,
          payload: { mode: 'atomic', entries: [batchEntry(w.a.issueId)] },
          inOwnOrg: 422,
          check: refusedAs(404),
        },
        {
          label: "A's member as author",
          url: `${T}/worklogs/_import`,
          payload: { mode: 'atomic', entries: [batchEntry(w.b.issueKey, { createdBy: w.a.memberUid })] },
          inOwnOrg: 422,
          check: refusedAs(422),
        },
        {
          label: "A's issue, dry run",
          url: `${T}/worklogs/_import`,
          payload: { dryRun: true, entries: [batchEntry(w.a.issueKey)] },
          inOwnOrg: 200,
          check: refusedAs(404),
        },
        {
          // External ids are per organization: A's is new to B, never "already present" as A's worklog.
          label: "A's external id, dry run",
          url: `${T}/worklogs/_import`,
          payload: { dryRun: true, entries: [batchEntry(w.b.issueKey, { externalId: `${w.a.id}-ext-1` })] },
          inOwnOrg: 200,
          check: (body) => {
            const answer = body as { stored: boolean; results: { status: string; id?: number }[] };
            assert.equal(answer.stored, false);
            assert.deepEqual(
              answer.results.map((result) => [result.status, result.id]),
              [['valid', undefined]],
            );
          },
        },
      ];
    },
    valid: (w) => ({ url: `${T}/worklogs/_import`, payload: { mode: 'atomic', entries: [batchEntry(w.a.issueKey)] }, status: 200 }),
  },
  {
    method: 'GET',
    route: `${T}/worklogs/_external`,
    adminOnly: true,
    probes: (w) => {
      const none = (body: unknown) => assert.deepEqual(body, [], "B's ledger listing shows A's worklogs");
      return [
        {
          label: "A's external ids by prefix",
          url: `${T}/worklogs/_external?prefix=${w.a.id}-ext&perPage=1000`,
          inOwnOrg: 200,
          check: none,
        },
        {
          label: "A's batch source",
          url: `${T}/worklogs/_external?source=${encodeURIComponent(`${w.a.id}-secret source 1`)}`,
          inOwnOrg: 200,
          check: none,
        },
        {
          label: 'the whole listing',
          url: `${T}/worklogs/_external?perPage=1000`,
          inOwnOrg: 200,
          check: (body) => {
            for (const item of body as { externalId: string }[])
              assert.ok(!item.externalId.startsWith(`${w.a.id}-`), `B's listing holds ${item.externalId}`);
          },
        },
      ];
    },
    valid: (w) => ({ url: `${T}/worklogs/_external?prefix=${w.a.id}-ext`, status: 200 }),
  },
  {
    method: 'POST',
    route: `${T}/worklogs/_changes`,
    adminOnly: true,
    probes: (w) => {
      // External ids are per organization: A's is unknown to B (404 inside the refused batch).
      const refusedAsUnknown = (body: unknown) => {
        const answer = body as { stored: boolean; results: { status: string; error?: { statusCode: number } }[] };
        assert.equal(answer.stored, false);
        assert.deepEqual(
          answer.results.map((result) => [result.status, result.error?.statusCode]),
          [['failed', 404]],
        );
      };
      return [
        {
          label: "A's external id, deleted",
          url: `${T}/worklogs/_changes`,
          payload: { changes: [{ action: 'delete', externalId: `${w.a.id}-ext-1` }] },
          inOwnOrg: 422,
          check: refusedAsUnknown,
        },
        {
          label: "A's external id, updated in a dry run",
          url: `${T}/worklogs/_changes`,
          payload: { dryRun: true, changes: [{ action: 'update', externalId: `${w.a.id}-ext-1`, duration: 'PT2H' }] },
          inOwnOrg: 422,
          check: refusedAsUnknown,
        },
      ];
    },
    valid: (w) => ({
      url: `${T}/worklogs/_changes`,
      payload: { dryRun: true, changes: [{ action: 'update', externalId: `${w.a.id}-ext-1`, comment: 'changed' }] },
      status: 200,
    }),
  },
  {
    method: 'GET',
    route: `${T}/imports`,
    adminOnly: true,
    probes: (w) => [
      {
        label: 'the import ledger',
        url: `${T}/imports?perPage=1000`,
        inOwnOrg: 200,
        check: (body) => {
          const ids = list(body).map((batch) => batch.id);
          assert.ok(!ids.includes(w.a.batchId) && !ids.includes(w.a.rollbackBatchId), `B's ledger lists A's batches: ${ids.join(',')}`);
        },
      },
      {
        label: "after A's batch",
        url: `${T}/imports?id=${w.a.rollbackBatchId + 1}`,
        inOwnOrg: 200,
        check: (body) => assert.ok(!list(body).some((batch) => batch.id === w.a.batchId)),
      },
    ],
    valid: () => ({ url: `${T}/imports`, status: 200 }),
  },
  {
    method: 'GET',
    route: `${T}/imports/:id`,
    adminOnly: true,
    probes: (w) => [
      { label: "A's batch", url: `${T}/imports/${w.a.batchId}`, inOwnOrg: NOT_FOUND },
      { label: "A's other batch", url: `${T}/imports/${w.a.rollbackBatchId}`, inOwnOrg: NOT_FOUND },
    ],
    valid: (w) => ({ url: `${T}/imports/${w.a.batchId}`, status: 200 }),
  },
  {
    method: 'DELETE',
    route: `${T}/imports/:id`,
    adminOnly: true,
    probes: (w) => [
      { label: "A's batch", url: `${T}/imports/${w.a.batchId}`, inOwnOrg: NOT_FOUND },
      { label: "A's other batch", url: `${T}/imports/${w.a.rollbackBatchId}`, inOwnOrg: NOT_FOUND },
    ],
    valid: (w) => ({ url: `${T}/imports/${w.a.rollbackBatchId}`, status: 200 }),
  },
];
