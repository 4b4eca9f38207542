/**
 * Proves the peer harness itself: a generated study indexed into a real dcmqrscp is retrieved twice with DCMTK's
 * movescu, and compareDirs finds the two outputs identical and named as DCMTK names them. Also checks that
 * compareDirs reports what differs (names, meta, first differing dataset byte).
 */
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import {
  compareDirs,
  formatDirDiff,
  freePort,
  indexIntoDcmqrscp,
  readPart10Header,
  runMovescu,
  startDcmqrscp,
  studyMoveArgs,
  tempDir,
  type Dcmqrscp,
  type TempDir,
} from '../helpers/peers';
import { makeStudy, type GeneratedStudy } from '../helpers/dicom-gen';
import { cleanupsAfter } from '../helpers/cleanups';

const DCMTK = ['dump2dcm', 'dcmqridx', 'dcmqrscp', 'movescu'];

interface Setup {
  tmp: TempDir;
  qr: Dcmqrscp;
  storePort: number;
  ct: GeneratedStudy;
  mixed: GeneratedStudy;
}

let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

function archive(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('harness-selftest');
    cleanups.push(() => tmp.cleanup());
    const ct = await makeStudy({
      dir: join(tmp.path, 'src-ct'),
      patientId: 'SELFTEST1',
      series: [{ sopClass: 'ct', count: 5, rows: 64, cols: 64, transferSyntax: 'implicit' }],
    });
    const mixed = await makeStudy({
      dir: join(tmp.path, 'src-mixed'),
      patientId: 'SELFTEST2',
      series: [
        { sopClass: 'ct', count: 1, rows: 16, cols: 16, transferSyntax: 'explicit' },
        { sopClass: 'mr', count: 1, rows: 8, cols: 8, transferSyntax: 'implicit' },
        { sopClass: 'sc', count: 1, rows: 5, cols: 5, bitsAllocated: 8, transferSyntax: 'big' },
        { sopClass: 'mf-byte', count: 1, rows: 4, cols: 4, frames: 3, transferSyntax: 'implicit' },
        { sopClass: 'mf-word', count: 1, rows: 4, cols: 4, frames: 3, transferSyntax: 'big' },
        { sopClass: 'sr', count: 1, transferSyntax: 'implicit', undefinedLengths: true },
        { sopClass: 'pdf', count: 1, transferSyntax: 'explicit' },
      ],
    });
    const db = join(tmp.path, 'db');
    await indexIntoDcmqrscp(db, [...ct.files, ...mixed.files]);
    const storePort = await freePort();
    const t0 = Date.now();
    const qr = await startDcmqrscp({ storageDir: db, moveDestinations: [{ ae: 'MOVESCU', port: storePort }] });
    cleanups.push(() => qr.stop());
    console.log(`# dcmqrscp listening after ${Date.now() - t0} ms`);
    return { tmp, qr, storePort, ct, mixed };
  })();
  return setup;
}

async function retrieve(s: Setup, studyUid: string, outDir: string): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  const r = await runMovescu('dcmtk', studyMoveArgs({ qrPort: s.qr.port, storePort: s.storePort, studyUid, outDir }));
  assert.equal(r.code, 0, `movescu exit ${r.code}\nstderr:\n${r.stderr}\ndcmqrscp:\n${s.qr.logs()}`);
  return r.wallMs;
}

peerTest('harness: two DCMTK retrievals of the same study compare identical', DCMTK, async (t) => {
  const s = await archive();
  const a = join(s.tmp.path, 'out-a');
  const b = join(s.tmp.path, 'out-b');
  const wa = await retrieve(s, s.ct.studyUid, a);
  const wb = await retrieve(s, s.ct.studyUid, b);
  t.diagnostic(`5-image retrieval with DCMTK movescu: ${wa.toFixed(0)} ms, ${wb.toFixed(0)} ms`);
  const expected = s.ct.sopInstanceUids.map((u) => `CT.${u}`).sort();
  assert.deepEqual(readdirSync(a).sort(), expected);
  const d = await compareDirs(a, b);
  assert.ok(d.identical, formatDirDiff(d));
  assert.equal(d.compared, 5);
});

peerTest('harness: every generated SOP class arrives under DCMTK\'s prefix', DCMTK, async () => {
  const s = await archive();
  const out = join(s.tmp.path, 'out-mixed');
  await retrieve(s, s.mixed.studyUid, out);
  const expected = s.mixed.instances.map((i) => i.dcmtkName ?? '?').sort();
  assert.deepEqual(readdirSync(out).sort(), expected);
  assert.deepEqual(
    expected.map((n) => n.split('.')[0]).sort(),
    ['CT', 'MR', 'PDF', 'SC', 'SCb', 'SCw', 'SRt'],
  );
  for (const name of expected) {
    const h = await readPart10Header(join(out, name));
    const ts = h.meta.find((e) => e.tag === '00020010')?.value.toString('latin1').replace(/\0$/, '');
    // the store SCP of DCMTK's movescu prefers explicit VR little endian, so dcmqrscp re-encodes on the way
    assert.equal(ts, '1.2.840.10008.1.2.1', name);
  }
});

peerTest('harness: compareDirs reports missing names, meta and dataset differences', ['dump2dcm'], async () => {
  const tmp = tempDir('harness-compare');
  cleanups.push(() => tmp.cleanup());
  const st = await makeStudy({
    dir: join(tmp.path, 'a'),
    patientId: 'CMP',
    series: [{ sopClass: 'ct', count: 3, rows: 8, cols: 8 }],
  });
  const b = join(tmp.path, 'b');
  mkdirSync(b);
  for (const f of st.files) copyFileSync(f, join(b, f.split('/').pop() as string));
  assert.ok((await compareDirs(join(tmp.path, 'a'), b)).identical);

  const names = readdirSync(b).sort();
  const [n0, n1, n2] = names as [string, string, string];
  rmSync(join(b, n0));
  const h1 = await readPart10Header(join(b, n1));
  // flip a byte 10 bytes into the dataset of the second file
  const fd = openSync(join(b, n1), 'r+');
  writeSync(fd, Buffer.from([0xee]), 0, 1, h1.datasetOffset + 10);
  closeSync(fd);
  // change the transfer syntax UID's last character in the third file's meta ('1' -> '2'): not an ignored element
  const h2 = await readPart10Header(join(b, n2));
  const fd2 = openSync(join(b, n2), 'r+');
  // locate (0002,0010) UI in the meta bytes
  const buf = Buffer.alloc(h2.datasetOffset);
  readSync(fd2, buf, 0, buf.length, 0);
  const at = buf.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]));
  const len = buf.readUInt16LE(at + 6);
  writeSync(fd2, Buffer.from('2'), 0, 1, at + 8 + len - 2);
  closeSync(fd2);

  const d = await compareDirs(join(tmp.path, 'a'), b);
  assert.equal(d.identical, false);
  assert.deepEqual(d.onlyInA, [n0]);
  assert.deepEqual(d.onlyInB, []);
  const byName = new Map(d.differing.map((x) => [x.name, x]));
  assert.equal(byName.get(n1)?.kind, 'dataset');
  assert.equal(byName.get(n1)?.datasetOffset, 10);
  assert.equal(byName.get(n2)?.kind, 'meta');
  assert.match(byName.get(n2)?.detail ?? '', /\(0002,0010\)/);
  assert.match(formatDirDiff(d), /only in a/);
});
