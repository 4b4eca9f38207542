/**
 * Shared pieces of the property tests (fast-check): cutting bytes into chunks as a socket or file read might,
 * random byte strings and UIDs, and the check every failure on hostile input must pass.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DimseError } from '../../lib/errors';

/** `buf` cut at the given points (taken modulo its length), as a socket might deliver it; no empty chunk. */
export function cut(buf: Buffer, points: readonly number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, buf.length]) {
    if (p > prev) chunks.push(buf.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return chunks;
}

/**
 * The seed of a property run, printed before it starts (a run that never ends prints no counterexample; with the
 * seed it can be replayed: FC_SEED=n).
 */
export function propertySeed(t: { diagnostic(message: string): void }): number {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : (Date.now() ^ (process.pid << 16)) | 0;
  t.diagnostic(`fast-check seed ${seed} (replay: FC_SEED=${seed})`);
  console.error(`fast-check seed ${seed}`); // now: a run that hangs never reaches its diagnostics
  return seed;
}

/** Random bytes, up to `max`. */
export const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

/** A UID-shaped string (digits and dots, at most 64 characters). */
export const uid: fc.Arbitrary<string> = fc.array(fc.nat({ max: 99999 }).map(String), { minLength: 1, maxLength: 8 }).map((c) => c.join('.').slice(0, 64));

/** A byte to overwrite at some position (taken modulo the length). */
export const mutation = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });

/** A failure on bad input: a DimseError whose code is of the layer (`codes`) and that names a byte offset. */
export function assertTypedError(e: unknown, codes: RegExp): asserts e is DimseError {
  assert.ok(e instanceof DimseError, `expected a DimseError, got ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
  assert.match(e.code, codes, e.message);
  assert.equal(typeof e.place.offset, 'number', `${e.code} names no byte offset: ${e.message}`);
}
