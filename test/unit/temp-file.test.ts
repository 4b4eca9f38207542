/**
 * TempFile's appends (lib/sinks/temp-file.ts): an object's bytes written while it arrives, in batches, in order;
 * restart() for an object converted after all; stream() after appended bytes; a failed append write reported, not
 * lost.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inTempDir, nodeUnderFileLimit, patterned } from '../helpers/temp-files';
import { tempDir } from '../helpers/peers/tmp';
import { APPEND_BATCH, TempFile, tempPathFor } from '../../lib/sinks/temp-file';

async function turnsUntil(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  return cond();
}

test('appended bytes are written while more come (a batch at a time), in order; flush() writes the rest', inTempDir('temp-file', async (dir) => {
  const final = join(dir, 'object');
  const file = new TempFile(tempPathFor(final));
  const chunks = Array.from({ length: 40 }, (_, i) => patterned(i, 16372));
  const size = (): number => (existsSync(file.path) ? statSync(file.path).size : 0);
  for (const c of chunks.slice(0, 20)) file.append(c);
  // 20 × 16372 bytes wait, more than a batch: one is written before anything else is appended or flushed.
  assert.ok(await turnsUntil(() => size() >= APPEND_BATCH), `nothing written ahead: ${size()} bytes in the file`);
  for (const c of chunks.slice(20)) file.append(c);
  await file.flush();
  await file.commit(final);
  assert.ok(readFileSync(final).equals(Buffer.concat(chunks)));
  assert.deepEqual(readdirSync(dir), ['object']);
}));

test('writeAll() after appends writes after them; an append under a batch waits for flush()', inTempDir('temp-file', async (dir) => {
  const final = join(dir, 'object');
  const file = new TempFile(tempPathFor(final));
  const head = patterned(1, 200);
  file.append(head);
  assert.ok(await turnsUntil(() => existsSync(file.path)));
  assert.equal(statSync(file.path).size, 0, 'less than a batch: not written yet');
  const rest = [patterned(2, 300_000), patterned(3, 5)];
  await file.writeAll(rest);
  await file.commit(final);
  assert.ok(readFileSync(final).equals(Buffer.concat([head, ...rest])));
}));

test('commit() writes what was appended and not flushed before the file takes its final name', inTempDir('temp-file', async (dir) => {
  const final = join(dir, 'object');
  const file = new TempFile(tempPathFor(final));
  const chunks = [patterned(1, 100), patterned(2, 300_000), patterned(3, 7)];
  for (const c of chunks) file.append(c);
  await file.commit(final);
  assert.ok(readFileSync(final).equals(Buffer.concat(chunks)), `${statSync(final).size} bytes under the final name`);
}));

test('restart(): what was appended (written or waiting) is gone, and what follows replaces it, however short', inTempDir('temp-file', async (dir) => {
  const final = join(dir, 'object');
  const file = new TempFile(tempPathFor(final));
  for (let i = 0; i < 30; i++) file.append(patterned(i, 16372));
  assert.ok(await turnsUntil(() => existsSync(file.path) && statSync(file.path).size > 0), 'something written ahead');
  await file.restart();
  const converted = patterned(99, 1000);
  await file.writeAll([converted]);
  await file.commit(final);
  assert.ok(readFileSync(final).equals(converted), `${statSync(final).size} bytes, not the 1000 written after restart()`);
}));

test('stream() goes on after the appended bytes', inTempDir('temp-file', async (dir) => {
  const final = join(dir, 'object');
  const file = new TempFile(tempPathFor(final));
  const first = [patterned(1, 200_000), patterned(2, 333)];
  for (const c of first) file.append(c);
  const out = await file.stream();
  const rest = patterned(3, 70_000);
  await new Promise<void>((resolve, reject) => out.end(rest, () => resolve()).on('error', reject));
  await file.finish();
  await file.commit(final);
  assert.ok(readFileSync(final).equals(Buffer.concat([...first, rest])));
}));

test('discard() with append writes in flight and waiting: nothing is left', inTempDir('temp-file', async (dir) => {
  const file = new TempFile(tempPathFor(join(dir, 'object')));
  for (let i = 0; i < 64; i++) file.append(patterned(i, 65536));
  await file.discard();
  assert.deepEqual(readdirSync(dir), []);
}));

test('an append write the system cuts short (a file size limit) is reported by flush() and stream(), not lost', () => {
  const tmp = tempDir('temp-file');
  const dir = tmp.path;
  try {
    const script = `
      const { TempFile, tempPathFor } = require(${JSON.stringify(require.resolve('../../lib/sinks/temp-file'))});
      const dir = ${JSON.stringify(dir)};
      (async () => {
        const results = [];
        for (const how of ['flush', 'stream']) {
          const file = new TempFile(tempPathFor(dir + '/' + how));
          for (let i = 0; i < 10; i++) file.append(Buffer.alloc(65536, i));
          try { if (how === 'flush') await file.flush(); else await file.stream(); results.push(how + ': resolved'); }
          catch (e) { results.push(how + ': ' + (e.code ?? e.message)); }
          await file.discard();
        }
        console.log(JSON.stringify(results));
      })();`;
    const r = nodeUnderFileLimit(256, script);
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as string[];
    assert.equal(results.length, 2, r.stdout);
    for (const line of results) assert.match(line, /^(flush|stream): (EFBIG|FILE_SHORT_WRITE)$/);
    assert.deepEqual(readdirSync(dir), [], 'discard() left a file');
  } finally {
    tmp.cleanup();
  }
});

test('bytes not written before discard(), or given after it, are not reported written: FILE_SHORT_WRITE', inTempDir('temp-file', async (dir) => {
  const file = new TempFile(tempPathFor(join(dir, 'object')));
  await file.discard();
  file.append(patterned(1, 10));
  await assert.rejects(file.flush(), { code: 'FILE_SHORT_WRITE' });
  const other = new TempFile(tempPathFor(join(dir, 'other')));
  await other.discard();
  await assert.rejects(other.writeAll([patterned(2, 10)]), { code: 'FILE_SHORT_WRITE' });
  const waiting = new TempFile(tempPathFor(join(dir, 'waiting')));
  waiting.append(patterned(3, 10)); // under a batch: still waiting when the file is discarded
  await waiting.discard();
  await assert.rejects(waiting.flush(), { code: 'FILE_SHORT_WRITE' });
  assert.deepEqual(readdirSync(dir), []);
}));
