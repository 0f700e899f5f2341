import { Problem, conflict, refusalProblem } from '../domain/errors.js';
import { checkFields, ruleResult } from '../domain/result.js';
import { ORG_ID_PATTERN, ORG_ID_RULE } from '../domain/keys.js';
import type { Organization, User } from '../domain/accounts.js';
import type { ServiceContext } from './context.js';
import { writeTransaction } from './idempotency.js';
import { anyOrganizationExists, insertOrganization, organizationNamedBy } from '../store/organizations.js';
import { chosenTokenError } from './secrets.js';
import { insertToken } from './tokens.js';
import { insertUser } from './users.js';

export interface NewOrganization {
  id: string;
  cloudOrgId?: string | undefined;
  name?: string | undefined;
  adminLogin: string;
  /** A token chosen by the operator for the first admin; a random one is made otherwise. */
  adminToken?: string | undefined;
}

export interface CreatedOrganization {
  org: Organization;
  admin: User;
  /** The admin's token, in clear: shown once, never stored. */
  token: string;
}

/** Creates an organization with its first administrator and that administrator's token. */
export async function createOrganization(ctx: ServiceContext, fields: NewOrganization): Promise<CreatedOrganization> {
  const orgIdRule = (value: string | undefined) =>
    ruleResult(value === undefined || ORG_ID_PATTERN.test(value) ? undefined : `${JSON.stringify(value)} is not valid: ${ORG_ID_RULE}`);
  const checked = checkFields({
    id: orgIdRule(fields.id),
    cloudOrgId: orgIdRule(fields.cloudOrgId),
    token: ruleResult(fields.adminToken === undefined ? undefined : chosenTokenError(fields.adminToken)),
  });
  if (!checked.ok) throw refusalProblem(checked.error);
  const now = ctx.now();
  // Through the write path (on SQLite: BEGIN IMMEDIATE), so that beside a running server the
  // command waits for the write lock instead of failing when its read went stale.
  return writeTransaction(ctx, async (trx) => {
    // Ids and cloud ids share one namespace: a client names an organization by either header, and
    // a value that is one organization's id and another's cloud id would name two.
    const wanted = fields.cloudOrgId === undefined ? [fields.id] : [fields.id, fields.cloudOrgId];
    const taken = await organizationNamedBy(trx, wanted);
    if (taken !== undefined) {
      const clash = wanted.find((value) => value === taken.id || value === taken.cloudOrgId) ?? fields.id;
      const as = clash === taken.id ? 'its id' : 'its cloud id';
      throw conflict(
        `Organization ${taken.id} already exists or uses this id (${JSON.stringify(clash)} is ${as}); organization ids and cloud ids must all differ.`,
      );
    }
    const org: Organization = {
      id: fields.id,
      cloudOrgId: fields.cloudOrgId ?? null,
      name: fields.name ?? `Organization ${fields.id}`,
      createdAt: now,
    };
    await insertOrganization(trx, org);
    const admin = await insertUser(trx, org.id, { login: fields.adminLogin, display: 'Administrator', isAdmin: true }, now);
    const token = await insertToken(trx, admin.uid, now, fields.adminToken);
    return { org, admin, token };
  });
}

export interface BootstrapResult {
  created?: CreatedOrganization;
  /** Whether the admin token was chosen by the operator (and so must not be printed). */
  tokenWasChosen: boolean;
}

/**
 * On the first start of an empty database, creates the default organization and its `admin`
 * user. A database that already holds any organization is left as it is.
 */
export async function bootstrapOrganization(ctx: ServiceContext, orgId: string, adminToken: string | undefined): Promise<BootstrapResult> {
  if (await anyOrganizationExists(ctx.store.db)) return { tokenWasChosen: adminToken !== undefined };
  try {
    const created = await createOrganization(ctx, { id: orgId, adminLogin: 'admin', adminToken });
    return { created, tokenWasChosen: adminToken !== undefined };
  } catch (error) {
    // Another process bootstrapping the same file at the same moment won the race: nothing to do.
    if (error instanceof Problem && error.kind === 'conflict') return { tokenWasChosen: adminToken !== undefined };
    throw error;
  }
}

/**
 * Whether the organization a request names is `org`. `X-Org-ID` wins over `X-Cloud-Org-ID`; the
 * value `not provided` (sent by the official client) counts as absent
 * (docs/tracker-api.md §Auth and organizations); naming none is not naming the caller's. Compared
 * with the caller's own organization, which the token lookup brings along, so naming it costs no
 * query.
 */
export function namesOrganization(org: Organization, orgHeader: string | undefined, cloudOrgHeader: string | undefined): boolean {
  const given = (value: string | undefined) =>
    value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'not provided' ? undefined : value.trim();
  const orgId = given(orgHeader);
  if (orgId !== undefined) return orgId === org.id;
  const cloudOrgId = given(cloudOrgHeader);
  return cloudOrgId !== undefined && cloudOrgId === org.cloudOrgId;
}
