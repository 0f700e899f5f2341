/**
 * A failure a command explains in one line, with exit code 1: a mistake in how it was called, a
 * backup that cannot be made. Its own module, so that `main` recognises it without loading the
 * command that threw it.
 */
export class CommandError extends Error {}
