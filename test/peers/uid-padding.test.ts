/**
 * -up (--uid-padding) with objects whose UIDs are padded with spaces, served unchanged by our own archive
 * (dcmqrscp would correct them before sending). In DCMTK 3.6.7 the option changes nothing: it strips one trailing
 * space from the SOP class and instance UIDs it compares with the C-STORE request, after dcmdata's input correction
 * has already removed every space from them (with a warning per element, whether -up is given or not).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { compareDirs, formatDirDiff, runBoth, tempDir, type TempDir } from '../helpers/peers';
import { startOwnArchive } from '../helpers/archive';
import { elementHeader } from '../../lib/dataset/codec/encode';
import { encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import { cleanupsAfter } from '../helpers/cleanups';

const STUDY = '1.2.826.0.1.3680043.2.1143.70';
const INSTANCE = '1.2.826.0.1.3680043.2.1143.77';

interface Setup { tmp: TempDir; qrPort: number; storePort: number }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

/** A secondary capture object whose UIDs are padded with a space (SOP class, instance, study) or led by one (series). */
function spacePadded(): Buffer {
  const ex = { explicitVr: true, littleEndian: true };
  const el = (tag: number, vr: string, v: string): Buffer => {
    assert.equal(v.length % 2, 0, v);
    return Buffer.concat([elementHeader(tag, vr, v.length, ex), Buffer.from(v, 'latin1')]);
  };
  const dataset = Buffer.concat([
    el(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7 '),
    el(0x00080018, 'UI', `${INSTANCE} `),
    el(0x00080060, 'CS', 'OT'),
    el(0x00100010, 'PN', 'Pad^Uid '),
    el(0x00100020, 'LO', 'UP1 '),
    el(0x0020000d, 'UI', `${STUDY} `),
    el(0x0020000e, 'UI', ' 1.2.826.0.1.3680043.2.1143.71'),
  ]);
  return Buffer.concat([encodeFileMeta({
    mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7', mediaStorageSopInstanceUid: INSTANCE,
    transferSyntaxUid: '1.2.840.10008.1.2.1', implementationClassUid: '1.2.3.4.5', implementationVersionName: 'TEST',
  }), dataset]);
}

function archive(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('uid-padding');
    cleanups.push(() => tmp.cleanup());
    const folder = join(tmp.path, 'src');
    mkdirSync(folder);
    writeFileSync(join(folder, 'padded.dcm'), spacePadded());
    const { qrPort, storePort, close } = await startOwnArchive({ folder });
    cleanups.push(close);
    return { tmp, qrPort, storePort };
  })();
  return setup;
}

const args = (s: Setup, extra: string[]) => (dir: string): string[] => ['-S', '-aec', 'ARCHIVE', '+P', String(s.storePort), '-od', dir, ...extra,
  '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY}`, '127.0.0.1', String(s.qrPort)];

const warnings = (s: string): string[] => s.split('\n').filter((l) => l.startsWith('W: '));

peerTest('-up +B: the space-padded object stored as sent, byte for byte, no warning, exit 0; as DCMTK', ['movescu'], async () => {
  const s = await archive();
  // DCMTK's +B writes into its working directory: run it there.
  const r = await runBoth(s.tmp.path, args(s, ['-up', '+B']), { dcmtkCwdIsOut: true });
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  assert.deepEqual(warnings(r.dcmtk.stderr), []);
  assert.deepEqual(warnings(r.ours.stderr), []);
  assert.deepEqual(readdirSync(r.b), [`SC.${INSTANCE}`]);
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, formatDirDiff(d));
  // The spaces are still there.
  assert.ok(readFileSync(join(r.b, `SC.${INSTANCE}`)).includes(Buffer.from(`${INSTANCE} `)));
});

peerTest('-up changes nothing in normal mode either: DCMTK writes the same file and log with and without it, and so do we', ['movescu'], async () => {
  const s = await archive();
  const up = await runBoth(s.tmp.path, args(s, ['-up']));
  const plain = await runBoth(s.tmp.path, args(s, []));
  for (const r of [up, plain]) {
    assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
    assert.equal(r.ours.code, 0, r.ours.stderr);
    // The object is accepted under its request's UID by both (the spaces do not make it "another instance").
    assert.deepEqual(readdirSync(r.a), [`SC.${INSTANCE}`]);
    assert.deepEqual(readdirSync(r.b), readdirSync(r.a));
  }
  // DCMTK: dcmdata removes the spaces from every UID it reads, with a warning each, -up or not.
  assert.deepEqual(warnings(up.dcmtk.stderr).map((l) => /Element (\w+)/.exec(l)?.[1]).sort(),
    ['SOPClassUID', 'SOPInstanceUID', 'SeriesInstanceUID', 'StudyInstanceUID'], up.dcmtk.stderr);
  assert.equal(up.dcmtk.stderr, plain.dcmtk.stderr.replaceAll(plain.a, up.a));
  assert.ok((await compareDirs(up.a, plain.a)).identical);
  assert.equal(up.ours.stderr, plain.ours.stderr.replaceAll(plain.b, up.b));
  assert.ok((await compareDirs(up.b, plain.b)).identical);
  // Ours writes what DCMTK writes (the UIDs without their spaces) and logs its warnings in its order: SOP class and
  // instance first (read for the file meta), then Series before Study (Study, first of its group, is only converted
  // when written; see lib/dcmtk/uid-spaces.ts).
  const d = await compareDirs(plain.a, plain.b);
  assert.ok(d.identical, formatDirDiff(d));
  assert.ok(!readFileSync(join(plain.b, `SC.${INSTANCE}`)).includes(Buffer.from(`${INSTANCE} `)));
  const ours = warnings(plain.ours.stderr);
  const theirs = warnings(plain.dcmtk.stderr);
  assert.deepEqual(theirs.map((l) => /Element (\w+)/.exec(l)?.[1]), ['SOPClassUID', 'SOPInstanceUID', 'SeriesInstanceUID', 'StudyInstanceUID'], plain.dcmtk.stderr);
  assert.deepEqual(ours, theirs, plain.ours.stderr);
});

peerTest('odd lengths (an OW of 3 bytes among them): stored as DCMTK stores them, with its DcmItem warnings in its order', ['movescu'], async () => {
  const tmp = tempDir('odd-lengths');
  cleanups.push(() => tmp.cleanup());
  const folder = join(tmp.path, 'src');
  mkdirSync(folder);
  const ex = { explicitVr: true, littleEndian: true };
  const el = (tag: number, vr: string, v: Buffer | string): Buffer => {
    const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
    return Buffer.concat([elementHeader(tag, vr, b.length, ex), b]);
  };
  const inst = `${INSTANCE}.2`;
  const dataset = Buffer.concat([
    el(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7\0'), el(0x00080018, 'UI', `${inst}\0`), el(0x00100020, 'LO', 'UP1'),
    el(0x0020000d, 'UI', `${STUDY}.2\0`), el(0x00290010, 'LO', 'ACME'),
    el(0x00291010, 'OW', Buffer.from([1, 2, 3])), el(0x00291011, 'UN', Buffer.from([4, 5, 6])), el(0x00291012, 'SH', 'ABC'),
  ]);
  writeFileSync(join(folder, 'odd.dcm'), Buffer.concat([encodeFileMeta({
    mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7', mediaStorageSopInstanceUid: inst,
    transferSyntaxUid: '1.2.840.10008.1.2.1', implementationClassUid: '1.2.3.4.5', implementationVersionName: 'TEST',
  }), dataset]));
  const { qrPort, storePort, close } = await startOwnArchive({ folder });
  cleanups.push(close);
  const r = await runBoth(tmp.path, (dir) => ['-S', '-aec', 'ARCHIVE', '+P', String(storePort), '-od', dir,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${STUDY}.2`, '127.0.0.1', String(qrPort)]);
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  assert.deepEqual(warnings(r.dcmtk.stderr), [
    'W: DcmItem: Length of element (0010,0020) is odd',
    'W: DcmItem: Length of element (0029,1010) is not a multiple of 2 (VR=OW)',
    'W: DcmItem: Length of element (0029,1010) is odd',
    'W: DcmItem: Length of element (0029,1011) is odd',
    'W: DcmItem: Length of element (0029,1012) is odd',
  ], r.dcmtk.stderr);
  assert.deepEqual(warnings(r.ours.stderr), warnings(r.dcmtk.stderr), r.ours.stderr);
  assert.deepEqual(readdirSync(r.b), readdirSync(r.a));
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, formatDirDiff(d));
});
