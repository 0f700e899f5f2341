/**
 * `npm run bench -- import-cli`: `timeport import` of 200,000 entries (NDJSON, native format, over
 * 20 issues) into a local Timeport server started for the purpose (SQLite, loopback). Prints the
 * entries per second and the peak memory (VmHWM) of the CLI and of the server processes.
 * BENCH_ENTRIES changes the count.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 200_000);
const ISSUES = 20;
const TOKEN = 'bench-admin-token-000001';

/** Peak resident memory of a process so far, from /proc (Linux). */
function peakMegabytes(pid: number | undefined): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match === null ? undefined : Math.round(Number(match[1]) / 1024);
  } catch {
    return undefined;
  }
}

/** The node process under a launcher: the child itself here (node bin/timeport.js). */
async function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match !== null) resolve(match);
    });
    child.once('exit', () => reject(new Error(`exited before printing ${pattern}: ${output}`)));
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timeport-bench-'));
const env = { ...process.env, TIMEPORT_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', DATABASE_URL: '' };
const server = spawn(process.execPath, ['bin/timeport.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const [, url] = await waitForLine(server, /listening on (http:\/\/\S+)/);
  const headers = { authorization: `OAuth ${TOKEN}`, 'x-org-id': '1', 'content-type': 'application/json' };
  const post = async (route: string, body: unknown) => {
    const response = await fetch(url + route, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  };
  await post('/v3/queues/', { key: 'BENCH', name: 'Bench', lead: 'admin' });
  for (let issue = 0; issue < ISSUES; issue++) {
    await post('/v3/issues/_import', { queue: 'BENCH', summary: `Issue ${issue}`, createdAt: '2020-01-01T00:00:00Z', createdBy: 'admin', updatedAt: '2024-12-31T00:00:00Z', updatedBy: 'admin' });
  }
  const file = path.join(dir, 'entries.ndjson');
  const out = fs.createWriteStream(file);
  for (let index = 0; index < ENTRIES; index++) {
    const day = String(1 + (index % 28)).padStart(2, '0');
    const month = String(1 + (index % 12)).padStart(2, '0');
    const line = JSON.stringify({
      issue: `BENCH-${1 + (index % ISSUES)}`,
      createdBy: 'admin',
      createdAt: `2023-${month}-${day}T17:00:00+02:00`,
      start: `2023-${month}-${day}T09:00:00+02:00`,
      duration: `PT${1 + (index % 480)}M`,
      comment: `bench entry ${index}`,
      externalId: `bench-${index}`,
    });
    if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));

  const args = ['bin/timeport.js', 'import', file, '--url', url!, '--token', TOKEN, '--org', '1', '--journal', path.join(dir, 'journal.ndjson'), '--progress-interval', '10'];
  const started = performance.now();
  const cli = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, TIMEPORT_DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  let cliPeak = 0;
  let serverPeak = 0;
  const sampler = setInterval(() => {
    cliPeak = Math.max(cliPeak, peakMegabytes(cli.pid) ?? 0);
    serverPeak = Math.max(serverPeak, peakMegabytes(server.pid) ?? 0);
  }, 50);
  let summary = '';
  cli.stdout!.on('data', (chunk: Buffer) => (summary += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
  clearInterval(sampler);
  serverPeak = Math.max(serverPeak, peakMegabytes(server.pid) ?? 0);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`timeport import exited with ${code}:\n${summary}`);
  const finished = /Import finished.*/.exec(summary)?.[0] ?? summary;
  console.log(finished);
  console.log(`entries: ${ENTRIES}`);
  console.log(`wall time of the command (start, preflight, import): ${seconds.toFixed(1)} s`);
  console.log(`entries per second, end to end: ${Math.round(ENTRIES / seconds)}`);
  console.log(`peak memory (VmHWM): CLI ${cliPeak} MiB, server ${serverPeak} MiB`);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}, ${os.platform()}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  fs.rmSync(dir, { recursive: true, force: true });
}
