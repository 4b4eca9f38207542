/**
 * File meta: encodeFileMeta byte for byte against what DCMTK 3.6.7's storescp writes (received from storescu),
 * and reading Part 10 headers with and without preamble/meta, including DCMTK's transfer syntax guess.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { peerTest } from '../helpers/peer-gate';
import { FIXTURES, chunks, run, tempDir } from '../helpers/dataset';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import { detectSyntax, encodeFileMeta, parseFileMeta, readFileMeta } from '../../lib/dataset/part10/file-meta';
import {
  EXPLICIT_BE,
  EXPLICIT_LE,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_LE,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from '../../lib/dataset/codec/transfer-syntax';
import { DimseError } from '../../lib/errors';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

peerTest('encodeFileMeta: byte for byte what DCMTK storescp writes', ['storescp', 'storescu', 'dump2dcm'], async () => {
  const dir = tempDir();
  const input = join(dir, 'in.dcm');
  run('dump2dcm', ['-q', join(FIXTURES, 'many-vrs.dump'), input]);
  const out = join(dir, 'out');
  mkdirSync(out);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const scp = spawn('storescp', ['-od', out, String(port)], { stdio: 'ignore' });
  try {
    let sent = false;
    for (let i = 0; i < 50 && !sent; i++) {
      await sleep(100);
      try {
        run('storescu', ['-aet', 'METATEST', 'localhost', String(port), input]);
        sent = true;
      } catch {
        // storescp not listening yet
      }
    }
    assert.ok(sent, 'storescu sent the file');
  } finally {
    scp.kill();
  }
  const [name] = readdirSync(out);
  assert.ok(name);
  const written = readFileSync(join(out, name));
  const meta = parseFileMeta(written, { final: true });
  assert.ok(meta?.hasMeta);
  assert.equal(meta.sourceApplicationEntityTitle, 'METATEST');
  const ours = encodeFileMeta({
    mediaStorageSopClassUid: meta.mediaStorageSopClassUid ?? '',
    mediaStorageSopInstanceUid: meta.mediaStorageSopInstanceUid ?? '',
    transferSyntaxUid: meta.transferSyntaxUid ?? '',
    implementationClassUid: meta.implementationClassUid ?? '',
    implementationVersionName: meta.implementationVersionName ?? '',
    sourceApplicationEntityTitle: meta.sourceApplicationEntityTitle,
  });
  assert.equal(meta.implementationVersionName, 'OFFIS_DCMTK_367');
  assert.ok(ours.equals(written.subarray(0, meta.datasetOffset)), 'same bytes, preamble to the end of group 0002');
  // Without (0002,0016), as DCMTK's movescu writes in its default mode: the same layout, one element fewer.
  const noSource = encodeFileMeta({ mediaStorageSopClassUid: '1.2', mediaStorageSopInstanceUid: '1.2.3', transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN, implementationClassUid: '1.2', implementationVersionName: 'X' });
  assert.equal(parseFileMeta(noSource, { final: true })?.elements.map((e) => e.tag).join(','), [0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013].join(','));
});

test('encodeFileMeta: layout and padding (SH with space, UI with NUL, AE with space)', () => {
  const b = encodeFileMeta({
    mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7',
    mediaStorageSopInstanceUid: '1.2.3.4.5.6.7',
    transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN,
    implementationClassUid: '1.2.276.0.7230010.3.0.3.6.7',
    implementationVersionName: 'OFFIS_DCMTK_367',
    sourceApplicationEntityTitle: 'MYAET',
  });
  assert.ok(b.subarray(0, 128).equals(Buffer.alloc(128)));
  assert.equal(b.toString('latin1', 128, 132), 'DICM');
  // (0002,0000) UL 172, as storescp wrote for these values (dcmdump +L -M out/SC.1.2.3.4.5.6.7)
  assert.equal(b.readUInt32LE(140), 172);
  assert.equal(b.length, 144 + 172);
  assert.ok(b.includes(Buffer.from('OFFIS_DCMTK_367 ', 'latin1')));
  assert.ok(b.includes(Buffer.from('MYAET ', 'latin1')));
  assert.ok(b.includes(Buffer.from('1.2.840.10008.1.2.1\0', 'latin1')));
});

const body = (ts: string): Buffer => encodeDataset([
  { tag: 0x00080052, vr: 'CS', value: Buffer.from('STUDY ') },
  { tag: 0x00100020, vr: 'LO', value: Buffer.from('P1') },
], ts);

test('parseFileMeta: preamble + meta, meta without preamble, no meta (guessed syntax), meta without group length', () => {
  const meta = encodeFileMeta({ mediaStorageSopClassUid: '1.2', mediaStorageSopInstanceUid: '1.2.3', transferSyntaxUid: EXPLICIT_VR_BIG_ENDIAN, implementationClassUid: '1.2.4', implementationVersionName: 'V' });
  const withPreamble = parseFileMeta(Buffer.concat([meta, body(EXPLICIT_VR_BIG_ENDIAN)]), { final: true });
  assert.ok(withPreamble);
  assert.equal(withPreamble.transferSyntaxUid, EXPLICIT_VR_BIG_ENDIAN);
  assert.deepEqual(withPreamble.syntax, EXPLICIT_BE);
  assert.equal(withPreamble.datasetOffset, meta.length);
  assert.equal(withPreamble.guessed, false);
  assert.equal(withPreamble.mediaStorageSopInstanceUid, '1.2.3');

  const noPreamble = parseFileMeta(Buffer.concat([meta.subarray(132), body(EXPLICIT_VR_BIG_ENDIAN)]), { final: true });
  assert.equal(noPreamble?.preamble, null);
  assert.equal(noPreamble?.datasetOffset, meta.length - 132);
  assert.equal(noPreamble?.transferSyntaxUid, EXPLICIT_VR_BIG_ENDIAN);

  for (const [ts, syntax] of [[IMPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_LE], [EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_LE], [EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_BE]] as const) {
    const bare = parseFileMeta(body(ts), { final: true });
    assert.equal(bare?.hasMeta, false);
    assert.equal(bare?.datasetOffset, 0);
    assert.deepEqual(bare?.syntax, syntax, ts);
    assert.equal(bare?.transferSyntaxUid, ts);
    assert.equal(bare?.guessed, true);
  }
  // meta group without (0002,0000): ends at the first element of another group
  const groupStart = 132 + 12;
  const noLength = Buffer.concat([meta.subarray(0, 132), meta.subarray(groupStart), body(EXPLICIT_VR_BIG_ENDIAN)]);
  const m = parseFileMeta(noLength, { final: true });
  assert.equal(m?.datasetOffset, meta.length - 12);
  assert.equal(m?.transferSyntaxUid, EXPLICIT_VR_BIG_ENDIAN);
  // not enough bytes yet: null, then an answer once final
  assert.equal(parseFileMeta(meta.subarray(0, 100)), null);
  assert.throws(() => parseFileMeta(meta.subarray(0, 150), { final: true }), (e: unknown) => e instanceof DimseError && e.code === 'META_TRUNCATED');
});

test('detectSyntax: DCMTK checkTransferSyntax rules', () => {
  assert.deepEqual(detectSyntax(Buffer.from([0x08, 0x00, 0x05, 0x00, 0x43, 0x53])), EXPLICIT_LE); // (0008,0005) CS
  assert.deepEqual(detectSyntax(Buffer.from([0x00, 0x08, 0x00, 0x05, 0x43, 0x53])), EXPLICIT_BE);
  assert.deepEqual(detectSyntax(Buffer.from([0x08, 0x00, 0x05, 0x00, 0x0a, 0x00])), IMPLICIT_LE);
  assert.deepEqual(detectSyntax(Buffer.from([0x00, 0x08, 0x00, 0x05, 0x0a, 0x00])), { explicitVr: false, littleEndian: false });
  assert.deepEqual(detectSyntax(Buffer.from('vm\n')), EXPLICIT_LE); // under 6 bytes
  assert.deepEqual(detectSyntax(Buffer.from('root:x:0:0')), IMPLICIT_LE); // unknown tags, no VR
});

test('readFileMeta: from a stream in small chunks, body continues at the dataset', async () => {
  const meta = encodeFileMeta({ mediaStorageSopClassUid: '1.2', mediaStorageSopInstanceUid: '1.2.3', transferSyntaxUid: IMPLICIT_VR_LITTLE_ENDIAN, implementationClassUid: '1.2.4', implementationVersionName: 'V' });
  const data = body(IMPLICIT_VR_LITTLE_ENDIAN);
  for (const seed of [1, 5, 9]) {
    const { meta: m, body: rest } = await readFileMeta(Readable.from(chunks(Buffer.concat([meta, data]), seed, 13)));
    assert.equal(m.transferSyntaxUid, IMPLICIT_VR_LITTLE_ENDIAN);
    const got: Buffer[] = [];
    for await (const c of rest) got.push(c as Buffer);
    assert.ok(Buffer.concat(got).equals(data));
  }
});
