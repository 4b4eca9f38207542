/**
 * movescu's dcmfile-in (readQueryFile) and -k keys (applyOverrideKeys), with the behaviour and messages seen from
 * DCMTK 3.6.7's movescu against dcmqrscp (commands in the report of this layer; e.g.
 * `movescu -v -aec ARCHIVE -k QueryRetrieveLevel=STUDY -k 0028,0010=70000 localhost 11112` lists "US 4464").
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { run, tempDir } from '../helpers/dataset';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import type { DataElement } from '../../lib/dataset/codec/element';
import { encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import { applyOverrideKeys, parseOverrideKey } from '../../lib/cli/keys';
import { readQueryFile } from '../../lib/cli/query-file';
import {
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from '../../lib/dataset/codec/transfer-syntax';
import { decodeNumbers } from '../../lib/dataset/codec/values';
import { DimseError } from '../../lib/errors';

const s = (tag: number, vr: string, v: string): DataElement => ({ tag, vr, value: Buffer.from(v, 'latin1') });

const IDENTIFIER: DataElement[] = [
  s(0x00080052, 'CS', 'STUDY '),
  { tag: 0x00081110, vr: 'SQ', value: [[s(0x00081155, 'UI', '1.2.3\0')]] },
  s(0x00100020, 'LO', 'PAT001'),
  s(0x0020000d, 'UI', '1.2.3.4\0'),
];

const metaFor = (ts: string): Buffer => encodeFileMeta({
  mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.2.2.2',
  mediaStorageSopInstanceUid: '1.2.3',
  transferSyntaxUid: ts,
  implementationClassUid: '1.2.3.4',
  implementationVersionName: 'T',
});

test('readQueryFile: with and without file meta, implicit / explicit LE / explicit BE', async () => {
  const dir = tempDir();
  for (const ts of [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN]) {
    const body = encodeDataset(IDENTIFIER, ts, { sequenceLength: 'undefined', itemLength: 'undefined' });
    for (const [name, bytes] of [['meta', Buffer.concat([metaFor(ts), body])], ['bare', body]] as const) {
      const file = join(dir, `${name}-${ts}.dcm`);
      writeFileSync(file, bytes);
      assert.deepEqual(await readQueryFile(file), IDENTIFIER, `${name} ${ts}`);
    }
  }
});

test('readQueryFile: sorted by tag, the first of duplicates kept (as DCMTK reads)', async () => {
  const dir = tempDir();
  const a = encodeDataset([s(0x00100020, 'LO', 'FIRST ')], EXPLICIT_VR_LITTLE_ENDIAN);
  const b = encodeDataset([s(0x00080052, 'CS', 'STUDY ')], EXPLICIT_VR_LITTLE_ENDIAN);
  const c = encodeDataset([s(0x00100020, 'LO', 'SECOND')], EXPLICIT_VR_LITTLE_ENDIAN);
  const file = join(dir, 'dup.dcm');
  writeFileSync(file, Buffer.concat([metaFor(EXPLICIT_VR_LITTLE_ENDIAN), a, b, c]));
  assert.deepEqual(await readQueryFile(file), [s(0x00080052, 'CS', 'STUDY '), s(0x00100020, 'LO', 'FIRST ')]);
});

test('readQueryFile: not DICOM, empty, missing: DimseError naming the file, as "bad DICOM file: <path>: ..."', async () => {
  const dir = tempDir();
  const cases: [string, Buffer | null][] = [
    ['passwd', Buffer.from('root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n')],
    ['hostname', Buffer.from('vm\n')],
    ['empty', Buffer.alloc(0)],
    ['random', Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) & 0xff))],
    ['missing', null],
  ];
  for (const [name, bytes] of cases) {
    const file = join(dir, name);
    if (bytes) writeFileSync(file, bytes);
    const err = await readQueryFile(file).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DimseError, `${name}: ${String(err)}`);
    assert.equal(err.code, 'QUERY_FILE_BAD');
    assert.equal(err.place.file, file);
    assert.ok(err.message.startsWith(`bad DICOM file: ${file}: `), err.message);
  }
});

peerTest('readQueryFile: files written by DCMTK (dump2dcm, dcmconv with and without meta)', ['dump2dcm', 'dcmconv'], async () => {
  const dir = tempDir();
  const dump = join(dir, 'q.dump');
  writeFileSync(dump, '(0008,0052) CS [STUDY]\n(0010,0020) LO [PAT001]\n(0020,000d) UI [1.2.3.4]\n(0008,1110) SQ\n(fffe,e000) na\n(0008,1155) UI [1.2.3]\n(fffe,e00d) na\n(fffe,e0dd) na\n');
  const base = join(dir, 'q.dcm');
  run('dump2dcm', ['-q', '-e', dump, base]);
  const files = [base];
  for (const [opt, name] of [['+ti', 'i'], ['+te', 'e'], ['+tb', 'b']] as const) {
    run('dcmconv', ['-q', opt, base, join(dir, `${name}.dcm`)]);
    run('dcmconv', ['-q', opt, '-F', base, join(dir, `${name}-bare.dcm`)]);
    files.push(join(dir, `${name}.dcm`), join(dir, `${name}-bare.dcm`));
  }
  for (const f of files) assert.deepEqual(await readQueryFile(f), IDENTIFIER, f);
});

// ---- -k keys ------------------------------------------------------------------------------------------------

function keyError(key: string): DimseError {
  try {
    parseOverrideKey(key);
  } catch (e) {
    assert.ok(e instanceof DimseError);
    return e;
  }
  return assert.fail(`no error for ${key}`);
}

test('keys: tag and keyword forms, value absent or empty, values kept as one string', () => {
  const els = applyOverrideKeys([], [
    'QueryRetrieveLevel=STUDY',
    '0010,0020=PAT002',
    'NumberOfFrames',
    '0028,0011=',
    'PatientName=A\\B',
    'PatientID=a=b', // the value is everything after the first '='
    '0x10,0x30=19', // sscanf %x accepts 0x
    ' 10,0040=M', // and leading white space
    '0008,0050xyz=ACC', // anything between the element and '=' is ignored
    'ReferencedStudySequence', // an empty sequence
    '0009,0010=PRIV', // private creator: known (generic dictionary entry)
    '0010,0000=5', // group length: UL
  ]);
  const byTag = new Map(els.map((e) => [e.tag, e]));
  assert.deepEqual(els.map((e) => e.tag), [...els.map((e) => e.tag)].sort((a, b) => a - b), 'tag order');
  assert.deepEqual(byTag.get(0x00080052), s(0x00080052, 'CS', 'STUDY '));
  assert.deepEqual(byTag.get(0x00100020), s(0x00100020, 'LO', 'a=b ')); // the later key for the same tag wins
  assert.deepEqual(byTag.get(0x00280008), { tag: 0x00280008, vr: 'IS', value: Buffer.alloc(0) });
  assert.deepEqual(byTag.get(0x00280011), { tag: 0x00280011, vr: 'US', value: Buffer.alloc(0) });
  assert.deepEqual(byTag.get(0x00100010), s(0x00100010, 'PN', 'A\\B '));
  assert.deepEqual(byTag.get(0x00100030), s(0x00100030, 'DA', '19'));
  assert.deepEqual(byTag.get(0x00100040), s(0x00100040, 'CS', 'M '));
  assert.deepEqual(byTag.get(0x00080050), s(0x00080050, 'SH', 'ACC '));
  assert.deepEqual(byTag.get(0x00081110), { tag: 0x00081110, vr: 'SQ', value: [] });
  assert.deepEqual(byTag.get(0x00090010), s(0x00090010, 'LO', 'PRIV'));
  assert.equal(byTag.get(0x00100000)?.vr, 'UL');
});

test('keys: binary VRs get binary values (putString), multi-VR entries resolved as DCMTK does', () => {
  const one = (k: string): DataElement => applyOverrideKeys([], [k])[0] as DataElement;
  const num = (k: string): number[] => decodeNumbers('US', one(k).value as Buffer);
  assert.deepEqual(num('0028,0010=5'), [5]);
  assert.deepEqual(num('Rows=70000'), [4464]);
  assert.deepEqual(num('0028,0010=-1'), [65535]);
  assert.deepEqual(num('0028,0010=5\\6'), [5, 6]);
  assert.equal(one('0028,0106=7').vr, 'US'); // US or SS → US (DCMTK: xs)
  assert.deepEqual(one('6000,3000=ab'), { tag: 0x60003000, vr: 'OW', value: Buffer.from([0xab, 0x00]) });
  assert.deepEqual(one('7fe0,0010=ab'), { tag: 0x7fe00010, vr: 'OW', value: Buffer.from([0xab, 0x00]) });
  assert.deepEqual(one('0008,0018=1.2.3'), s(0x00080018, 'UI', '1.2.3\0'));
  assert.equal((one('0018,0088=1e400').value as Buffer).toString(), '1e400 '); // DS stays a string
});

test('keys: DCMTK error messages (movescu prints "error: <message>" and exits 1)', () => {
  const cases: [string, string, string][] = [
    ['Foo=1', 'KEY_BAD_FORMAT', 'bad key format or dictionary name not found in dictionary: Foo'],
    ['ReferencedStudySequence[0].StudyInstanceUID=1', 'KEY_BAD_FORMAT', 'bad key format or dictionary name not found in dictionary: ReferencedStudySequence[0].StudyInstanceUID'],
    ['0x0010 , 0x0020=A', 'KEY_BAD_FORMAT', 'bad key format or dictionary name not found in dictionary: 0x0010 , 0x0020'],
    ['patientid=1', 'KEY_BAD_FORMAT', 'bad key format or dictionary name not found in dictionary: patientid'],
    ['0009,1001=x', 'KEY_UNKNOWN_TAG', 'unknown tag: (0009,1001)'],
    ['1234,5678=x', 'KEY_UNKNOWN_TAG', 'unknown tag: (1234,5678)'],
    ['0028,0010=abc', 'KEY_BAD_VALUE', 'cannot put tag value: (0028,0010)="abc"'],
    ['ReferencedStudySequence=x', 'KEY_BAD_VALUE', 'cannot put tag value: (0008,1110)="x"'],
    ['0028,0009=0018\\0050', 'KEY_BAD_VALUE', 'cannot put tag value: (0028,0009)="0018\\0050"'],
  ];
  for (const [key, code, message] of cases) {
    const e = keyError(key);
    assert.equal(e.code, code, key);
    assert.equal(e.message, message, key);
  }
  assert.throws(() => applyOverrideKeys([], ['PatientID=1', 'Nope']), /Nope/);
});

test('keys: replace and insert at the top level of a query file dataset, never inside sequences', () => {
  const merged = applyOverrideKeys(IDENTIFIER, ['0010,0020=PAT002', 'StudyDate=20240101', 'ReferencedSOPInstanceUID=9.9']);
  assert.deepEqual(merged.map((e) => e.tag), [0x00080020, 0x00080052, 0x00081110, 0x00081155, 0x00100020, 0x0020000d]);
  assert.deepEqual(merged.find((e) => e.tag === 0x00100020), s(0x00100020, 'LO', 'PAT002'));
  // the sequence is untouched: (0008,1155) was inserted at the top level, as DCMTK does
  assert.deepEqual(merged.find((e) => e.tag === 0x00081110), IDENTIFIER[1]);
});
