/**
 * DicomJsonEncoder (PS3.18 F.2) against real readers: data sets made by DCMTK's dump2dcm (or our encodeDataset
 * for what dump2dcm cannot write) are encoded by us, and pydicom reads our JSON line back (Dataset.from_json)
 * and compares it element by element with the same file read by dcmread (group 0002 left out). dcm2json is
 * compared where it conforms, and shown to write invalid JSON where it does not (DS "1.", FD NaN).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { peerTest } from '../helpers/peer-gate';
import { chunks, tempDir } from '../helpers/dataset';
import { DicomJsonEncoder, datasetToJson, type DicomJsonEncoderOptions } from '../../lib/dataset/codec/json-encoder';
import { DatasetTokenizer } from '../../lib/dataset/codec/tokenizer';
import { parseFileMeta, encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import type { DataElement } from '../../lib/dataset/codec/element';
import type { DatasetToken } from '../../lib/dataset/codec/tokens';
import { encodeNumbers, stringToBytes } from '../../lib/dataset/codec/values';
import { DimseError } from '../../lib/errors';

import { needPydicom, pyCompare } from '../helpers/pydicom';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const PEERS = ['dump2dcm', 'python3'];


// ---- helpers -------------------------------------------------------------------------------------------------

function dump2dcm(dir: string, name: string, dump: string | Buffer, args: string[] = []): string {
  const dumpFile = join(dir, `${name}.dump`);
  const dcm = join(dir, `${name}.dcm`);
  writeFileSync(dumpFile, dump);
  // dump2dcm exits 0 even when it rejects the dump: its stderr and the missing file tell.
  const r = spawnSync('dump2dcm', ['+l', '10000000', ...args, dumpFile, dcm], { encoding: 'utf8' });
  assert.ok(existsSync(dcm) && !/^E:/m.test(r.stderr), `dump2dcm failed: ${r.stderr}`);
  return dcm;
}

/** Tokens of a Part 10 file's data set, the bytes fed in small random chunks (and values split at `maxWhole`). */
async function fileTokens(file: string, seed: number, maxWhole?: number, fromMeta = false): Promise<{ tokens: DatasetToken[]; ts: string }> {
  const buf = readFileSync(file);
  const meta = parseFileMeta(buf);
  assert.ok(meta?.transferSyntaxUid);
  const ts = meta.transferSyntaxUid;
  // fromMeta: group 0002 goes through the encoder too (explicit VR LE files only), which must leave it out.
  const body = fromMeta ? buf.subarray(132) : buf.subarray(meta.datasetOffset);
  const tokens: DatasetToken[] = [];
  await pipeline(
    Readable.from(chunks(body, seed, 97)),
    new DatasetTokenizer({ transferSyntax: ts, ...(maxWhole ? { maxWholeValueLength: maxWhole } : {}) }),
    new Writable({ objectMode: true, write(t: DatasetToken, _e, cb): void { tokens.push(t); cb(); } }),
  );
  return { tokens, ts };
}

async function fileToJson(file: string, options: Partial<DicomJsonEncoderOptions> = {}, seed = 1, maxWhole?: number): Promise<string> {
  const { tokens, ts } = await fileTokens(file, seed, maxWhole);
  return datasetToJson(tokens, { inputTransferSyntax: ts, ...options });
}

type JsonElement = { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string };

function parseLine(line: string): Record<string, JsonElement> {
  assert.ok(line.endsWith('}\n'), 'one JSON object, newline-terminated');
  assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line');
  return JSON.parse(line) as Record<string, JsonElement>;
}

function part10(elements: DataElement[], ts: string): Buffer {
  return Buffer.concat([
    encodeFileMeta({
      mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      mediaStorageSopInstanceUid: '1.2.3.4',
      transferSyntaxUid: ts,
      implementationClassUid: '1.2.3',
      implementationVersionName: 'TEST',
    }),
    encodeDataset(elements, ts),
  ]);
}

const str = (tag: number, vr: string, s: string | Buffer): DataElement => ({ tag, vr, value: Buffer.isBuffer(s) ? s : stringToBytes(s, vr) });

// ---- the main data set ---------------------------------------------------------------------------------------

/** Everything the rules name that dump2dcm can write (UTF-8 dump: ISO_IR 192). */
const MAIN_DUMP = `
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]
(0008,0018) UI [1.2.3.4.5]
(0008,0060) CS [OT\\\\MR]
(0008,1030) LO [Grüße aus Köln  ]
(0008,103e) LO [A\\\\B\\]
(0008,1010) SH []
(0010,0010) PN [Yamada^Tarou=山田^太郎=やまだ^たろう\\Doe^John\\\\=Only^Ideographic]
(0010,1001) PN [Single^Name]
(0010,0020) LO []
(0010,4000) LT [a text\\with a backslash  ]
(0008,0119) UC [x\\y]
(0018,0050) DS [1.]
(0018,0088) DS [+1\\.5\\1e3\\NaN\\ 2.5 \\-0.25]
(0020,0013) IS [+1]
(0020,0012) IS [ 42 ]
(0028,0034) IS [4\\3]
(0020,9165) AT (0010,0010)\\(7fe0,0010)
(0018,9089) FD 0.5\\-1.25\\3\\1e300
(0018,9219) SS -5
(0028,0010) US 2
(0028,0011) US 2
(0018,6020) SL -7\\2147483647
(0040,a132) UL 4294967295
(0008,9459) FL 29.5
(0018,1638) OF 1.5\\2.5
(0008,1110) SQ (Sequence)
  (fffe,e000) na (Item)
  (fffe,e00d) na (ItemDelimitationItem)
  (fffe,e000) na (Item)
    (0008,1150) UI [1.2.3]
    (0040,a730) SQ (Sequence)
    (fffe,e0dd) na (SequenceDelimitationItem)
    (0008,1199) SQ (Sequence)
      (fffe,e000) na (Item)
        (0040,a160) UT [deep text]
      (fffe,e00d) na (ItemDelimitationItem)
    (fffe,e0dd) na (SequenceDelimitationItem)
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0019,0010) LO [ACME]
(0019,1001) UN 01\\02\\03\\04
(0029,0010) LO [EMPTY]
(0029,1001) OB 01\\02\\03\\04\\05\\06
(0028,0100) US 16
(7fe0,0010) OW 0102\\0304\\0506
`;

peerTest('json: explicit VR LE data set reads back in pydicom equal to dcmread of the dump2dcm file', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const dcm = dump2dcm(dir, 'main', MAIN_DUMP);
  // Group 0002 goes through the encoder here: it must be left out.
  const { tokens, ts } = await fileTokens(dcm, 7, undefined, true);
  assert.ok(tokens.some((tk) => tk.type === 'element' && tk.tag >>> 16 === 2));
  const line = await datasetToJson(tokens, { inputTransferSyntax: ts });
  const j = parseLine(line);

  // The rules, spelled out.
  assert.ok(Object.keys(j).every((k) => /^[0-9A-F]{8}$/.test(k) && !k.startsWith('0002') && !k.startsWith('0000')));
  assert.deepEqual(j['00080005'], { vr: 'CS', Value: ['ISO_IR 192'] });
  assert.deepEqual(j['00080060'], { vr: 'CS', Value: ['OT', null, 'MR'] });
  assert.deepEqual(j['00081030'], { vr: 'LO', Value: ['Grüße aus Köln'] });
  assert.deepEqual(j['0008103E'], { vr: 'LO', Value: ['A', null, 'B', null] });
  assert.deepEqual(j['00081010'], { vr: 'SH' });
  assert.deepEqual(j['00100010'], {
    vr: 'PN',
    Value: [
      { Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' },
      { Alphabetic: 'Doe^John' },
      null,
      { Ideographic: 'Only^Ideographic' },
    ],
  });
  assert.deepEqual(j['00101001'], { vr: 'PN', Value: [{ Alphabetic: 'Single^Name' }] });
  assert.deepEqual(j['00104000'], { vr: 'LT', Value: ['a text\\with a backslash'] });
  assert.deepEqual(j['00080119'], { vr: 'UC', Value: ['x', 'y'] });
  assert.deepEqual(j['00180050'], { vr: 'DS', Value: ['1.'] });
  assert.deepEqual(j['00180088'], { vr: 'DS', Value: ['+1', '.5', 1000, 'NaN', 2.5, -0.25] });
  assert.ok(line.includes('"Value":["+1",".5",1e3,"NaN",2.5,-0.25]'), 'DS numbers written as their own text');
  assert.deepEqual(j['00200013'], { vr: 'IS', Value: ['+1'] });
  assert.deepEqual(j['00200012'], { vr: 'IS', Value: [42] });
  assert.deepEqual(j['00209165'], { vr: 'AT', Value: ['00100010', '7FE00010'] });
  assert.deepEqual(j['00189089'], { vr: 'FD', Value: [0.5, -1.25, 3, 1e300] });
  assert.deepEqual(j['00186020'], { vr: 'SL', Value: [-7, 2147483647] });
  assert.deepEqual(j['0040A132'], { vr: 'UL', Value: [4294967295] });
  assert.deepEqual(j['00081110'], {
    vr: 'SQ',
    Value: [
      {},
      {
        '00081150': { vr: 'UI', Value: ['1.2.3'] },
        '0040A730': { vr: 'SQ' },
        '00081199': { vr: 'SQ', Value: [{ '0040A160': { vr: 'UT', Value: ['deep text'] } }] },
      },
    ],
  });
  assert.deepEqual(j['00191001'], { vr: 'UN', InlineBinary: Buffer.of(1, 2, 3, 4).toString('base64') });
  assert.deepEqual(j['00291001'], { vr: 'OB', InlineBinary: Buffer.of(1, 2, 3, 4, 5, 6).toString('base64') });
  assert.deepEqual(j['7FE00010'], { vr: 'OW', InlineBinary: encodeNumbers('OW', [0x0102, 0x0304, 0x0506]).toString('base64') });
  // Elements in the order received: the top-level element tokens, group 0002 left out.
  let depth = 0;
  const received: string[] = [];
  for (const tk of tokens) {
    if ((tk.type === 'element' || tk.type === 'sequenceStart') && depth === 0 && tk.tag >>> 16 !== 2) {
      received.push(tk.tag.toString(16).toUpperCase().padStart(8, '0'));
    }
    if (tk.type === 'sequenceStart') depth++;
    if (tk.type === 'sequenceEnd') depth--;
  }
  const topKeys = Object.keys(j);
  assert.deepEqual(topKeys, received);

  const r = pyCompare(py, dcm, line);
  assert.deepEqual(r.diffs, {});
  assert.equal(r.count, topKeys.length);
});

peerTest('json: the same data set as implicit VR LE and explicit VR big endian reads back equal in pydicom', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const le = await fileToJson(dump2dcm(dir, 'el', MAIN_DUMP), {}, 3);
  for (const [name, arg, ts] of [['implicit', '+ti', IMPLICIT_LE], ['big', '+tb', EXPLICIT_BE]] as const) {
    const dcm = dump2dcm(dir, name, MAIN_DUMP, [arg]);
    assert.equal(parseFileMeta(readFileSync(dcm))?.transferSyntaxUid, ts);
    const line = await fileToJson(dcm, {}, 11);
    assert.deepEqual(pyCompare(py, dcm, line).diffs, {}, name);
    const j = parseLine(line);
    // Little-endian bytes whatever the input's byte order (F.2.7).
    assert.equal(j['7FE00010']?.InlineBinary, encodeNumbers('OW', [0x0102, 0x0304, 0x0506]).toString('base64'), name);
    if (name === 'big') {
      // Explicit VR: the VRs are the file's, so the whole line is the explicit VR LE one.
      assert.equal(line, le);
    }
  }
});

peerTest('json: values streamed in small value tokens give the same line as whole values', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  // A long UT (multi-byte characters split across value tokens), a long UC with many values, a long OB.
  const ut = `${'Ωmega text ünïcödé \\ '.repeat(3000)}end   `;
  const uc = Array.from({ length: 2000 }, (_, i) => (i % 7 === 0 ? '' : `välue${i}`)).join('\\');
  const dump = `(0008,0005) CS [ISO_IR 192]\n(0008,0119) UC [${uc}]\n(0040,a160) UT [${ut}]\n` +
    `(0010,0010) PN [${'Ab^Cd=Éf\\'.repeat(50)}]\n(0018,0088) DS [${'1.25\\'.repeat(100)}7]\n` +
    `(0029,0010) LO [X]\n(0029,1001) OB ${Array.from({ length: 70001 }, (_, i) => (i * 7) & 0xff).join('\\')}\n`;
  const dcm = dump2dcm(dir, 'long', dump);
  const whole = await fileToJson(dcm, {}, 5, 1 << 20);
  for (const [seed, maxWhole] of [[1, 3], [2, 17], [3, 1000]]) {
    assert.equal(await fileToJson(dcm, {}, seed as number, maxWhole), whole, `maxWholeValueLength ${maxWhole}`);
  }
  const j = parseLine(whole);
  assert.deepEqual(j['0040A160']?.Value, [ut.replace(/ +$/, '')]);
  assert.equal(j['00080119']?.Value?.length, 2000);
  assert.equal(j['00080119']?.Value?.[0], null);
  assert.deepEqual(pyCompare(py, dcm, whole).diffs, {});
});

peerTest('json: ISO_IR 100 (latin1) text is decoded per Specific Character Set, also in items', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const dump = Buffer.from(
    '(0008,0005) CS [ISO_IR 100]\n(0010,0010) PN [M\u00fcller^J\u00fcrgen]\n(0008,1030) LO [Caf\u00e9]\n' +
    '(0008,1110) SQ (Sequence)\n  (fffe,e000) na (Item)\n    (0008,1150) UI [1.2]\n    (0008,1030) LO [\u00e9t\u00e9]\n' +
    '  (fffe,e00d) na\n(fffe,e0dd) na\n', 'latin1');
  const dcm = dump2dcm(dir, 'latin1', dump);
  const line = await fileToJson(dcm);
  const j = parseLine(line);
  assert.deepEqual(j['00100010']?.Value, [{ Alphabetic: 'Müller^Jürgen' }]);
  assert.deepEqual(j['00081030']?.Value, ['Café']);
  assert.deepEqual(pyCompare(py, dcm, line).diffs, {});
});

peerTest('json: encapsulated pixel data is InlineBinary of its items (EVR LE, no delimiter): pydicom gets the same PixelData', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const frag1 = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9, 0]);
  const frag2 = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
  const elements: DataElement[] = [
    str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    str(0x00080018, 'UI', '1.2.3.4'),
    { tag: 0x00280010, vr: 'US', value: encodeNumbers('US', [8]) },
    { tag: 0x7fe00010, vr: 'OB', value: { fragments: [Buffer.alloc(0), frag1, frag2] } },
  ];
  const dcm = join(dir, 'jpeg.dcm');
  writeFileSync(dcm, part10(elements, JPEG_BASELINE));
  const line = await fileToJson(dcm, {}, 9, 100);
  const j = parseLine(line);
  const item = (b: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(b.length, 4);
    return Buffer.concat([h, b]);
  };
  const items = Buffer.concat([item(Buffer.alloc(0)), item(frag1), item(frag2)]);
  assert.deepEqual(j['7FE00010'], { vr: 'OB', InlineBinary: items.toString('base64') });
  assert.deepEqual(pyCompare(py, dcm, line).diffs, {});

  // With bulk data, encapsulated pixel data always goes to a file (its length is unknown up front): same bytes.
  const bulkDir = tempDir();
  const bulkLine = await fileToJson(dcm, { bulkData: { directory: bulkDir, threshold: 1e9 } }, 4, 64);
  const uri = parseLine(bulkLine)['7FE00010']?.BulkDataURI ?? '';
  assert.deepEqual(readFileSync(fileURLToPath(uri)), items);
  assert.deepEqual(pyCompare(py, dcm, bulkLine).diffs, {});
});

peerTest('json: an undefined-length UN sequence is written as SQ with its items; SV/UV as strings', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const elements: DataElement[] = [
    str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    str(0x00080018, 'UI', '1.2.3.4'),
    { tag: 0x00089e98, vr: 'SV', value: Buffer.from(new BigInt64Array([-(2n ** 63n), 5n]).buffer) },
    { tag: 0x00089e99, vr: 'UV', value: Buffer.from(new BigUint64Array([2n ** 64n - 1n]).buffer) },
    str(0x00190010, 'LO', 'ACME'),
    { tag: 0x00191010, vr: 'UN', value: [[str(0x00100020, 'LO', 'inner')], []] },
  ];
  const dcm = join(dir, 'un.dcm');
  writeFileSync(dcm, part10(elements, EXPLICIT_LE));
  const line = await fileToJson(dcm);
  const j = parseLine(line);
  assert.deepEqual(j['00089E98'], { vr: 'SV', Value: ['-9223372036854775808', '5'] });
  assert.deepEqual(j['00089E99'], { vr: 'UV', Value: ['18446744073709551615'] });
  assert.deepEqual(j['00191010'], { vr: 'SQ', Value: [{ '00100020': { vr: 'LO', Value: ['inner'] } }, {}] });
  // pydicom too reads the undefined-length UN as a sequence (of implicit VR LE items).
  assert.deepEqual(pyCompare(py, dcm, line).diffs, {});
});

peerTest('json: dcm2json writes the same JSON where it conforms', ['dump2dcm', 'dcm2json'], async () => {
  const dir = tempDir();
  // Without DS "1.": dcm2json's output of it is not JSON (next test).
  const dcm = dump2dcm(dir, 'main', MAIN_DUMP.replace(/^\(0018,0050\).*$/m, ''));
  const ours = parseLine(await fileToJson(dcm));
  const theirs = JSON.parse(execFileSync('dcm2json', ['-fc', dcm], { encoding: 'utf8' })) as Record<string, JsonElement>;
  // Where DCMTK differs: it rewrites IS/DS text as a number ("+1" -> 1, ".5" -> 0.5), and prints FD 1e300 as
  // 1.0000000000000006e+300, another double (ours is JavaScript's shortest round-trip text).
  const differ = ['00180088', '00200013', '00189089'];
  assert.equal((theirs['00189089']?.Value as number[])[3] === 1e300, false);
  for (const k of differ) assert.notDeepEqual(ours[k], theirs[k], k);
  const strip = (o: Record<string, JsonElement>): Record<string, JsonElement> =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !differ.includes(k)));
  assert.deepEqual(strip(ours), strip(theirs));
});

peerTest('json: DS "1." / "1.e5" and FD NaN/Infinity: dcm2json writes invalid JSON, ours parses and pydicom reads it', ['dump2dcm', 'dcm2json', 'python3'], async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const dcm = dump2dcm(dir, 'bad', '(0018,0050) DS [1.]\n(0018,0088) DS [1.e5\\NaN]\n(0018,9089) FD nan\\inf\\-inf\\2\n(0018,9219) FL -inf\n');
  const dcmtk = spawnSync('dcm2json', ['-fc', '-ee', dcm], { encoding: 'utf8' }).stdout;
  assert.throws(() => JSON.parse(dcmtk), SyntaxError, 'dcm2json -ee output is not JSON');
  const strict = spawnSync('dcm2json', ['-fc', dcm], { encoding: 'utf8' });
  assert.notEqual(strict.status, 0, 'dcm2json -es refuses NaN');
  const line = await fileToJson(dcm);
  const j = parseLine(line);
  assert.deepEqual(j['00180050'], { vr: 'DS', Value: ['1.'] });
  assert.deepEqual(j['00180088'], { vr: 'DS', Value: ['1.e5', 'NaN'] });
  assert.deepEqual(j['00189089'], { vr: 'FD', Value: ['NaN', 'Infinity', '-Infinity', 2] });
  assert.deepEqual(j['00189219'], { vr: 'FL', Value: ['-Infinity'] });
  assert.deepEqual(pyCompare(py, dcm, line).diffs, {});
});

peerTest('json: bulk data files (absolute file:// and relative URIs) hold the values; pydicom reads them back', PEERS, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const dir = tempDir();
  const dcm = dump2dcm(dir, 'main', MAIN_DUMP);
  const bulkDir = tempDir();
  // Threshold 4: the 6-byte OB, the 6-byte OW and the 8-byte OF go to files, the 4-byte UN stays inline.
  const line = await fileToJson(dcm, { bulkData: { directory: bulkDir, threshold: 4 } });
  const j = parseLine(line);
  assert.equal(j['00191001']?.InlineBinary, Buffer.of(1, 2, 3, 4).toString('base64'));
  for (const k of ['00291001', '7FE00010', '00181638']) {
    const uri = j[k]?.BulkDataURI;
    assert.ok(uri?.startsWith('file:///'), k);
    assert.equal(j[k]?.InlineBinary, undefined);
    assert.ok(isAbsolute(fileURLToPath(uri ?? '')));
  }
  assert.deepEqual(readFileSync(fileURLToPath(j['00291001']?.BulkDataURI as string)), Buffer.of(1, 2, 3, 4, 5, 6));
  assert.equal(readdirSync(bulkDir).length, 3);
  assert.deepEqual(pyCompare(py, dcm, line).diffs, {});

  // Relative URIs: the caller names them; files land in the same directory with unique names.
  const rel = await fileToJson(dcm, { bulkData: { directory: bulkDir, threshold: 4, uriFor: (name) => `bulk/${name}` } });
  assert.equal(readdirSync(bulkDir).length, 6);
  const jr = parseLine(rel);
  assert.match(jr['7FE00010']?.BulkDataURI ?? '', /^bulk\/[^/]+$/);
  const linked = tempDir();
  execFileSync('ln', ['-s', bulkDir, join(linked, 'bulk')]);
  assert.deepEqual(pyCompare(py, dcm, rel, linked).diffs, {});
});

// ---- without peers -----------------------------------------------------------------------------------------

function el(tag: number, vr: DataElement['vr'], value: Buffer): DatasetToken[] {
  return [
    { type: 'element', tag, vr: vr as 'LO', length: value.length, offset: 0 },
    ...(value.length > 0 ? [{ type: 'value', data: value } as const] : []),
    { type: 'elementEnd', tag },
  ];
}

test('json: group 0000/0002 left out at every level, order kept as received, empty data set is {}', async () => {
  const tokens: DatasetToken[] = [
    ...el(0x00100020, 'LO', Buffer.from('B ')),
    ...el(0x00020010, 'UI', Buffer.from('1.2\0')),
    ...el(0x00080018, 'UI', Buffer.from('1.2.3\0')),
    { type: 'sequenceStart', tag: 0x00081110, vr: 'SQ', length: 0xffffffff, offset: 0 },
    { type: 'itemStart', index: 0, length: 0xffffffff, offset: 0 },
    ...el(0x00000900, 'US', Buffer.of(0, 0)),
    ...el(0x00081150, 'UI', Buffer.from('1.2\0')),
    { type: 'itemEnd', index: 0, offset: 0 },
    { type: 'sequenceEnd', tag: 0x00081110, offset: 0 },
  ];
  const line = await datasetToJson(tokens, { inputTransferSyntax: EXPLICIT_LE });
  assert.equal(line, '{"00100020":{"vr":"LO","Value":["B"]},"00080018":{"vr":"UI","Value":["1.2.3"]},' +
    '"00081110":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2"]}}]}}\n');
  assert.equal(await datasetToJson([], { inputTransferSyntax: EXPLICIT_LE }), '{}\n');
  assert.equal(await datasetToJson(el(0x00100010, 'PN', Buffer.from('  ')), { inputTransferSyntax: EXPLICIT_LE }), '{"00100010":{"vr":"PN"}}\n');
  assert.equal(await datasetToJson(el(0x00100010, 'PN', Buffer.from('==\\A')), { inputTransferSyntax: EXPLICIT_LE }),
    '{"00100010":{"vr":"PN","Value":[null,{"Alphabetic":"A"}]}}\n');
  // JSON escaping of control characters and quotes in text.
  assert.equal(await datasetToJson(el(0x00104000, 'LT', Buffer.from('a"b\r\n\t')), { inputTransferSyntax: EXPLICIT_LE }),
    '{"00104000":{"vr":"LT","Value":["a\\"b\\r\\n\\t"]}}\n');
});

test('json: long texts, ASCII and not, and base64 in pieces of every size come out whole across the output Buffers', async () => {
  const cs = el(0x00080005, 'CS', Buffer.from('ISO_IR 192'));
  // 100,000 characters of ASCII (with characters JSON escapes), then of two- and three-byte UTF-8, each value in
  // one token and in many.
  const ascii = 'Ab"\\c~'.repeat(20000);
  const twoByte = '\u00e9'.repeat(100000);
  const threeByte = '\u6c34'.repeat(50000);
  for (const text of [ascii, twoByte, threeByte]) {
    const bytes = Buffer.from(text, 'utf8');
    const whole: DatasetToken[] = [...cs, ...el(0x0040a160, 'UT', bytes)];
    const pieces: DatasetToken[] = [...cs, { type: 'element', tag: 0x0040a160, vr: 'UT', length: bytes.length, offset: 0 },
      ...chunks(bytes, 7, 30000).map((data) => ({ type: 'value', data }) as const), { type: 'elementEnd', tag: 0x0040a160 }];
    for (const tokens of [whole, pieces]) {
      const line = parseLine(await datasetToJson(tokens, { inputTransferSyntax: EXPLICIT_LE }));
      assert.equal(line['0040A160']?.Value?.[0], text);
    }
  }
  // Binary values of lengths around the 48 KiB base64 block and the 64 KiB output Buffer, in pieces of odd sizes.
  for (const size of [1, 2, 3, 49151, 49152, 49153, 65536, 200001]) {
    const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919) & 0xff));
    const tokens: DatasetToken[] = [{ type: 'element', tag: 0x00091010, vr: 'OB', length: size, offset: 0 },
      ...chunks(data, size, 16373).map((d) => ({ type: 'value', data: d }) as const), { type: 'elementEnd', tag: 0x00091010 }];
    const line = parseLine(await datasetToJson(tokens, { inputTransferSyntax: EXPLICIT_LE }));
    assert.equal(line['00091010']?.InlineBinary, data.toString('base64'), `${size} bytes`);
  }
});

test('json: errors are DimseErrors (unsupported character set with non-ASCII bytes, broken token stream)', async () => {
  const cs = el(0x00080005, 'CS', Buffer.from('ISO 2022 IR 87'));
  // ASCII is fine whatever the set.
  assert.equal(await datasetToJson([...cs, ...el(0x00100010, 'PN', Buffer.from('Yamada'))], { inputTransferSyntax: EXPLICIT_LE }),
    '{"00080005":{"vr":"CS","Value":["ISO 2022 IR 87"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Yamada"}]}}\n');
  await assert.rejects(
    datasetToJson([...cs, ...el(0x00100010, 'PN', Buffer.from([0x1b, 0x24, 0x42, 0x3b, 0x33]))], { inputTransferSyntax: EXPLICIT_LE }),
    (e: unknown) => e instanceof DimseError && e.code === 'JSON_CHARSET_UNSUPPORTED' && e.place.tag === 0x00100010,
  );
  await assert.rejects(
    datasetToJson([{ type: 'element', tag: 0x00100010, vr: 'PN', length: 4, offset: 0 }], { inputTransferSyntax: EXPLICIT_LE }),
    (e: unknown) => e instanceof DimseError && e.code === 'JSON_BAD_TOKEN',
  );
  await assert.rejects(
    datasetToJson([{ type: 'itemStart', index: 0, length: 0, offset: 0 }], { inputTransferSyntax: EXPLICIT_LE }),
    (e: unknown) => e instanceof DimseError && e.code === 'JSON_BAD_TOKEN',
  );
  await assert.rejects(
    datasetToJson(el(0x00100010, 'PN', Buffer.alloc(70000, 0x41)), { inputTransferSyntax: EXPLICIT_LE }),
    (e: unknown) => e instanceof DimseError && e.code === 'JSON_VALUE_TOO_LONG',
  );
  // A bulk data directory that does not exist: the write error, with the file named.
  await assert.rejects(
    datasetToJson(el(0x7fe00010, 'OW', Buffer.alloc(100)), { inputTransferSyntax: EXPLICIT_LE, bulkData: { directory: join(tempDir(), 'missing'), threshold: 10 } }),
    (e: unknown) => e instanceof DimseError && e.code === 'JSON_BULK_WRITE' && typeof e.place.file === 'string',
  );
});

test('json: a 64 MB OW value streams through as base64 in bounded memory', async (t) => {
  const SIZE = 64 * 1024 * 1024;
  const CHUNK = 65536 + 1; // odd chunks: the base64 carry and the OW swap units cross chunk boundaries
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x7fe0, 0);
  header.writeUInt16LE(0x0010, 2);
  header.write('OW', 4, 'latin1');
  header.writeUInt32LE(SIZE, 8);
  const inHash = createHash('sha256');
  function* source(): Generator<Buffer> {
    yield header;
    for (let sent = 0; sent < SIZE;) {
      const n = Math.min(CHUNK, SIZE - sent);
      const b = Buffer.alloc(n);
      for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(Math.imul(sent + i, 2654435761) >>> 0, i);
      inHash.update(b);
      sent += n;
      yield b;
    }
  }
  const outHash = createHash('sha256');
  let text = '';
  let started = false;
  let finished = false;
  let b64carry = '';
  let tail = '';
  let maxChunk = 0;
  let total = 0;
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let queued = 0;
  const encoder = new DicomJsonEncoder({ inputTransferSyntax: EXPLICIT_LE });
  await pipeline(
    Readable.from(source()),
    new DatasetTokenizer({ transferSyntax: EXPLICIT_LE }),
    encoder,
    new Writable({
      write(chunk: Buffer, _e, cb): void {
        maxChunk = Math.max(maxChunk, chunk.length);
        total += chunk.length;
        let s = chunk.toString('latin1');
        if (!started) {
          text += s;
          const at = text.indexOf('"InlineBinary":"');
          if (at < 0) return cb();
          started = true;
          s = text.slice(at + 16);
        }
        if (finished) {
          tail += s;
          return cb();
        }
        const end = s.indexOf('"');
        const data = end >= 0 ? s.slice(0, end) : s;
        if (end >= 0) {
          tail += s.slice(end);
          finished = true;
        }
        const all = b64carry + data;
        const n = all.length - (all.length % 4);
        outHash.update(Buffer.from(all.slice(0, n), 'base64'));
        b64carry = all.slice(n);
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        queued = Math.max(queued, encoder.readableLength + encoder.writableLength);
        cb();
      },
    }),
  );
  outHash.update(Buffer.from(b64carry, 'base64'));
  t.diagnostic(`largest output chunk ${maxChunk} bytes, arrayBuffers growth ${peak} bytes, most queued in the encoder ${queued}`);
  assert.equal(outHash.digest('hex'), inHash.digest('hex'));
  assert.ok(text.startsWith('{"7FE00010":{"vr":"OW","InlineBinary":"'));
  assert.equal(tail, '"}}\n');
  assert.equal(total, text.indexOf('"InlineBinary":"') + 16 + Math.ceil(SIZE / 3) * 4 + 4);
  assert.ok(maxChunk < 1024 * 1024, `largest output chunk ${maxChunk} bytes`);
  assert.ok(queued < 1024 * 1024, `encoder buffered ${queued} bytes/tokens`);
  // Garbage not yet collected counts too, so the bound is loose: holding the value would take 64 MB + 85 MB.
  assert.ok(peak < SIZE / 2, `arrayBuffers grew by ${peak} bytes for a ${SIZE}-byte value`);
});

test('json: a bulk data value arriving in many value tokens is written whole to its file, in order', async () => {
  const dir = tempDir();
  const value = Buffer.from(Array.from({ length: 1_000_003 }, (_, i) => (i * 31) & 0xff));
  const parts: DatasetToken[] = [];
  for (let p = 0; p < value.length; p += 4099) parts.push({ type: 'value', data: value.subarray(p, p + 4099) });
  const tokens: DatasetToken[] = [
    ...el(0x00080018, 'UI', Buffer.from('1.2\0')),
    { type: 'element', tag: 0x00420011, vr: 'OB', length: value.length, offset: 0 },
    ...parts,
    { type: 'elementEnd', tag: 0x00420011 },
    ...el(0x00420012, 'LO', Buffer.from('application/pdf ')),
  ];
  const line = await datasetToJson(tokens, { inputTransferSyntax: EXPLICIT_LE, bulkData: { directory: dir, threshold: 1024 } });
  const j = parseLine(line);
  assert.deepEqual(Object.keys(j), ['00080018', '00420011', '00420012']);
  const uri = j['00420011']?.BulkDataURI ?? '';
  assert.deepEqual(j['00420011'], { vr: 'OB', BulkDataURI: uri });
  assert.ok(createHash('sha256').update(readFileSync(fileURLToPath(uri))).digest('hex') === createHash('sha256').update(value).digest('hex'));
  // A value shorter than its element length said: the file is checked against the length, and it is an error.
  await assert.rejects(
    datasetToJson([{ type: 'element', tag: 0x00420011, vr: 'OB', length: 5000, offset: 0 }, { type: 'value', data: Buffer.alloc(4000) }, { type: 'elementEnd', tag: 0x00420011 }],
      { inputTransferSyntax: EXPLICIT_LE, bulkData: { directory: dir, threshold: 1024 } }),
    (e: unknown) => e instanceof DimseError && e.code === 'JSON_BULK_SHORT_WRITE',
  );
});
