import type { FastifySerializerCompiler } from 'fastify';

/**
 * Answers are serialized with their route's response schema (schemas/*.ts): a field the schema does
 * not declare is not sent, whatever a handler puts in the object. The fields that are sent keep the
 * order the handler built them in, and are written by JSON.stringify, exactly as before the schemas.
 *
 * Not Fastify's default (fast-json-stringify): it writes the required properties before the
 * optional ones, which would move `comment` to the end of a worklog, `description` to the end of
 * an issue and the report's dimensions after its figures, where the request's `groupBy` puts them
 * first and in its order (docs/decisions.md, "Serializing with schemas").
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  const project = projectorFor(schema);
  return (data: unknown) => JSON.stringify(project(data));
};

type Projector = (value: unknown) => unknown;

const asIs: Projector = (value) => value;

interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  patternProperties?: Record<string, unknown>;
  items?: unknown;
}

/**
 * What of a value its schema lets through: an object's declared properties (in the object's own
 * order), an array's items each by the items' schema; anything else as it is (strings, numbers,
 * `Type.Unknown()`, and unions, whose branch is not guessed).
 */
export function projectorFor(schema: unknown): Projector {
  if (schema === null || typeof schema !== 'object') return asIs;
  const { type, properties, additionalProperties, patternProperties, items } = schema as ObjectSchema;
  if (type === 'array' && items !== undefined) {
    const item = projectorFor(items);
    return item === asIs ? asIs : (value) => (Array.isArray(value) ? value.map(item) : value);
  }
  if (type !== 'object') return asIs;
  // A record (`Type.Record`) or an open object keeps every key; its values are not projected.
  const open = additionalProperties === true || patternProperties !== undefined;
  const declared = new Map(Object.entries(properties ?? {}).map(([name, property]) => [name, projectorFor(property)]));
  const extra = additionalProperties !== null && typeof additionalProperties === 'object' ? projectorFor(additionalProperties) : undefined;
  if (open && declared.size === 0) return asIs;
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) {
      const project = declared.get(name) ?? extra ?? (open ? asIs : undefined);
      if (project !== undefined) out[name] = project(field);
    }
    return out;
  };
}
