/**
 * rewriteAttributes against DCMTK's dcmodify, byte for byte: the same data set (sequences of explicit and undefined
 * length, a group length, strings, binary values, pixel data) is written as a Part 10 file in each of the four
 * uncompressed transfer syntaxes; dcmodify (normal mode: it re-encodes the whole file with explicit lengths and
 * recalculated group lengths, in the same syntax) applies a replacement of another length, a removal, insertions,
 * a number into a US and the result of a function, and our stage applies the same changes to the data set bytes
 * after the file meta. The data set of dcmodify's output must equal our body (deflated: once both are inflated,
 * since Node's zlib and the system's write different deflate streams, see test/peers/dataset-convert.test.ts),
 * and dcmdump must list both the same.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { peerTest } from '../helpers/peer-gate';
import { chunks, run, tempDir, ROUND_TRIP_SYNTAXES, stringElement as s } from '../helpers/dataset';
import { receivedObject, runStages } from '../helpers/stage-driver';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import type { DataElement } from '../../lib/dataset/codec/element';
import { encodeFileMeta, parseFileMeta } from '../../lib/dataset/part10/file-meta';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
} from '../../lib/dataset/codec/transfer-syntax';
import { encodeNumbers } from '../../lib/dataset/codec/values';
import { rewriteAttributes } from '../../lib/stages';

const CT = '1.2.840.10008.5.1.4.1.1.2';

/** One top-level element per entry, so that each sequence can have its own length encoding. */
function entries(): [DataElement, 'explicit' | 'undefined'][] {
  return [
    [s(0x00080005, 'CS', 'ISO_IR 100'), 'explicit'],
    [s(0x00080016, 'UI', CT), 'explicit'],
    [s(0x00080018, 'UI', '1.2.3.4.5.6'), 'explicit'],
    [s(0x00080020, 'DA', '20240131'), 'explicit'],
    [s(0x00080060, 'CS', 'CT'), 'explicit'],
    [{ tag: 0x00081110, vr: 'SQ', value: [
      [s(0x00081150, 'UI', '1.2.840.10008.3.1.2.3.1'), s(0x00081155, 'UI', '1.2.3.7')],
      [{ tag: 0x0040a730, vr: 'SQ', value: [[s(0x0040a160, 'UT', 'deep text'), s(0x00100010, 'PN', 'Nested^Name')]] }],
    ] }, 'explicit'],
    [{ tag: 0x00081115, vr: 'SQ', value: [[s(0x0020000e, 'UI', '1.2.3.8'), s(0x00100020, 'LO', 'NESTEDID')], []] }, 'undefined'],
    [{ tag: 0x00100000, vr: 'UL', value: encodeNumbers('UL', [1]) }, 'explicit'], // wrong on purpose: recalculated
    [s(0x00100010, 'PN', 'Doe^John^Middle'), 'explicit'],
    [s(0x00100020, 'LO', 'ID42'), 'explicit'],
    [s(0x00100030, 'DA', '19700101'), 'explicit'],
    [s(0x00104000, 'LT', 'some comments'), 'explicit'],
    [s(0x0020000d, 'UI', '1.2.3.9'), 'explicit'],
    [{ tag: 0x00280010, vr: 'US', value: encodeNumbers('US', [2]) }, 'explicit'],
    [{ tag: 0x00280011, vr: 'US', value: encodeNumbers('US', [2]) }, 'explicit'],
    [{ tag: 0x00280100, vr: 'US', value: encodeNumbers('US', [16]) }, 'explicit'],
    [{ tag: 0x7fe00010, vr: 'OW', value: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) }, 'explicit'],
  ];
}

function dataset(ts: string): Buffer {
  const plain = ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? EXPLICIT_VR_LITTLE_ENDIAN : ts;
  const bytes = Buffer.concat(entries().map(([el, len]) => encodeDataset([el], plain, { sequenceLength: len, itemLength: len })));
  return ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? deflateRawSync(bytes) : bytes;
}

/** The same changes, for dcmodify and for our stage. */
const DCMODIFY_ARGS = [
  '-m', '(0010,0010)=ANON',
  '-e', '(0010,0020)',
  '-i', '(0010,0021)=ISSUER',
  '-m', '(0010,4000)=SOME COMMENTS, CHECKED',
  '-m', '(0028,0010)=4',
  '-i', '(0020,0011)=7',
  '-m', '(0008,0018)=1.2.3.999',
];

const CHANGES = {
  PatientName: 'ANON',
  PatientID: null,
  IssuerOfPatientID: 'ISSUER',
  PatientComments: (old: string | undefined) => `${(old ?? '').toUpperCase()}, CHECKED`,
  Rows: 4,
  '0020,0011': (old: string | undefined) => (old === undefined ? '7' : null),
  SOPInstanceUID: '1.2.3.999',
  PatientBirthTime: (old: string | undefined) => old, // absent, stays absent
};

function datasetOf(file: string): Buffer {
  const bytes = readFileSync(file);
  const meta = parseFileMeta(bytes, { final: true });
  assert.ok(meta, `${file} has a meta group`);
  return bytes.subarray(meta.datasetOffset);
}

/** dcmdump's listing without the meta group and the file name line. */
function dump(file: string): string {
  return run('dcmdump', ['+L', '-q', file]).split('\n').filter((l) => !/^\(0002,/.test(l) && !/^# Dicom-Meta/.test(l)).join('\n');
}

peerTest('rewriteAttributes: the data set dcmodify writes, in each uncompressed syntax (sequences of both lengths)', ['dcmodify', 'dcmdump'], async () => {
  const dir = tempDir();
  for (const ts of ROUND_TRIP_SYNTAXES) {
    const name = ts.replace(/\./g, '_');
    const body = dataset(ts);
    const meta = { mediaStorageSopClassUid: CT, mediaStorageSopInstanceUid: '1.2.3.4.5.6', transferSyntaxUid: ts, implementationClassUid: '1.2.3', implementationVersionName: 'TEST' };
    const theirs = join(dir, `${name}.dcm`);
    writeFileSync(theirs, Buffer.concat([encodeFileMeta(meta), body]));
    run('dcmodify', ['-nb', ...DCMODIFY_ARGS, theirs]);

    const obj = receivedObject(chunks(body, 7, 100), { transferSyntaxUid: ts, sopInstanceUid: '1.2.3.4.5.6', sopClassUid: CT });
    const result = await runStages([obj], [rewriteAttributes(CHANGES)], { keep: true });
    assert.equal(result.outcomes[0]!.status, 0, `${ts}: ${result.outcomes[0]!.comment}`);
    const d = result.delivered[0]!;
    assert.equal(d.obj.sopInstanceUid, '1.2.3.999', 'the object carries the new SOP Instance UID');
    const ours = d.bytes as Buffer;
    const expected = datasetOf(theirs);
    if (ts === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
      assert.deepEqual(inflateRawSync(ours), inflateRawSync(expected), `${ts}: inflated data sets`);
    } else {
      assert.deepEqual(ours, expected, `${ts}: data set bytes`);
    }
    const mine = join(dir, `${name}.ours.dcm`);
    writeFileSync(mine, Buffer.concat([encodeFileMeta({ ...meta, mediaStorageSopInstanceUid: '1.2.3.999' }), ours]));
    assert.equal(dump(mine), dump(theirs), `${ts}: dcmdump`);
  }
});

peerTest('rewriteAttributes: an encapsulated (JPEG) object is rewritten in its own syntax, as dcmodify writes it', ['dcmodify', 'dcmdump'], async () => {
  const dir = tempDir();
  const JPEG = '1.2.840.10008.1.2.4.50';
  const els: DataElement[] = [
    ...entries().map(([el]) => el).filter((el) => el.tag !== 0x7fe00010),
    { tag: 0x7fe00010, vr: 'OB', value: { fragments: [Buffer.alloc(0), Buffer.from([0xff, 0xd8, 1, 2, 3, 4, 5, 0xff, 0xd9, 0])] } },
  ];
  const body = encodeDataset(els, JPEG, { sequenceLength: 'undefined', itemLength: 'undefined' });
  const meta = { mediaStorageSopClassUid: CT, mediaStorageSopInstanceUid: '1.2.3.4.5.6', transferSyntaxUid: JPEG, implementationClassUid: '1.2.3', implementationVersionName: 'TEST' };
  const theirs = join(dir, 'jpeg.dcm');
  writeFileSync(theirs, Buffer.concat([encodeFileMeta(meta), body]));
  run('dcmodify', ['-nb', ...DCMODIFY_ARGS, theirs]);
  const obj = receivedObject(chunks(body, 3, 64), { transferSyntaxUid: JPEG, sopInstanceUid: '1.2.3.4.5.6', sopClassUid: CT });
  const result = await runStages([obj], [rewriteAttributes(CHANGES)], { keep: true });
  assert.equal(result.outcomes[0]!.status, 0, result.outcomes[0]!.comment);
  assert.deepEqual(result.delivered[0]!.bytes, datasetOf(theirs));
});
