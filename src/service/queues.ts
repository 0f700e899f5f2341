import { recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { type CatalogueName, DEFAULT_ISSUE_TYPE, DEFAULT_PRIORITY, findCatalogueEntry } from '../domain/catalogue.js';
import { conflict, notFound, refusalProblem } from '../domain/errors.js';
import { type Result, accepted, checkFields, refused, ruleResult } from '../domain/result.js';
import type { QueueExtra } from '../domain/issue.js';
import { QUEUE_KEY_PATTERN, QUEUE_KEY_RULE, asciiUpperCase, isNumericId } from '../domain/keys.js';
import type { DbHandle } from '../store/database.js';
import type { User } from '../domain/accounts.js';
import type { Queue } from '../domain/issue.js';
import * as queueStore from '../store/queues.js';
import { userByUid } from '../store/users.js';
import type { Caller, ServiceContext } from './context.js';
import { type UserReference, requireAdmin, userReference } from './users.js';

export type CatalogueReference = string | number | { id?: string | number; key?: string };

export interface NewQueueFields {
  key: string;
  name: string;
  lead: UserReference;
  description?: string | undefined;
  defaultType?: CatalogueReference | undefined;
  defaultPriority?: CatalogueReference | undefined;
  /** Kept as given and answered back; Timeport has one workflow for all queues. */
  issueTypesConfig?: unknown[] | undefined;
  assignAuto?: boolean | undefined;
  allowExternals?: boolean | undefined;
  denyVoting?: boolean | undefined;
}

export type { QueueExtra } from '../domain/issue.js';

const MAX_QUEUE_NAME_LENGTH = 255;

/** The key of a catalogue entry named in a request body (the fallback when none is named), or its field's message. */
export function catalogueReference(name: CatalogueName, reference: CatalogueReference | undefined, fallback: string): Result<string> {
  if (reference === undefined) return accepted(fallback);
  const entry = findCatalogueEntry(name, reference);
  if (entry === undefined) {
    return refused(`${JSON.stringify(reference)} is not a known ${name.replace(/s$/, '').replace('issuetype', 'issue type')}`);
  }
  return accepted(entry.key);
}

/** Creates a queue: org admins only, as in Tracker. */
/** A queue with its lead, everything needed to show it. */
export interface QueueView {
  queue: Queue;
  lead: User;
}

export async function createQueue(ctx: ServiceContext, caller: Caller, fields: NewQueueFields): Promise<QueueView> {
  requireAdmin(caller, 'create queues');
  return writeTransaction(ctx, async (trx) => {
    const checked = checkFields({
      key: ruleResult(QUEUE_KEY_PATTERN.test(fields.key) ? undefined : `${JSON.stringify(fields.key)} is not valid: ${QUEUE_KEY_RULE}`),
      name: ruleResult(
        fields.name.trim() === '' || fields.name.length > MAX_QUEUE_NAME_LENGTH
          ? `must be 1 to ${MAX_QUEUE_NAME_LENGTH} characters and not blank`
          : undefined,
      ),
      lead: await userReference(trx, caller.org.id, fields.lead),
      defaultType: catalogueReference('issuetypes', fields.defaultType, DEFAULT_ISSUE_TYPE),
      defaultPriority: catalogueReference('priorities', fields.defaultPriority, DEFAULT_PRIORITY),
    });
    if (!checked.ok) throw refusalProblem(checked.error);
    const { lead, defaultType, defaultPriority } = checked.value;
    if ((await queueStore.queueIdByKey(trx, caller.org.id, fields.key)) !== undefined)
      throw conflict(`Queue ${fields.key} already exists.`, { key: 'is already taken' });
    const extra: QueueExtra = {};
    if (fields.issueTypesConfig !== undefined) extra.issueTypesConfig = fields.issueTypesConfig;
    if (fields.assignAuto !== undefined) extra.assignAuto = fields.assignAuto;
    if (fields.allowExternals !== undefined) extra.allowExternals = fields.allowExternals;
    if (fields.denyVoting !== undefined) extra.denyVoting = fields.denyVoting;
    const queue = await queueStore.insertQueue(trx, {
      orgId: caller.org.id,
      key: fields.key,
      name: fields.name,
      description: fields.description ?? null,
      leadUid: lead.uid,
      defaultType,
      defaultPriority,
      extra,
      createdAt: ctx.now(),
    });
    await recordAudit(trx, ctx, caller.org.id, caller.user, { action: 'queue.create', details: { key: queue.key, name: queue.name } });
    return { queue, lead };
  });
}

/** A queue by key (any case) or numeric id, within the caller's organization. */
export async function getQueue(ctx: ServiceContext, caller: Caller, ref: string): Promise<QueueView> {
  const queue = await findQueue(ctx.store.db, caller.org.id, ref);
  if (queue === undefined) throw notFound('Queue does not exist.');
  const lead = await userByUid(ctx.store.db, queue.leadUid);
  return { queue, lead };
}

/** A queue of the organization by its key, in any case. */
export async function findQueueByKey(db: DbHandle, orgId: string, key: string): Promise<Queue | undefined> {
  return queueStore.findQueueByStoredKey(db, orgId, asciiUpperCase(key));
}

/** A queue of the organization by its id. */
export async function findQueueById(db: DbHandle, orgId: string, id: number): Promise<Queue | undefined> {
  return queueStore.findQueueById(db, orgId, id);
}

/** A queue named in a path or a query string, where only text arrives: digits name its id, anything else its key. */
export async function findQueue(db: DbHandle, orgId: string, ref: string | number): Promise<Queue | undefined> {
  return typeof ref === 'number' || isNumericId(ref) ? findQueueById(db, orgId, Number(ref)) : findQueueByKey(db, orgId, ref);
}
