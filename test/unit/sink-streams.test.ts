/**
 * The stream sinks on their own: many objects through one output leave no listeners behind (a leak per object
 * once printed MaxListenersExceededWarning past ten objects), each object is accepted only once written, and an
 * output that fails refuses that object and every later one with "out of resources", without an error escaping.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { part10Sink } from '../../lib/sinks/part10';
import { multipartSink } from '../../lib/sinks/multipart';
import { jsonSink } from '../../lib/sinks/json';
import { tarSink } from '../../lib/sinks/tar';
import { createReceivedObject, type ReceivedObject } from '../../lib/received-object';
import { encodeDataset } from '../../lib/dataset/encode';

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
