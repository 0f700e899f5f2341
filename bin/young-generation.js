// V8 fixes the size of its young generation when the process starts. Its default maximum grew
// with Node: 32 MiB on Node 22, 128 MiB on Node 24 and 64 MiB on Node 26, which on its own put
// the server and `timeport import` over their memory budgets (BENCHMARKS.md, "the young
// generation"). So on Node 24 and later the command starts itself again, once and in the same
// process (execve: same pid, stdio and environment), with Node 22's size, unless a size was given
// on node's command line or in NODE_OPTIONS. Imported by bin/timeport.js before anything else.
// The commands that only talk to the database or print a line skip the restart, which costs a
// start of Node (about 40 ms): they never come near the budgets.
const FLAG = '--max-semi-space-size';
const SHORT_COMMANDS = new Set(['org', 'user', 'token', 'backup', 'runs', 'help', '--help', '-h', '--version', '-V']);
const NODE22_SEMI_SPACE_MIB = 16;
const major = Number(process.versions.node.split('.')[0]);
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some(
  (argument) => argument === FLAG || argument.startsWith(`${FLAG}=`) || argument.startsWith('--max_semi_space_size'),
);
if (major >= 24 && !given && !SHORT_COMMANDS.has(process.argv[2] ?? '') && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [process.execPath, `${FLAG}=${NODE22_SEMI_SPACE_MIB}`, ...process.execArgv, ...process.argv.slice(1)]);
  } catch {
    // execve refused (a sandbox, a binary no longer there): run on with Node's own size.
  }
}
