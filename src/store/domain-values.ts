import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/**
 * Turns the storage formats of result rows into domain values before anything above the store sees
 * them: the 0/1 flags `isAdmin` and `dismissed` (users) and `imported` (worklogs) become booleans, the JSON text columns
 * `extra` (queues, issues) and `details` (audit events) become objects. The same on SQLite and
 * PostgreSQL, for every statement (the prepared ones of prepared-query.ts too), so no row type in
 * schema.ts says one thing while the row holds another. Runs after the CamelCasePlugin, so it sees
 * camelCase names; these names mean these columns everywhere in the schema (schema.ts). Rows are
 * changed in place: they are the plugin chain's own, fresh per query.
 */
export class DomainValuesPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of args.result.rows) toDomainValues(row);
    return args.result;
  }
}

const FLAGS = ['isAdmin', 'dismissed', 'imported'] as const;
const JSON_TEXTS = ['extra', 'details'] as const;

export function toDomainValues(row: UnknownRow): void {
  for (const flag of FLAGS) {
    const value = row[flag];
    if (typeof value === 'number') row[flag] = value === 1;
  }
  for (const column of JSON_TEXTS) {
    const value = row[column];
    if (typeof value === 'string') row[column] = JSON.parse(value) as unknown;
  }
}
