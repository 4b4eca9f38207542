/**
 * Issue 13, item 5: crash consistency. Our movescu is killed with SIGKILL at random moments while it retrieves a
 * study from DCMTK's dcmqrscp into one directory, run after run, as a user would retry. After every kill, each
 * file under a final name must be complete and equal to the file DCMTK's movescu writes for the same object (only
 * temporary files may be partial). The next run removes the temporary files a killed run left, and the last run,
 * not killed, leaves exactly DCMTK's tree and no temporary file. KILLS (default 8) sets how many; the soak runs 200.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../peer-gate';
import { makeStudy } from '../fixtures/gen/dicom-gen';
import {
  compareDirs, compareFiles, formatDirDiff, freePort, indexIntoDcmqrscp, movescuCommand, runMovescu, spawnGroup, startDcmqrscp, tempDir,
} from '../peers/harness';

const KILLS = Number(process.env.KILLS ?? 8);
const tmp = tempDir('kill-consistency');
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); tmp.cleanup(); });

/** A small seeded generator (mulberry32), so that a failing sequence of kill times can be replayed with SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

peerTest(`SIGKILL at ${KILLS} random moments: every file under a final name equals DCMTK's; the next run removes the leftovers`, ['dcmqrscp', 'dcmqridx', 'movescu', 'dump2dcm'], async (t) => {
  const study = await makeStudy({
    dir: join(tmp.path, 'src'), patientId: 'KILL1',
    series: [
      { sopClass: 'ct', count: 40, rows: 256, cols: 256, transferSyntax: 'explicit' },
      { sopClass: 'mr', count: 4, rows: 64, cols: 64, transferSyntax: 'implicit' },
      { sopClass: 'ct', count: 2, rows: 1100, cols: 1024, transferSyntax: 'explicit' },
    ],
  });
  const db = join(tmp.path, 'db');
  await indexIntoDcmqrscp(db, study.files);
  const storePort = await freePort();
  const qr = await startDcmqrscp({ storageDir: db, moveDestinations: [{ ae: 'MOVESCU', port: storePort }] });
  cleanups.push(() => qr.stop());
  const args = (out: string): string[] => ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyUid}`, '127.0.0.1', String(qr.port)];
  const reference = join(tmp.path, 'dcmtk');
  mkdirSync(reference);
  const ref = await runMovescu('dcmtk', args(reference));
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(readdirSync(reference).length, study.files.length);

  const out = join(tmp.path, 'ours');
  mkdirSync(out);
  // How long one whole run takes: kills fall anywhere in it.
  const probe = join(tmp.path, 'probe');
  mkdirSync(probe);
  const full = await runMovescu('ours', args(probe));
  assert.equal(full.code, 0, full.stderr);
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  const next = random(seed);
  t.diagnostic(`seed ${seed} (SEED=${seed} replays it); one run takes ${Math.round(full.wallMs)} ms`);
  let leftoversSeen = 0;
  let finalChecked = 0;
  for (let k = 0; k < KILLS; k++) {
    const cmd = movescuCommand('ours', args(out));
    const proc = spawnGroup(cmd.cmd, cmd.args);
    await new Promise((r) => setTimeout(r, next() * full.wallMs));
    proc.child.kill('SIGKILL');
    await proc.exited;
    for (const name of readdirSync(out)) {
      if (name.startsWith('.')) { leftoversSeen++; continue; }
      const diff = await compareFiles(join(reference, name), join(out, name), name);
      assert.equal(diff, null, `after kill ${k + 1}: ${name} is under its final name but differs from DCMTK's: ${JSON.stringify(diff)}`);
      finalChecked++;
    }
  }
  t.diagnostic(`${KILLS} kills: ${finalChecked} files under final names checked equal to DCMTK's, ${leftoversSeen} temporary files seen`);
  const last = await runMovescu('ours', args(out));
  assert.equal(last.code, 0, last.stderr);
  const names = readdirSync(out);
  assert.deepEqual(names.filter((n) => n.startsWith('.')), [], 'no temporary file after a complete run');
  const d = await compareDirs(reference, out);
  assert.ok(d.identical, formatDirDiff(d));
});
