import v8 from 'node:v8';

/**
 * How far past what its last full collection kept V8 may grow the old generation while an import
 * or a reconcile streams its files, and while the server runs: 50%. By default V8 picks a factor
 * of up to 4 from how fast it collects and the program allocates; a streaming import, or a server
 * taking batches of thousands of entries, allocates fast, so the heap ran to several times its
 * live data. The bound lowered both peaks in large imports at no cost in time (the figures are in
 * BENCHMARKS.md, "2026-11-29 (later): the CLI's memory" and "The young generation").
 */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Whether `node` was given its own heap growing percent on its command line (Node refuses the flag
 * in NODE_OPTIONS, so that is the only place it can come from).
 */
export function heapGrowthGivenToNode(execArgv: readonly string[]): boolean {
  return execArgv.some((argument) => FLAG.test(argument));
}

/**
 * Sets V8's heap growing percent for the rest of this process, unless `node` was given one. V8
 * reads the flag each time it sets the next collection's limit, so setting it at run time acts
 * like giving it at start (unlike the young generation's size, which V8 fixes at start).
 * Answers whether it was set.
 */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT): boolean {
  if (heapGrowthGivenToNode(process.execArgv)) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
