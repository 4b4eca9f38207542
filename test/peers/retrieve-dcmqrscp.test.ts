/**
 * Our movescu against DCMTK's dcmqrscp, compared with DCMTK's movescu on the same archive with the same options:
 * same exit code, same file names, same data sets byte for byte (file meta may differ only where it names the
 * implementation). Covers the patient, study and series levels, a query file, several SOP classes, implicit, explicit
 * and big-endian sources, an empty result, an unknown move destination, a rejected and a refused association.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanupsAfter } from '../helpers/cleanups';
import { peerTest } from '../helpers/peer-gate';
import {
  compareDirs, formatDirDiff, freePort, indexIntoDcmqrscp, startDcmqrscp, tempDir,
  runBoth, type Dcmqrscp, type TempDir, type PairRun,
} from '../helpers/peers';
import { makeStudy, type GeneratedStudy } from '../helpers/dicom-gen';
import { FIXTURES } from '../helpers/dataset';

const DCMTK = ['dump2dcm', 'dcmconv', 'dcmqridx', 'dcmqrscp', 'movescu'];

interface Setup { tmp: TempDir; qr: Dcmqrscp; storePort: number; ct: GeneratedStudy; mixed: GeneratedStudy; privateFile: string }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

function archive(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('retrieve-dcmqrscp');
    cleanups.push(() => tmp.cleanup());
    const ct = await makeStudy({
      dir: join(tmp.path, 'src-ct'), patientId: 'RETR1',
      series: [
        { sopClass: 'ct', count: 4, rows: 64, cols: 64, transferSyntax: 'implicit' },
        { sopClass: 'ct', count: 2, rows: 32, cols: 32, transferSyntax: 'explicit' },
      ],
    });
    const mixed = await makeStudy({
      dir: join(tmp.path, 'src-mixed'), patientId: 'RETR2',
      series: [
        { sopClass: 'mr', count: 2, rows: 16, cols: 16, transferSyntax: 'explicit' },
        { sopClass: 'sc', count: 1, rows: 5, cols: 5, bitsAllocated: 8, transferSyntax: 'big' },
        { sopClass: 'mf-byte', count: 1, rows: 4, cols: 4, frames: 3, transferSyntax: 'implicit' },
        { sopClass: 'mf-word', count: 1, rows: 64, cols: 64, frames: 20, transferSyntax: 'explicit' },
        { sopClass: 'sr', count: 1, transferSyntax: 'implicit' },
        { sopClass: 'pdf', count: 1, transferSyntax: 'explicit' },
      ],
    });
    const privateFile = privateObject(tmp.path);
    const db = join(tmp.path, 'db');
    await indexIntoDcmqrscp(db, [...ct.files, ...mixed.files, privateFile]);
    const storePort = await freePort();
    const qr = await startDcmqrscp({ storageDir: db, moveDestinations: [{ ae: 'MOVESCU', port: storePort }] });
    cleanups.push(() => qr.stop());
    return { tmp, qr, storePort, ct, mixed, privateFile };
  })();
  return setup;
}

/**
 * Patient RETR3: one secondary capture in implicit VR with the private elements of test/fixtures/dataset/private.dump
 * (creators private.dic knows, and some it does not), made with dump2dcm and dcmconv.
 */
function privateObject(dir: string): string {
  const dump = join(dir, 'private.dump');
  writeFileSync(dump, [
    '(0010,0010) PN [Private^Tags]', '(0010,0020) LO [RETR3]',
    '(0020,000d) UI [1.2.826.0.1.3680043.2.1143.9002]', '(0020,000e) UI [1.2.826.0.1.3680043.2.1143.9003]',
    '(0008,0060) CS [OT]', '(0008,0064) CS [WSD]',
    readFileSync(join(FIXTURES, 'private.dump'), 'latin1'),
  ].join('\n'));
  const explicit = join(dir, 'private-ex.dcm');
  const implicit = join(dir, 'private-im.dcm');
  for (const [cmd, args] of [['dump2dcm', ['-q', dump, explicit]], ['dcmconv', ['-q', '+ti', explicit, implicit]]] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
  }
  return implicit;
}

/** Runs DCMTK's movescu and ours with the same arguments, each into its own fresh output directory. */
const both = (s: Setup, args: (out: string) => string[]): Promise<PairRun> => runBoth(s.tmp.path, args);

function common(s: Setup, out: string, model: string, extra: string[]): string[] {
  return [model, '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort), '-od', out, ...extra, '127.0.0.1', String(s.qr.port)];
}

async function assertSame(r: PairRun, expectedFiles: number): Promise<void> {
  assert.equal(r.ours.code, r.dcmtk.code, `exit codes differ\nDCMTK stderr:\n${r.dcmtk.stderr}\nour stderr:\n${r.ours.stderr}`);
  assert.equal(readdirSync(r.a).length, expectedFiles, `DCMTK wrote ${readdirSync(r.a).length} files\n${r.dcmtk.stderr}`);
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, `${formatDirDiff(d)}\nour stderr:\n${r.ours.stderr}`);
  assert.equal(d.compared, expectedFiles);
}

peerTest('retrieve: study level, study root, CT in implicit and explicit VR', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, (out) => common(s, out, '-S', ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.ct.studyUid}`]));
  await assertSame(r, 6);
  assert.equal(r.ours.code, 0);
});

peerTest('retrieve: patient level, patient root, several SOP classes and big endian', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, (out) => common(s, out, '-P', ['-k', 'QueryRetrieveLevel=PATIENT', '-k', '0010,0020=RETR2']));
  await assertSame(r, s.mixed.files.length);
  const prefixes = new Set(readdirSync(r.b).map((n) => n.split('.')[0]));
  assert.ok(prefixes.size >= 5, [...prefixes].join(','));
});

peerTest('retrieve: series level with a query file (keys override the file)', DCMTK, async () => {
  const s = await archive();
  const dump = join(s.tmp.path, 'q.dump');
  const qfile = join(s.tmp.path, 'q.dcm');
  writeFileSync(dump, `(0008,0052) CS [SERIES]\n(0020,000d) UI [${s.ct.studyUid}]\n(0020,000e) UI [1.2.3.does.not.exist]\n`);
  const d2d = spawnSync('dump2dcm', [dump, qfile]);
  assert.equal(d2d.status, 0, d2d.stderr.toString());
  const series = s.ct.seriesUids[1];
  const r = await both(s, (out) => common(s, out, '-S', ['-k', `SeriesInstanceUID=${series}`]).concat([qfile]));
  await assertSame(r, 2);
});

peerTest('retrieve: a query that matches nothing succeeds with no file', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, (out) => common(s, out, '-S', ['-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3.4.5.6.7.8.9']));
  await assertSame(r, 0);
  assert.equal(r.ours.code, 0);
});

peerTest('retrieve: unknown move destination fails with exit 69 as DCMTK does', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, (out) => common(s, out, '-S', ['-aem', 'NOBODY', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.ct.studyUid}`]));
  await assertSame(r, 0);
  assert.equal(r.ours.code, 69);
  assert.match(r.ours.stderr, /W: Move response with error status \(Refused: MoveDestinationUnknown\)/);
});

peerTest('retrieve: a rejected association (wrong called AE) exits 61 with DCMTK\'s message', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, (out) => ['-S', '-aec', 'WRONG', '+P', String(s.storePort), '-od', out,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.ct.studyUid}`, '127.0.0.1', String(s.qr.port)]);
  assert.equal(r.dcmtk.code, 61);
  assert.equal(r.ours.code, 61);
  assert.equal(r.ours.stderr, r.dcmtk.stderr);
});

peerTest('retrieve: connection refused exits 61', DCMTK, async () => {
  const s = await archive();
  const dead = await freePort();
  const r = await both(s, (out) => ['-S', '+P', String(s.storePort), '-od', out, '-k', 'QueryRetrieveLevel=STUDY', '127.0.0.1', String(dead)]);
  assert.equal(r.dcmtk.code, 61);
  assert.equal(r.ours.code, 61);
  // DCMTK's condition code and text, which scripts grep: "F: 0006:031c TCP Initialization Error: Connection refused".
  assert.match(r.dcmtk.stderr, /^F: 0006:031c TCP Initialization Error: Connection refused$/m);
  assert.equal(r.ours.stderr, r.dcmtk.stderr);
});

peerTest('retrieve: a host name that does not resolve exits 61 with DCMTK\'s "0006:0320 Attempt to connect to unknown host"', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, (out) => ['-S', '+P', String(s.storePort), '-od', out, '-k', 'QueryRetrieveLevel=STUDY', 'no-such-host.invalid', '104']);
  assert.equal(r.dcmtk.code, 61);
  assert.equal(r.ours.code, 61);
  assert.match(r.dcmtk.stderr, /^F: 0006:0320 Attempt to connect to unknown host: no-such-host\.invalid$/m);
  assert.equal(r.ours.stderr, r.dcmtk.stderr);
});

peerTest('retrieve: +xi (implicit only) and +xb (big endian first) on the store side, -xi proposed', DCMTK, async () => {
  const s = await archive();
  for (const extra of [['+xi'], ['+xb'], ['-xi']]) {
    const r = await both(s, (out) => common(s, out, '-S', [...extra, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.ct.studyUid}`]));
    await assertSame(r, 6);
  }
});

peerTest('retrieve: -pdu 4096 (small PDUs, many PDVs per object) and --ignore', DCMTK, async () => {
  const s = await archive();
  const small = await both(s, (out) => common(s, out, '-S', ['-pdu', '4096', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.mixed.studyUid}`]));
  await assertSame(small, s.mixed.files.length);
  const ignored = await both(s, (out) => common(s, out, '-S', ['--ignore', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.ct.studyUid}`]));
  assert.equal(ignored.ours.code, 0);
  assert.equal(ignored.dcmtk.code, 0);
  assert.deepEqual(readdirSync(ignored.b), []);
  assert.deepEqual(readdirSync(ignored.a), []);
});

peerTest('retrieve: output options from dcmqrscp (+ti, +tb +g, -e -u) identical to DCMTK\'s', DCMTK, async () => {
  const s = await archive();
  for (const extra of [['+ti'], ['+tb', '+g'], ['-e', '-u']]) {
    const r = await both(s, (out) => common(s, out, '-P', [...extra, '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID=RETR2']));
    await assertSame(r, s.mixed.files.length);
  }
});

peerTest('retrieve: private elements received in implicit VR, written as they are and converted (+te, +tb +g, -e -u), as DCMTK', DCMTK, async () => {
  const s = await archive();
  for (const extra of [[], ['+te'], ['+tb', '+g'], ['+te', '-e', '-u']]) {
    // +xi: the object arrives in implicit VR, so its private elements take their VRs from private.dic on the way.
    const r = await both(s, (out) => common(s, out, '-P', ['+xi', ...extra, '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID=RETR3']));
    await assertSame(r, 1);
  }
});
