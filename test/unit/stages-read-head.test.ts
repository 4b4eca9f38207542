/**
 * readHead (lib/stages/read-head.ts), which the filter and attribute stages use to look at the start of an object's
 * body: it stops where the consumer says, leaves the rest unread and paused, and rejects, naming why, on a body
 * that failed or was closed, before or while it reads.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { PassThrough, Readable } from 'node:stream';
import { readHead } from '../../lib/stages/read-head';

const chunks = (...texts: string[]): Buffer[] => texts.map((t) => Buffer.from(t));

test('readHead: stops at the chunk the consumer calls enough, returns those chunks uncopied, leaves the rest paused', async () => {
  const parts = chunks('aa', 'bbb', 'cccc', 'dd');
  const body = Readable.from(parts, { objectMode: false });
  const head = await readHead(body, (c) => c.toString() === 'bbb');
  assert.equal(head.ended, false);
  assert.equal(head.bytes, 5);
  assert.deepEqual(head.chunks.map(String), ['aa', 'bbb']);
  assert.equal(head.chunks[1], parts[1], 'the chunk itself, not a copy');
  assert.equal(body.isPaused(), true);
  const rest: Buffer[] = [];
  for await (const c of body) rest.push(c as Buffer);
  assert.equal(Buffer.concat(rest).toString(), 'ccccdd', 'the rest, unread until now');
});

test('readHead: a body shorter than the consumer wants is read to its end', async () => {
  const head = await readHead(Readable.from(chunks('x', 'yz')), () => false);
  assert.deepEqual(head, { chunks: chunks('x', 'yz'), bytes: 3, ended: true });
});

test('readHead: a body already at its end gives an empty, ended head', async () => {
  const body = Readable.from(chunks('x'));
  for await (const c of body) assert.ok(c);
  assert.deepEqual(await readHead(body, () => true), { chunks: [], bytes: 0, ended: true });
});

test('readHead: a body that failed before or while it is read rejects with its error', async () => {
  const failed = new PassThrough();
  failed.on('error', () => { /* seen by readHead */ });
  failed.destroy(new Error('disk gone'));
  await assert.rejects(readHead(failed, () => true), /disk gone/);

  const failing = new PassThrough();
  const reading = readHead(failing, () => false);
  failing.write('ab');
  failing.destroy(new Error('archive aborted'));
  await assert.rejects(reading, /archive aborted/);
});

test('readHead: a body closed before its end rejects, before or while it is read', async () => {
  const closed = new PassThrough();
  closed.destroy();
  await assert.rejects(readHead(closed, () => true), /closed before it was read/);

  const closing = new PassThrough();
  const reading = readHead(closing, () => false);
  closing.write('ab');
  setImmediate(() => closing.destroy());
  await assert.rejects(reading, /closed before its end/);
});

test('readHead: what the consumer throws rejects the read, and the body is left paused with its listeners gone', async () => {
  const body = new PassThrough();
  const reading = readHead(body, () => { throw new Error('not a DICOM data set'); });
  body.write('ab');
  await assert.rejects(reading, /not a DICOM data set/);
  assert.equal(body.isPaused(), true);
  assert.equal(body.listenerCount('data'), 0);
  assert.equal(body.listenerCount('end'), 0);
});
