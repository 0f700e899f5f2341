/**
 * A conditional write's precondition: any version, or exactly this one (HTTP's `If-Match` is read
 * into it by the API layer, api/if-match.ts).
 */
export type VersionPrecondition = { kind: 'any' } | { kind: 'version'; version: number };

/** The version a conditional write must find, or undefined when any version will do. */
export const requiredVersion = (precondition: VersionPrecondition | undefined): number | undefined =>
  precondition?.kind === 'version' ? precondition.version : undefined;
