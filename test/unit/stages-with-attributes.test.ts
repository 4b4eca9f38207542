/**
 * withAttributes: the attributes read from the head of each body (every uncompressed syntax, any chunking), the
 * body passed on byte for byte (sha-256 of what the sink read against the input), how little of a 20 MB body is
 * read before the object is passed on, and bad data sets rejected with 0xC000 without erroring the stream.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { chunks, ROUND_TRIP_SYNTAXES, stringElement as s } from '../helpers/dataset';
import { receivedObject, runStages } from '../helpers/stage-driver';
import { elementHeader, encodeDataset } from '../../lib/dataset/codec/encode';
import type { DataElement } from '../../lib/dataset/codec/element';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_LE,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
} from '../../lib/dataset/codec/transfer-syntax';
import { encodeNumbers, stringToBytes } from '../../lib/dataset/codec/values';
import { DimseError } from '../../lib/errors';
import { tapObjects, withAttributes, type AttributedObject } from '../../lib/stages';


function sample(): DataElement[] {
  return [
    s(0x00080008, 'CS', 'ORIGINAL\\PRIMARY'),
    s(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    s(0x00080018, 'UI', '1.2.3.4.5'),
    s(0x00080060, 'CS', 'OT'),
    // A sequence whose item holds a PatientName: not a top-level attribute.
    { tag: 0x00081110, vr: 'SQ', value: [[s(0x00081150, 'UI', '1.2.3'), s(0x00100010, 'PN', 'Nested^Name')]] },
    s(0x00100010, 'PN', 'Doe^John '),
    s(0x00100020, 'LO', ' ID42'),
    s(0x00100030, 'DA', ''),
    s(0x00180050, 'DS', ' 2.5 '),
    s(0x00200013, 'IS', '7'),
    { tag: 0x00280010, vr: 'US', value: encodeNumbers('US', [2]) },
    { tag: 0x00280011, vr: 'US', value: encodeNumbers('US', [2]) },
    { tag: 0x00281050, vr: 'DS', value: stringToBytes('40\\400', 'DS') },
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
}

const WANTED = ['PatientName', 'PatientID', 'ImageType', 'SliceThickness', 'InstanceNumber', 'Rows', 'WindowCenter', 'PatientBirthDate', 'StudyDate', '0008,0018', 'Columns'];

test('withAttributes: attributes of every uncompressed syntax, body passed on unchanged, any chunking', async () => {
  for (const ts of ROUND_TRIP_SYNTAXES) {
    const body = encodeDataset(sample(), ts);
    for (const seed of [1, 2, 3]) {
      const parts = seed === 1 ? [body] : chunks(body, seed, seed === 2 ? 7 : 300);
      const obj = receivedObject(parts, { transferSyntaxUid: ts });
      const run = await runStages([obj], [withAttributes(WANTED)], { keep: true });
      assert.equal(run.delivered.length, 1, ts);
      const d = run.delivered[0]!;
      assert.deepEqual(d.bytes, body, `${ts} seed ${seed}: body unchanged`);
      assert.equal(run.outcomes[0]!.status, 0);
      assert.deepEqual({ ...(d.obj as AttributedObject).attributes }, {
        PatientName: 'Doe^John',
        PatientID: 'ID42',
        ImageType: ['ORIGINAL', 'PRIMARY'],
        SliceThickness: 2.5,
        InstanceNumber: 7,
        Rows: 2,
        Columns: 2,
        WindowCenter: [40, 400],
        PatientBirthDate: null,
        StudyDate: undefined,
        '0008,0018': '1.2.3.4.5',
      }, `${ts} seed ${seed}`);
    }
  }
});

test('withAttributes: stacked stages merge their attributes; unknown names and sequences are refused at once', async () => {
  const body = encodeDataset(sample(), EXPLICIT_VR_LITTLE_ENDIAN);
  const obj = receivedObject([body], { transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
  const run = await runStages([obj], [withAttributes(['Modality']), withAttributes(['PatientID'])], { keep: true });
  assert.deepEqual({ ...(run.delivered[0]!.obj as AttributedObject).attributes }, { Modality: 'OT', PatientID: 'ID42' });
  assert.deepEqual(run.delivered[0]!.bytes, body);
  assert.throws(() => withAttributes(['NoSuchKeyword']), (e: unknown) => e instanceof DimseError && e.code === 'STAGE_UNKNOWN_ATTRIBUTE');
  assert.throws(() => withAttributes(['ReferencedStudySequence']), (e: unknown) => e instanceof DimseError && e.code === 'STAGE_BAD_ATTRIBUTE');
});

test('withAttributes: a 20 MB object is passed on after reading its head only, and streams byte for byte', async () => {
  const TOTAL = 20 * 1024 * 1024;
  const CHUNK = 64 * 1024 + 1;
  for (const ts of [EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN]) {
    const syntax = ts === EXPLICIT_VR_BIG_ENDIAN ? { explicitVr: true, littleEndian: false } : EXPLICIT_LE;
    const head = Buffer.concat([
      encodeDataset(sample().filter((e) => e.tag < 0x7fe00010), ts),
      elementHeader(0x7fe00010, 'OW', TOTAL, syntax),
    ]);
    const block = Buffer.alloc(CHUNK);
    for (let i = 0; i < CHUNK; i++) block[i] = (i * 7) & 0xff;
    let pulled = 0;
    const expected = createHash('sha256').update(head);
    for (let sent = 0; sent < TOTAL; sent += CHUNK) expected.update(block.subarray(0, Math.min(CHUNK, TOTAL - sent)));
    async function* source(): AsyncGenerator<Buffer> {
      pulled += head.length;
      yield head;
      for (let sent = 0; sent < TOTAL; sent += CHUNK) {
        const c = block.subarray(0, Math.min(CHUNK, TOTAL - sent));
        pulled += c.length;
        yield c;
      }
    }
    let pulledWhenPassed = -1;
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const obj = receivedObject(Readable.from(source(), { objectMode: false }), { transferSyntaxUid: ts });
    const run = await runStages([obj], [withAttributes(['PatientName', 'WindowCenter']), tapObjects(() => { pulledWhenPassed = pulled; })], {
      onChunk: () => { rssMax = Math.max(rssMax, process.memoryUsage().rss); },
    });
    const d = run.delivered[0]!;
    assert.equal(d.length, head.length + TOTAL);
    assert.equal(d.sha256, expected.digest('hex'), `${ts}: body unchanged`);
    assert.deepEqual({ ...(d.obj as AttributedObject).attributes }, { PatientName: 'Doe^John', WindowCenter: [40, 400] });
    // The head is the first chunk (the elements up to the pixel data header): the tokenizer stops at (7FE0,0010).
    assert.ok(pulledWhenPassed > 0 && pulledWhenPassed < 4 * CHUNK, `${pulledWhenPassed} bytes read before the object was passed on`);
    assert.ok(rssMax - rss0 < 16 * 1024 * 1024, `rss grew by ${rssMax - rss0} bytes for a ${TOTAL}-byte body`);
  }
});

test('withAttributes: a data set that does not parse is rejected with 0xC000, not passed on, and the stream goes on', async () => {
  for (const ts of ROUND_TRIP_SYNTAXES) {
    const good = encodeDataset(sample(), ts);
    const plain = encodeDataset(sample(), ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? EXPLICIT_VR_LITTLE_ENDIAN : ts);
    // Cut inside the value of PatientID (a wanted attribute), then inside the pixel data (after the head).
    const at = plain.indexOf(Buffer.from('ID42')) + 2;
    const cut = ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? good.subarray(0, 20) : plain.subarray(0, at);
    const bad = receivedObject([cut], { transferSyntaxUid: ts, sopInstanceUid: 'bad' });
    const ok = receivedObject([good], { transferSyntaxUid: ts, sopInstanceUid: 'good' });
    const run = await runStages([bad, ok], [withAttributes(['PatientID', 'Rows'])], { keep: true });
    assert.deepEqual(run.delivered.map((d) => d.obj.sopInstanceUid), ['good'], ts);
    assert.equal(run.outcomes[0]!.status, 0xc000, ts);
    assert.match(run.outcomes[0]!.comment ?? '', /bad data set/);
    assert.equal(run.outcomes[1]!.status, 0);
  }
  // Truncated past the head: the attributes are found and the object passed on; the sink sees the whole truncated
  // body (the stage does not parse beyond the head, the sink's own reading decides).
  const plain = encodeDataset(sample(), EXPLICIT_VR_LITTLE_ENDIAN);
  const tail = receivedObject([plain.subarray(0, plain.length - 3)], { transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN });
  const run = await runStages([tail], [withAttributes(['PatientID'])], { keep: true });
  assert.equal(run.delivered.length, 1);
  assert.deepEqual(run.delivered[0]!.bytes, plain.subarray(0, plain.length - 3));
});
