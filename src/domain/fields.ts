/**
 * The issue fields Timeport knows, as `GET /v3/fields/` lists them
 * (docs/tracker-api.md §Official client, 3). The official client loads this list before it reads
 * any issue attribute: a field it finds here and does not find on an issue reads as `None`, or `[]`
 * when `schema.type` is `"array"`. So every field an issue may leave out must be listed. Types,
 * names and flags follow Tracker's own list.
 */
export interface FieldDefinition {
  readonly id: string;
  readonly name: string;
  readonly schema: { readonly type: string; readonly items?: string; readonly required?: boolean };
  readonly readonly: boolean;
  readonly options: boolean;
  readonly suggest: boolean;
}

const field = (
  id: string,
  name: string,
  type: string,
  flags: { required?: boolean; readonly?: boolean; options?: boolean; suggest?: boolean; items?: string } = {},
): FieldDefinition => ({
  id,
  name,
  schema: flags.items === undefined ? { type, required: flags.required ?? false } : { type, items: flags.items },
  readonly: flags.readonly ?? false,
  options: flags.options ?? false,
  suggest: flags.suggest ?? false,
});

export const SYSTEM_FIELDS: readonly FieldDefinition[] = [
  field('key', 'Key', 'string', { required: true, readonly: true, suggest: true }),
  field('summary', 'Summary', 'string', { required: true }),
  field('description', 'Description', 'text'),
  field('queue', 'Queue', 'queue', { required: true, readonly: true, options: true, suggest: true }),
  field('type', 'Type', 'issuetype', { required: true, options: true, suggest: true }),
  field('priority', 'Priority', 'priority', { required: true, options: true, suggest: true }),
  field('status', 'Status', 'status', { required: true, readonly: true, options: true, suggest: true }),
  field('resolution', 'Resolution', 'resolution', { options: true, suggest: true }),
  field('assignee', 'Assignee', 'user', { options: true, suggest: true }),
  field('followers', 'Followers', 'array', { items: 'user', options: true, suggest: true }),
  field('tags', 'Tags', 'array', { items: 'string', options: true, suggest: true }),
  field('aliases', 'Aliases', 'array', { items: 'string' }),
  field('createdBy', 'Author', 'user', { required: true, options: true, suggest: true }),
  field('createdAt', 'Created', 'datetime', { required: true, readonly: true }),
  field('updatedBy', 'Modifier', 'user', { required: true, readonly: true, options: true, suggest: true }),
  field('updatedAt', 'Updated', 'datetime', { required: true, readonly: true }),
  field('resolvedBy', 'Resolver', 'user', { readonly: true }),
  field('resolvedAt', 'Resolved', 'datetime', { readonly: true }),
  field('deadline', 'Deadline', 'date'),
  field('start', 'Start Date', 'date'),
  field('end', 'End Date', 'date'),
  field('storyPoints', 'Story Points', 'float'),
  field('originalEstimation', 'Original Estimate', 'timetracking'),
  field('estimation', 'Estimate', 'timetracking'),
  field('spent', 'Time Spent', 'timetracking', { readonly: true }),
  field('unique', 'UUID', 'string'),
  field('votes', 'Votes', 'integer', { readonly: true }),
  field('favorite', 'Favorite', 'boolean', { readonly: true }),
];

export const findSystemField = (id: string): FieldDefinition | undefined => SYSTEM_FIELDS.find((candidate) => candidate.id === id);
