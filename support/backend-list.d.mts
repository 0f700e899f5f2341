/** Types of support/backend-list.mjs (plain JavaScript, so that scripts/run-tests.mjs reads it without tsx). */
export declare const ONE_BACKEND: Readonly<Record<string, string>>;
export declare function oneBackendReason(file: string, env?: NodeJS.ProcessEnv): string | undefined;
export declare function postgresPassFiles(files: readonly string[], env?: NodeJS.ProcessEnv): string[];
export declare function claimsLeftOut(claimed: Iterable<string>, env?: NodeJS.ProcessEnv): string[];
