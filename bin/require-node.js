// Stops with a clear message on a Node.js older than the oldest line Timeport supports, before
// anything loads better-sqlite3 (whose binary crashes such a Node instead of failing). Imported
// first by bin/timeport.js, scripts/run-tests.mjs and the benchmarks.
const OLDEST_SUPPORTED_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < OLDEST_SUPPORTED_MAJOR) {
  process.stderr.write(
    `Timeport needs Node.js ${OLDEST_SUPPORTED_MAJOR} or newer; this is Node.js ${process.version} (${process.execPath}).\n` +
      `In a clone, put a supported Node on the PATH first (README, "Development"):\n` +
      `  export PATH="$(scripts/node-version.sh 26):$PATH"\n`,
  );
  process.exit(1);
}
