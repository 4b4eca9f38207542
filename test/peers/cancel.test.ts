/**
 * --cancel n: a C-CANCEL-RQ after the n-th pending C-MOVE response, then the archive's final response with status
 * 0xFE00 and the counts. DCMTK's movescu and ours with the same options, against dcmqrscp (which honours a cancel
 * between sub-operations) and against our own archive (which does too): same log lines, and as many files as the
 * final response says were completed.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { compareDirs, runBoth, startDcmqrscpServing, tempDir, type MovescuResult, type TempDir } from '../helpers/peers';
import { makeStudy, type GeneratedStudy } from '../helpers/dicom-gen';
import { startOwnArchive } from '../helpers/archive';
import { cleanupsAfter } from '../helpers/cleanups';

const COUNT = 10;
const cleanups = cleanupsAfter();

let made: Promise<{ tmp: TempDir; study: GeneratedStudy }> | undefined;
function study(): Promise<{ tmp: TempDir; study: GeneratedStudy }> {
  made ??= (async () => {
    const tmp = tempDir('cancel');
    cleanups.push(() => tmp.cleanup());
    const study = await makeStudy({
      dir: join(tmp.path, 'src'), patientId: 'CANCEL1',
      series: [{ sopClass: 'ct', count: COUNT, rows: 16, cols: 16, transferSyntax: 'explicit' }],
    });
    return { tmp, study };
  })();
  return made;
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

/** The sub-operation counts and status of each final C-MOVE response in a -d log. */
function finals(log: string): { remaining: number; completed: number; status: string }[] {
  const out: { remaining: number; completed: number; status: string }[] = [];
  for (const block of log.split('I: Received Final Move Response\n').slice(1)) {
    const field = (name: string): string => new RegExp(`^D: ${name} +: (.*)$`, 'm').exec(block)?.[1] ?? '';
    out.push({ remaining: Number(field('Remaining Suboperations')), completed: Number(field('Completed Suboperations')), status: field('DIMSE Status') });
  }
  return out;
}

/** What every run must show: the cancel line after response n, a final 0xFE00 per C-MOVE, files = completed. */
function assertCancelled(r: MovescuResult, dir: string, moves: number): void {
  assert.equal(r.code, 0, r.stderr);
  const l = lines(r.stderr);
  for (let id = 1; id <= moves; id++) {
    const at = l.indexOf(`I: Sending Cancel Request (MsgID ${id}, PresID 3)`);
    assert.ok(at > 0, r.stderr);
    // Right after the first response's dump: its "END DIMSE MESSAGE" line, before which "Received Move Response 1".
    assert.equal(l[at - 1], 'D: ======================= END DIMSE MESSAGE =======================', r.stderr);
    assert.equal(l.slice(0, at).reverse().find((x) => x.startsWith('I: Received Move Response')), 'I: Received Move Response 1', r.stderr);
  }
  const f = finals(r.stderr);
  assert.equal(f.length, moves, r.stderr);
  for (const x of f) {
    assert.equal(x.status, '0xfe00: Cancel: Sub-operations terminated due to Cancel Indication', r.stderr);
    assert.equal(x.completed + x.remaining, COUNT, r.stderr);
    assert.ok(x.remaining > 0, r.stderr);
  }
  // Each C-MOVE stored the same first objects (one file each, rewritten by the second move).
  assert.equal(readdirSync(dir).length, Math.max(...f.map((x) => x.completed)), r.stderr);
}

/**
 * The C-MOVE lines of a log, without the pending responses that came after a cancel: how many sub-operations the
 * archive finishes before it sees the cancel is a matter of timing (one more or less on a busy machine).
 */
function info(log: string): string[] {
  let cancelled = false;
  return lines(log).filter((l) => {
    if (/^I: Sending Move Request/.test(l)) cancelled = false;
    if (/^I: Sending Cancel Request/.test(l)) cancelled = true;
    if (cancelled && /^I: Received Move Response/.test(l)) return false;
    return /^I: (Sending|Received) (Move|Cancel|Final)|^I: (Releasing|Aborting)/.test(l);
  });
}

peerTest('--cancel 1 against dcmqrscp: C-CANCEL-RQ after the first pending response, final status 0xFE00, files as completed; as DCMTK', ['dcmqridx', 'dcmqrscp', 'movescu'], async () => {
  const { tmp, study: s } = await study();
  const { qr, storePort } = await startDcmqrscpServing(s.files, { storageDir: join(tmp.path, 'db') });
  cleanups.push(() => qr.stop());
  const r = await runBoth(tmp.path, (dir) => ['-d', '-S', '-aec', 'ARCHIVE', '+P', String(storePort), '-od', dir, '--cancel', '1',
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.studyUid}`, '127.0.0.1', String(qr.port)]);
  assertCancelled(r.dcmtk, r.a, 1);
  assertCancelled(r.ours, r.b, 1);
  assert.deepEqual(info(r.ours.stderr), info(r.dcmtk.stderr));
  const d = await compareDirs(r.a, r.b);
  assert.equal(d.differing.length, 0, JSON.stringify(d.differing));
});

peerTest('--cancel 1 --repeat 2 against our own archive: each C-MOVE cancelled with its own message ID, 0xFE00 with the counts; as DCMTK', ['movescu'], async () => {
  const { tmp, study: s } = await study();
  const { qrPort, storePort, close } = await startOwnArchive({ folder: join(tmp.path, 'src') });
  cleanups.push(close);
  const r = await runBoth(tmp.path, (dir) => ['-d', '-S', '-aec', 'ARCHIVE', '+P', String(storePort), '-od', dir, '--cancel', '1', '--repeat', '2',
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.studyUid}`, '127.0.0.1', String(qrPort)]);
  assertCancelled(r.dcmtk, r.a, 2);
  assertCancelled(r.ours, r.b, 2);
  assert.deepEqual(info(r.ours.stderr), info(r.dcmtk.stderr));
  const d = await compareDirs(r.a, r.b);
  assert.equal(d.differing.length, 0, JSON.stringify(d.differing));
});

peerTest('--cancel 0 never cancels (DCMTK counts responses from 1): the whole study, final Success', ['movescu'], async () => {
  const { tmp, study: s } = await study();
  const { qrPort, storePort, close } = await startOwnArchive({ folder: join(tmp.path, 'src') });
  cleanups.push(close);
  const r = await runBoth(tmp.path, (dir) => ['-v', '-S', '-aec', 'ARCHIVE', '+P', String(storePort), '-od', dir, '--cancel', '0',
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.studyUid}`, '127.0.0.1', String(qrPort)]);
  for (const [x, dir] of [[r.dcmtk, r.a], [r.ours, r.b]] as const) {
    assert.equal(x.code, 0, x.stderr);
    assert.ok(lines(x.stderr).includes('I: Received Final Move Response (Success)'), x.stderr);
    assert.doesNotMatch(x.stderr, /Cancel/, x.stderr);
    assert.equal(readdirSync(dir).length, COUNT);
  }
  assert.deepEqual(info(r.ours.stderr), info(r.dcmtk.stderr));
});
