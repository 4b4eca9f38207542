/**
 * The spill writer (JSON text too large to hold: to a temporary file in batches, one written while the next is
 * gathered): every byte arrives in order, the chunks it is done with are handed back once written, and a file that
 * fails (ENOSPC from /dev/full) fails the pipeline instead of leaving it waiting.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spillWriter } from '../../lib/sinks/spill';
import { TempFile } from '../../lib/sinks/temp-file';
import type { Part10Target } from '../../lib/sinks/part10-writer';
import { tempDir } from '../helpers/dataset';

/** 9 MiB in 64 KiB chunks, each filled with its own index. */
function chunks(): Buffer[] {
  return Array.from({ length: 144 }, (_, i) => Buffer.alloc(64 * 1024, i & 0xff));
}

test('spill: past the limit every chunk reaches the file in order, and each is handed back once written', async () => {
  const file = new TempFile(join(tempDir(), 'spill.tmp'));
  const target: Part10Target = { writeAll: () => Promise.reject(new Error('not small')), file: () => file };
  const released: Buffer[] = [];
  const input = chunks();
  await pipeline(Readable.from(input), spillWriter(target, 2 * 1024 * 1024, (c) => released.push(...c)));
  assert.deepEqual(readFileSync(file.path), Buffer.concat(input));
  // The first 2 MiB were held, then handed to the file as one batch: all of them come back, each once.
  assert.equal(new Set(released).size, released.length);
  assert.equal(released.length, input.length);
  await file.discard();
});

test('spill: a file that cannot be written (ENOSPC) fails the pipeline', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full on this system');
    return;
  }
  const full = { stream: () => Promise.resolve(createWriteStream('/dev/full')), finish: () => Promise.resolve() } as unknown as TempFile;
  const target: Part10Target = { writeAll: () => Promise.reject(new Error('not small')), file: () => full };
  await assert.rejects(pipeline(Readable.from(chunks()), spillWriter(target, 1024 * 1024)), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC');
});
