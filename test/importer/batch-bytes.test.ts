/**
 * Batches are cut by bytes, not characters: the batch extension's `maxBodyBytes` counts the body's
 * UTF-8 bytes, and a comment in a non-Latin script takes two or three of them a character. Both
 * `timeport import` and `timeport sync` are run against a target whose capabilities announce a
 * small body limit; every batch they send must fit in it, and every entry must arrive.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { BatchRequest } from '../../src/client/tracker-client.js';
import { type NativeLine, type Target, importFiles, startTarget, storedWorklogs, syncInto, writeNativeLines } from './helpers.js';

const MAX_BODY_BYTES = 20_000;
const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');
const BASE = Date.UTC(2024, 2, 1, 8);

/** Entry `index` with a comment of 1,000 characters in three-byte UTF-8 (about 3 KB of JSON, 1 K characters). */
const entry = (index: number): NativeLine => ({
  externalId: `bytes-${index}`,
  issue: `MIG-${(index % 3) + 1}`,
  createdBy: index % 2 === 0 ? 'alice' : 'bob',
  start: stamp(BASE + index * 3_600_000),
  createdAt: stamp(BASE + index * 3_600_000 + 1_800_000),
  duration: 'PT30M',
  comment: `${index} ${'€'.repeat(998)}`,
});

describe('batches are cut by the bytes of their body', () => {
  let target: Target;
  let sentBytes: number[];
  beforeEach(async () => {
    target = await startTarget();
    const { client } = target;
    const capabilities = client.capabilities.bind(client);
    client.capabilities = async () => {
      const real = await capabilities();
      return real?.worklogBatchImport === undefined
        ? real
        : { ...real, worklogBatchImport: { ...real.worklogBatchImport, maxBodyBytes: MAX_BODY_BYTES } };
    };
    sentBytes = [];
    const importBatch = client.importBatch.bind(client);
    client.importBatch = async (batchPath: string, request: BatchRequest) => {
      sentBytes.push(Buffer.byteLength(JSON.stringify(request)));
      return importBatch(batchPath, request);
    };
  });
  afterEach(() => target.close());

  const lines = Array.from({ length: 30 }, (_, index) => entry(index));

  /** Every entry created and stored, sent in more than one batch, none over the limit. */
  const allArrivedInBatchesThatFit = async (run: { summary: { created: number }; out: string[] }) => {
    assert.equal(run.summary.created, 30, run.out.join('\n'));
    assert.ok(sentBytes.length > 1, `one batch of ${sentBytes.join(', ')} bytes`);
    assert.ok(
      sentBytes.every((bytes) => bytes <= MAX_BODY_BYTES),
      `bodies of ${sentBytes.join(', ')} bytes, over ${MAX_BODY_BYTES}`,
    );
    assert.equal((await storedWorklogs(target, undefined, 100)).length, 30);
  };

  test('timeport import', async () => {
    const file = writeNativeLines(path.join(target.dir, 'entries.ndjson'), lines);
    const run = await importFiles(target, [file], { api: 'timeport', concurrency: 1 });
    await allArrivedInBatchesThatFit(run);
  });

  test('timeport sync', async () => {
    const file = writeNativeLines(path.join(target.dir, 'entries.ndjson'), lines);
    const run = await syncInto(target, {
      files: [file],
      sourceLabel: 'entries.ndjson',
      stateDir: path.join(target.dir, 'state'),
      api: 'timeport',
    });
    await allArrivedInBatchesThatFit(run);
  });
});
