/**
 * rewriteAttributes without DCMTK: a 100 MB pixel data object rewritten in bounded memory (the writer's held
 * bytes and rss, against the object's size; the output's sha-256 against the expected bytes), failures (a data set
 * truncated inside an element, a value the VR cannot hold, a function that throws) settled with the right status
 * while the stage stream goes on, SOP UIDs changed by a function carried by the passed-on object, removals of a
 * sequence, and names refused when the stage is built.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { chunks, stringElement as s } from '../helpers/dataset';
import { receivedObject, runStages } from '../helpers/stage-driver';
import { elementHeader, encodeDataset } from '../../lib/dataset/codec/encode';
import type { DataElement } from '../../lib/dataset/codec/element';
import { EXPLICIT_BE, EXPLICIT_LE, EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../../lib/dataset/codec/transfer-syntax';
import { encodeNumbers } from '../../lib/dataset/codec/values';
import type { DatasetWriter } from '../../lib/dataset/codec/writer';
import { DimseError } from '../../lib/errors';
import { rewriteAttributes, withAttributes, type AttributedObject } from '../../lib/stages';


function head(name: string): DataElement[] {
  return [
    s(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    s(0x00080018, 'UI', '1.2.3.4'),
    { tag: 0x00081110, vr: 'SQ', value: [[s(0x00081155, 'UI', '1.2.3.7')]] },
    s(0x00100010, 'PN', name),
    s(0x00100020, 'LO', 'ID42'),
    { tag: 0x00280010, vr: 'US', value: encodeNumbers('US', [2]) },
  ];
}

test('rewriteAttributes: a 100 MB pixel data object is rewritten in bounded memory, byte for byte as expected', async () => {
  const TOTAL = 100 * 1024 * 1024;
  const CHUNK = 256 * 1024 + 1; // odd: 16-bit words straddle chunks (big endian swaps them)
  const block = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) block[i] = (i * 13) & 0xff;
  for (const [ts, syntax] of [[EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_LE], [EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_BE]] as const) {
    const pixels = (): Generator<Buffer> => (function* () {
      for (let sent = 0; sent < TOTAL; sent += CHUNK) yield block.subarray(0, Math.min(CHUNK, TOTAL - sent));
    })();
    const input = Buffer.concat([encodeDataset(head('Doe^John'), ts), elementHeader(0x7fe00010, 'OB', TOTAL, syntax)]);
    const output = Buffer.concat([encodeDataset(head('ANONYMOUS').filter((e) => e.tag !== 0x00100020), ts), elementHeader(0x7fe00010, 'OB', TOTAL, syntax)]);
    const expected = createHash('sha256').update(output);
    for (const c of pixels()) expected.update(c);
    const obj = receivedObject(Readable.from((function* () { yield input; yield* pixels(); })(), { objectMode: false }), { transferSyntaxUid: ts });
    let writer: DatasetWriter | undefined;
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const run = await runStages([obj], [rewriteAttributes({ PatientName: 'ANONYMOUS', PatientID: null }, { onWriter: (w) => { writer = w; } })], {
      onChunk: () => { rssMax = Math.max(rssMax, process.memoryUsage().rss); },
    });
    assert.equal(run.outcomes[0]!.status, 0, run.outcomes[0]!.comment);
    const d = run.delivered[0]!;
    assert.equal(d.length, output.length + TOTAL);
    assert.equal(d.sha256, expected.digest('hex'), `${ts}: output bytes`);
    assert.ok(writer && writer.peakHeldBytes < 64 * 1024, `${ts}: the writer held at most ${writer?.peakHeldBytes} bytes`);
    assert.ok(rssMax - rss0 < 32 * 1024 * 1024, `${ts}: rss grew by ${rssMax - rss0} bytes for a ${TOTAL}-byte object`);
  }
});

test('rewriteAttributes: a data set truncated inside an element is rejected with 0xC000; the stage stream goes on', async () => {
  const whole = encodeDataset([...head('Doe^John'), { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(1000, 7) }], IMPLICIT_VR_LITTLE_ENDIAN);
  const inName = whole.indexOf(Buffer.from('Doe^')) + 2;
  const cases = [whole.subarray(0, inName), whole.subarray(0, whole.length - 10)];
  for (const [i, cut] of cases.entries()) {
    const bad = receivedObject(chunks(cut, i, 50), { transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN, sopInstanceUid: 'bad' });
    const good = receivedObject([whole], { transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN, sopInstanceUid: 'good' });
    const run = await runStages([bad, good], [rewriteAttributes({ PatientName: 'ANON' })], { keep: true });
    assert.equal(run.outcomes[0]!.status, 0xc000, `cut ${i}`);
    assert.match(run.outcomes[0]!.comment ?? '', /rewriteAttributes: .*stream ended inside/);
    // Passed on already (the rewrite streams): its body failed with the tokenizer's error, after the reject.
    const failed = run.delivered.find((d) => d.obj === bad);
    assert.ok(failed?.error instanceof DimseError && failed.error.code === 'DATASET_TRUNCATED', `cut ${i}: ${failed?.error}`);
    assert.equal(run.outcomes[1]!.status, 0);
    assert.ok(run.delivered.find((d) => d.obj === good)?.bytes?.includes(Buffer.from('ANON')));
  }
});

test('rewriteAttributes: a value the VR cannot hold, or a function that throws: 0xA700, the stream goes on', async () => {
  const body = encodeDataset(head('Doe^John'), EXPLICIT_VR_LITTLE_ENDIAN);
  const stages = [
    rewriteAttributes({ Rows: 'not a number' }),
    rewriteAttributes({ Columns: 'x' }), // absent: inserted, and cannot be encoded either
    rewriteAttributes({ PatientID: () => { throw new Error('user code failed'); } }),
  ];
  for (const stage of stages) {
    const obj = receivedObject([body], { transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
    const next = receivedObject([body], { transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
    const probe = rewriteAttributes({});
    const run = await runStages([obj], [stage], { keep: true });
    assert.equal(run.outcomes[0]!.status, 0xa700, run.outcomes[0]!.comment);
    assert.match(run.outcomes[0]!.comment ?? '', /rewriteAttributes/);
    const run2 = await runStages([next], [probe], { keep: true });
    assert.deepEqual(run2.delivered[0]!.bytes, body, 'no change: the same bytes (already DCMTK normal form)');
  }
});

test('rewriteAttributes: SOP UIDs changed by a function are on the object the sink gets; sequences can be removed', async () => {
  const body = encodeDataset(head('Doe^John'), EXPLICIT_VR_BIG_ENDIAN);
  const obj = receivedObject(chunks(body, 5, 9), { transferSyntaxUid: EXPLICIT_VR_BIG_ENDIAN, sopInstanceUid: '1.2.3.4' });
  let uidSeenBySink = '';
  const run = await runStages([obj], [
    rewriteAttributes({
      SOPInstanceUID: (old) => `${old}.1`,
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      ReferencedStudySequence: null,
    }),
    withAttributes(['SOPInstanceUID', 'SOPClassUID', 'PatientName']),
  ], { keep: true, onChunk: () => { uidSeenBySink ||= obj.sopInstanceUid; } });
  const d = run.delivered[0]!;
  assert.equal(run.outcomes[0]!.status, 0, run.outcomes[0]!.comment);
  assert.equal(d.obj.sopInstanceUid, '1.2.3.4.1');
  assert.equal(uidSeenBySink, '1.2.3.4.1', 'set before the sink read the body');
  assert.equal(d.obj.sopClassUid, '1.2.840.10008.5.1.4.1.1.2');
  assert.deepEqual({ ...(d.obj as AttributedObject).attributes }, { SOPInstanceUID: '1.2.3.4.1', SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', PatientName: 'Doe^John' });
  const expected = encodeDataset([
    s(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'), s(0x00080018, 'UI', '1.2.3.4.1'), ...head('Doe^John').slice(3),
  ], EXPLICIT_VR_BIG_ENDIAN);
  assert.deepEqual(d.bytes, expected);
});

test('rewriteAttributes: names that are not attributes, and values for sequences, are refused when the stage is built', () => {
  const code = (c: string) => (e: unknown) => e instanceof DimseError && e.code === c;
  assert.throws(() => rewriteAttributes({ NotAKeyword: 'x' }), code('STAGE_UNKNOWN_ATTRIBUTE'));
  assert.throws(() => rewriteAttributes({ ReferencedStudySequence: 'x' }), code('STAGE_BAD_ATTRIBUTE'));
  assert.throws(() => rewriteAttributes({ PatientName: 'a', '0010,0010': 'b' }), code('STAGE_BAD_ATTRIBUTE'));
  assert.throws(() => rewriteAttributes({ '0002,0010': 'b' }), code('STAGE_BAD_ATTRIBUTE'));
  assert.doesNotThrow(() => rewriteAttributes({ '(0009,1001)': 'x', '0011,0010': 'CREATOR' }));
});
