/**
 * Our data set printer against DCMTK's: files made by dump2dcm (and one written byte by byte, for values dump2dcm
 * cannot express), read with readQueryFile and printed by dumpElementLines, must give dcmdump's element lines
 * exactly: with dcmdump's default shortening (-L) and without it (+L, what movescu's log does).
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { tempDir } from '../helpers/peers';
import { FIXTURES } from '../helpers/dataset';
import { readQueryFile } from '../../lib/cli/query-file';
import { dumpElementLines, transferSyntaxName } from '../../lib/dcmtk/dataset-dump';

const tmp = tempDir('dump-format');
after(() => tmp.cleanup());

/** Every VR, empty values, multi-values, padding, long values, nested sequences, private and unknown tags. */
const DUMP = String.raw`(0008,0005) CS [ISO_IR 100]
(0008,0012) DA (no value available)
(0008,0013) TM [101010.123]
(0008,0016) UI [1.2.840.10008.5.1.4.1.1.2]
(0008,0018) UI [1.2]
(0008,0020) DA [20240101]
(0008,0052) CS [STUDY]
(0008,0060) CS (no value available)
(0008,0070) LO [Multi\Valued\\Empty]
(0008,0119) UC [uc1\uc2]
(0008,0120) UR [http://x]
(0008,1110) SQ (Sequence with explicit length #=2)
  (fffe,e000) na (Item with explicit length #=2)
    (0008,1150) UI [1.2.3]
    (0008,1155) UI [1.2.840.10008.1.2.1]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
  (fffe,e000) na (Item with explicit length #=0)
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encod.)
(0008,1140) SQ (Sequence with explicit length #=0)
(fffe,e0dd) na (SequenceDelimitationItem for re-encod.)
(0009,0010) LO [ACME 1.1]
(0009,1001) LO [private value]
(0010,0010) PN [Doe^John]
(0010,0020) LO [ID\ID2 ]
(0010,1010) AS [042Y]
(0010,2160) SH [  lead]
(0011,1234) UN 01\02
(0018,0015) CS [HEAD]
(0018,0050) DS [1.25\ 2.5 ]
(0018,1020) LO [0123456789012345678901234567890123456789012345678901234567890123456789XYZ]
(0018,1030) LO [012345678901234567890123456789012345678901234567890123456789012345]
(0018,1031) LO [0123456789012345678901234567890123456789012345678901234567890123456]
(0018,9089) FD 1\2\3
(0018,9220) FD 1e300\1.7976931348623157e308
(0019,0010) LO [PRIV]
(0019,1010) UN 01\02\03
(0020,000d) UI [1.2.840.113619.2.55.3.604688119.969.1268071029.320.12345678901234]
(0020,0013) IS [7]
(0020,9157) UL 4294967295\0\7
(0020,9165) AT (0008,0020)\(0010,0010)\(0020,000d)\(0028,0010)\(0028,0011)\(0028,0012)\(0028,0013)
(0020,9167) AT (0010,0020)
(0004,1200) UL 5
(0028,0010) US 512
(0028,0011) US 1\2\3\4\5\6\7\8\9\10\11\12\13\14\15\16\17\18\19\20\21\22\23\24\25\26\27\28\29\30
(0028,0106) SS -5
(0028,1050) DS [40]
(0028,1201) OW 0102\0304\0506\0708\090a\0b0c\0d0e\0f10\1112\1314\1516\1718\191a\1b1c\1d1e\1f20
(0028,1202) OW 0102\0304
(0028,3006) US 1\2
(0029,0000) UL 12
(0031,0010) LO (no value available)
(0032,4000) LT [text with \ backslash]
(0040,0275) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=1)
    (0040,0008) SQ (Sequence with explicit length #=1)
      (fffe,e000) na (Item with explicit length #=1)
        (0008,0100) SH [CODE1]
      (fffe,e00d) na (ItemDelimitationItem for re-encoding)
    (fffe,e0dd) na (SequenceDelimitationItem for re-encod.)
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encod.)
(0040,9212) FD 0.1\0.3333333333333333\1e20\1e-5\-2.5\123456.789\3.141592653589793\0\-0
(0040,a160) UT [unlimited text]
(0042,0011) OB 01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20\21
(0042,0012) LO [application/pdf]
(5400,1010) OW 0102\0304
(0070,0084) PN [=^]
(0072,0026) AT (0008,0020)\(0010,0010)\(0020,000d)\(0028,0010)\(0028,0011)
(0072,0028) US (no value available)
(7fe0,0010) OW 0102\0304
`;

const PIXEL_DUMP = String.raw`(0002,0010) UI =JPEGBaseline
(0008,0016) UI =SecondaryCaptureImageStorage
(0028,0010) US 1
(7fe0,0010) OB (PixelSequence #=3)
  (fffe,e000) pi (no value available)
  (fffe,e000) pi 01\02\03\04
  (fffe,e000) pi 01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20\21\22
(fffe,e0dd) na (SequenceDelimitationItem)
`;

function dump2dcm(name: string, text: string, args: string[]): string {
  const dump = join(tmp.path, `${name}.dump`);
  const file = join(tmp.path, `${name}.dcm`);
  writeFileSync(dump, text);
  const r = spawnSync('dump2dcm', [...args, dump, file], { encoding: 'latin1' });
  assert.equal(r.status, 0, r.stderr);
  return file;
}

/** dcmdump's output split into the data set's "# Used TransferSyntax" name and its element lines. */
function dcmdump(file: string, all: boolean): { syntax: string; lines: string[] } {
  const r = spawnSync('dcmdump', all ? ['+L', file] : [file], { encoding: 'latin1' });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.split('\n');
  const start = out.indexOf('# Dicom-Data-Set');
  assert.ok(start >= 0, r.stdout);
  return { syntax: (out[start + 1] ?? '').replace('# Used TransferSyntax: ', ''), lines: out.slice(start + 2).filter((l) => l !== '') };
}

async function assertSameAsDcmdump(file: string, explicitVr: boolean, syntaxUid?: string): Promise<void> {
  const elements = await readQueryFile(file);
  for (const all of [false, true]) {
    const theirs = dcmdump(file, all);
    // Our string is UTF-8, DCMTK's raw bytes: compare as Latin-1 on both sides, which keeps ASCII as it is.
    const ours = dumpElementLines(elements, { shortenLongValues: !all, explicitVr });
    assert.deepEqual(ours, theirs.lines, `${file} ${all ? '+L' : '-L'}`);
    if (syntaxUid) assert.equal(transferSyntaxName(syntaxUid), theirs.syntax);
  }
}

peerTest('dump format: every VR in explicit VR little endian, as dcmdump prints it (-L and +L)', ['dump2dcm', 'dcmdump'], async () => {
  await assertSameAsDcmdump(dump2dcm('explicit', DUMP, ['+te']), true, '1.2.840.10008.1.2.1');
});

peerTest('dump format: implicit VR little endian (sequence lengths counted with 8-byte headers)', ['dump2dcm', 'dcmdump'], async () => {
  await assertSameAsDcmdump(dump2dcm('implicit', DUMP, ['+ti']), false, '1.2.840.10008.1.2');
});

peerTest('dump format: explicit VR big endian', ['dump2dcm', 'dcmdump'], async () => {
  await assertSameAsDcmdump(dump2dcm('big', DUMP, ['+tb']), true, '1.2.840.10008.1.2.2');
});

peerTest('dump format: encapsulated pixel data (PixelSequence, pixel items)', ['dump2dcm', 'dcmdump'], async () => {
  await assertSameAsDcmdump(dump2dcm('pixel', PIXEL_DUMP, []), true, '1.2.840.10008.1.2.4.50');
});

/** One explicit VR little endian element, header and value as given (odd lengths too). */
function rawElement(group: number, element: number, vr: string, data: Buffer): Buffer {
  const long = ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV'].includes(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(element, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(data.length, 8);
  else h.writeUInt16LE(data.length, 6);
  return Buffer.concat([h, data]);
}

peerTest('dump format: FL/FD/OF/OD digits as DCMTK\'s own ftoa makes them, odd lengths, padding, invalid values', ['dcmdump'], async () => {
  // A fixed pseudo-random sequence: the same doubles on every run.
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const values = [0, -0, 1, -1, 0.1, 0.5, 1 / 3, 1e-5, 1e-4, 9.9999e-5, 1e16, 1e17, 99999999999999999, 1e21, 1e300,
    1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 0.30000000000000004, 356, 35.6, 999.9999999999999,
    0.9999999999999999, 9.5, 0.95, Math.PI, NaN, Infinity, -Infinity, 4.35, 12345678901234567890];
  for (let i = 0; i < 2000; i++) {
    const k = rnd();
    if (k < 0.4) values.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20));
    else if (k < 0.6) values.push(Math.round(rnd() * 1e6) / 1000);
    else {
      const b = Buffer.alloc(8);
      for (let j = 0; j < 8; j++) b[j] = Math.floor(rnd() * 256);
      values.push(b.readDoubleLE(0));
    }
  }
  const od = Buffer.alloc(values.length * 8);
  const of = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => { od.writeDoubleLE(v, i * 8); of.writeFloatLE(v, i * 4); });
  const parts = [
    rawElement(0x0008, 0x0052, 'CS', Buffer.from('STUDY ')),
    rawElement(0x0010, 0x0010, 'PN', Buffer.from('A\\B \\ ')),
    rawElement(0x0010, 0x0020, 'LO', Buffer.from('ABC')), // odd length: DCMTK adds a NUL
    rawElement(0x0010, 0x0030, 'DA', Buffer.from('  ')), // padding only: no value
    rawElement(0x0018, 0x9219, 'FL', of.subarray(0, 40)),
    rawElement(0x0020, 0x000d, 'UI', Buffer.from('1.2. 3\0')), // white space in a UID is dropped
    rawElement(0x0020, 0x000e, 'UI', Buffer.from('1.2.840.10008.1.2.1\0')),
    rawElement(0x0028, 0x0010, 'US', Buffer.from([1])), // one byte of a US
    rawElement(0x0028, 0x1201, 'OW', Buffer.alloc(0)),
    rawElement(0x0040, 0x9212, 'FD', od.subarray(0, 200)),
    rawElement(0x0042, 0x0011, 'OB', Buffer.alloc(0)),
    rawElement(0x7fe0, 0x0008, 'OF', of),
    rawElement(0x7fe0, 0x0009, 'OD', od),
  ];
  const file = join(tmp.path, 'raw.dcm');
  writeFileSync(file, Buffer.concat(parts));
  await assertSameAsDcmdump(file, true);
});

peerTest('dump format: private elements named and typed from private.dic when their creator is known in their item', ['dump2dcm', 'dcmdump'], async () => {
  const text = readFileSync(join(FIXTURES, 'private.dump'), 'latin1');
  for (const [name, args, explicitVr] of [['private-ex', ['+te'], true], ['private-im', ['+ti'], false]] as const) {
    const file = dump2dcm(name, text, [...args]);
    const lines = dcmdump(file, true).lines;
    // Not vacuous: DCMTK names them from private.dic (and leaves the unknown ones unnamed).
    assert.ok(lines.some((l) => l.startsWith('(0019,1002)') && l.endsWith(' NumberOfCellsInDetector')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('(0011,1001)') && l.endsWith(' Unknown Tag & Data')), lines.join('\n'));
    await assertSameAsDcmdump(file, explicitVr);
  }
});
