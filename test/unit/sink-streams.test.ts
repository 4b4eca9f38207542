/**
 * The stream sinks on their own: many objects through one output leave no listeners behind (a leak per object
 * once printed MaxListenersExceededWarning past ten objects), each object is accepted only once written, and an
 * output that fails refuses that object and every later one with "out of resources", without an error escaping.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { part10Sink } from '../../lib/sinks/part10';
import { multipartSink } from '../../lib/sinks/multipart';
import { jsonDirectorySink, jsonSink } from '../../lib/sinks/json';
import { tarSink } from '../../lib/sinks/tar';
import { createReceivedObject, type ReceivedObject } from '../../lib/received-object';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import { JSON_OUTPUT_CHUNK, datasetToJson } from '../../lib/dataset/codec/json-encoder';
import { DatasetTokenizer } from '../../lib/dataset/codec/tokenizer';
import type { DatasetToken } from '../../lib/dataset/codec/tokens';
import { JsonBufferPool } from '../../lib/sinks/json-buffers';
import { extract as tarExtract } from 'tar-stream';
import { tempDir } from '../helpers/dataset';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const LE = '1.2.840.10008.1.2.1';

function object(i: number): ReceivedObject {
  const uid = `1.2.3.${i}`;
  const data = encodeDataset([
    { tag: 0x00080016, vr: 'UI', value: Buffer.from(`${CT}\0`) },
    { tag: 0x00080018, vr: 'UI', value: Buffer.from(uid.length % 2 ? `${uid}\0` : uid) },
    { tag: 0x00100010, vr: 'PN', value: Buffer.from('DOE^J ') },
  ], LE);
  return createReceivedObject({ sopClassUid: CT, sopInstanceUid: uid, transferSyntaxUid: LE, callingAeTitle: 'A', calledAeTitle: 'B', messageId: i }, Readable.from([data]));
}

const SINKS: [string, (out: Writable) => Writable][] = [
  ['part10', (out) => part10Sink(out)],
  ['tar', (out) => tarSink(out)],
  ['multipart', (out) => multipartSink(out, { boundary: 'b' })],
  ['json', (out) => jsonSink(out)],
];

for (const [name, make] of SINKS) {
  test(`${name}: 30 objects through one output, every one accepted, no listener left behind`, async () => {
    const out = new PassThrough();
    let bytes = 0;
    out.on('data', (c: Buffer) => { bytes += c.length; });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => { warnings.push(w); };
    process.on('warning', onWarning);
    const objects = Array.from({ length: 30 }, (_, i) => object(i + 1));
    const before = out.listenerCount('error');
    await pipeline(Readable.from(objects), make(out));
    process.off('warning', onWarning);
    for (const o of objects) assert.deepEqual(await o.settled, { stored: true });
    assert.ok(bytes > 30 * 100, `${bytes} bytes written`);
    assert.ok(out.listenerCount('error') <= before + 1, `${out.listenerCount('error')} error listeners`);
    assert.ok(out.listenerCount('drain') <= 1, `${out.listenerCount('drain')} drain listeners`);
    assert.deepEqual(warnings.map((w) => w.name), []);
  });
}

test('an output that fails: that object and every later one refused (out of resources), no error escapes', async () => {
  let writes = 0;
  const out = new Writable({
    write(_c, _e, done) { done(++writes > 3 ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null); },
  });
  out.on('error', () => {});
  const failures: Error[] = [];
  const objects = Array.from({ length: 8 }, (_, i) => object(i + 1));
  await pipeline(Readable.from(objects), part10Sink(out, { onOutputError: (e) => failures.push(e) }));
  const outcomes = await Promise.all(objects.map((o) => o.settled));
  const stored = outcomes.filter((o) => o.stored).length;
  assert.ok(stored >= 1 && stored < 8, `${stored} stored`);
  for (const o of outcomes.slice(stored)) assert.deepEqual(o, { stored: false, reason: 'out-of-resources', comment: 'output closed' });
  assert.equal(failures.length, 1);
  assert.match(failures[0]!.message, /EPIPE/);
});

/** An object with an OB value of `size` bytes whose content depends on `i`, its body in 16 KiB pieces. */
function objectWithBinary(i: number, size: number): { obj: ReceivedObject; data: Buffer } {
  const uid = `1.2.3.${i}`;
  const data = encodeDataset([
    { tag: 0x00080016, vr: 'UI', value: Buffer.from(`${CT}\0`) },
    { tag: 0x00080018, vr: 'UI', value: Buffer.from(uid.length % 2 ? `${uid}\0` : uid) },
    { tag: 0x00091010, vr: 'OB', value: Buffer.from(Array.from({ length: size }, (_, k) => (k * 31 + i * 7) & 0xff)) },
  ], LE);
  const pieces = Array.from({ length: Math.ceil(data.length / 16384) }, (_, k) => data.subarray(k * 16384, (k + 1) * 16384));
  const obj = createReceivedObject({ sopClassUid: CT, sopInstanceUid: uid, transferSyntaxUid: LE, callingAeTitle: 'A', calledAeTitle: 'B', messageId: i }, Readable.from(pieces));
  return { obj, data };
}

async function jsonOf(data: Buffer): Promise<string> {
  const tokens: DatasetToken[] = [];
  await pipeline(Readable.from([data]), new DatasetTokenizer({ transferSyntax: LE }),
    new Writable({ objectMode: true, write(t: DatasetToken, _e, cb): void { tokens.push(t); cb(); } }));
  return datasetToJson(tokens, { inputTransferSyntax: LE });
}

test('json: into a file the lines\' Buffers are used again once written, and every line is still its object\'s JSON', async () => {
  // Sizes below and above the 2 MiB a line is held in memory for; a file output is done with a chunk once written.
  const sizes = [300000, 50000, 3000000, 120000, 700000, 10, 2500000, 400000];
  const made = sizes.map((size, i) => objectWithBinary(i + 1, size));
  const file = join(tempDir(), 'lines.json');
  const out = createWriteStream(file);
  await pipeline(Readable.from(made.map((m) => m.obj)), jsonSink(out));
  for (const m of made) assert.deepEqual(await m.obj.settled, { stored: true });
  const lines = readFileSync(file, 'latin1').split('\n');
  assert.equal(lines.pop(), '');
  const expected = await Promise.all(made.map((m) => jsonOf(m.data)));
  // Objects are received four at a time and written in the order they complete: compare as a set, by UID.
  const byUid = (l: string): string => (JSON.parse(l) as Record<string, { Value: string[] }>)['00080018']!.Value[0]!;
  assert.deepEqual(new Map(lines.map((l) => [byUid(l), `${l}\n`])), new Map(expected.map((l) => [byUid(l), l])));
});

test('json into a directory: objects over 2 MiB (their text Buffers used again once in the temporary file) are each their object\'s JSON', async () => {
  const sizes = [3000000, 50000, 2500000, 10, 4000000, 700000];
  const made = sizes.map((size, i) => objectWithBinary(i + 1, size));
  const dir = tempDir();
  await pipeline(Readable.from(made.map((m) => m.obj)), jsonDirectorySink({ directory: dir, fileName: (o) => o.sopInstanceUid }));
  for (const m of made) assert.deepEqual(await m.obj.settled, { stored: true });
  const names = made.map((m) => `${m.obj.sopInstanceUid}.json`);
  assert.deepEqual(readdirSync(dir).sort(), [...names].sort());
  for (const [i, m] of made.entries()) assert.equal(readFileSync(join(dir, names[i] as string), 'latin1'), await jsonOf(m.data));
});

test('json: the buffer pool keeps whole encoder Buffers it is given back, and nothing else', () => {
  const pool = new JsonBufferPool();
  const a = pool.take();
  assert.equal(a.length, JSON_OUTPUT_CHUNK);
  pool.release([a.subarray(0, 100), Buffer.alloc(JSON_OUTPUT_CHUNK).subarray(1), Buffer.alloc(100)]);
  assert.equal(pool.take().buffer, a.buffer, 'the written chunk\'s memory is handed out again');
  assert.notEqual(pool.take().buffer, a.buffer, 'and only once; a slice from inside a Buffer or a small one is not kept');
});

test('tar: into a file, objects over 2 MiB (read back from the spool into one buffer) come out whole, each after its header', async () => {
  const sizes = [3000000, 1000, 2500000, 5000000, 20000];
  const made = sizes.map((size, i) => objectWithBinary(i + 1, size));
  const file = join(tempDir(), 'objects.tar');
  await pipeline(Readable.from(made.map((m) => m.obj)), tarSink(createWriteStream(file)));
  for (const m of made) assert.deepEqual(await m.obj.settled, { stored: true });
  const members = new Map<string, Buffer>();
  const ex = tarExtract();
  ex.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => { parts.push(c as Buffer); });
    stream.on('end', () => { members.set(h.name, Buffer.concat(parts)); next(); });
  });
  await pipeline(Readable.from([readFileSync(file)]), ex);
  assert.equal(members.size, made.length);
  for (const m of made) {
    const uid = m.obj.sopInstanceUid;
    const body = [...members].find(([name]) => name.endsWith(uid))?.[1];
    assert.ok(body, `a member for ${uid}`);
    assert.equal(body.toString('latin1', 128, 132), 'DICM');
    assert.ok(body.subarray(body.length - m.data.length).equals(m.data), `${uid}: the data set byte for byte`);
  }
});
