/**
 * Soak phase 3 (and the body of test/faults/kill-consistency.test.ts): our movescu is killed with SIGKILL at random
 * moments while it retrieves a study from DCMTK's dcmqrscp into one directory, run after run, as a user would retry.
 * After every kill, each file under a final name must equal the file DCMTK's movescu writes for the same object
 * (only temporary files may be partial); nothing may appear next to the output folder or in the child's TMPDIR. The
 * last run, not killed, must exit 0 and leave exactly DCMTK's tree and no temporary file.
 * Needs dcmqrscp, dcmqridx, movescu and dump2dcm on PATH.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeStudy } from '../helpers/dicom-gen';
import {
  compareDirs, compareFiles, formatDirDiff, movescuCommand, runMovescu, spawnGroup, startDcmqrscpServing,
} from '../helpers/peers';
import { countError, listing, mulberry32, newEntries, newStats, noteFailure, type PhaseStats } from './stats';

export const KILL_BINARIES = ['dcmqrscp', 'dcmqridx', 'movescu', 'dump2dcm'];

export interface KillOptions {
  kills: number;
  seed: number;
  /** An empty folder to work in (the caller removes it). */
  dir: string;
  log?(line: string): void;
}

export interface KillStats extends PhaseStats {
  /** Files under final names checked equal to DCMTK's after the kills. */
  finalChecked: number;
  /** Temporary files seen after kills (expected: a killed run cannot clean up; the next run does). */
  leftoversSeen: number;
  /** Wall time of one whole run, ms (kills fall anywhere in it). */
  runMs: number;
}

export async function killRounds(opts: KillOptions): Promise<KillStats> {
  const t0 = Date.now();
  const stats: KillStats = { ...newStats('SIGKILL'), finalChecked: 0, leftoversSeen: 0, runMs: 0 };
  const log = opts.log ?? (() => {});
  const study = await makeStudy({
    dir: join(opts.dir, 'src'), patientId: 'KILL1',
    series: [
      { sopClass: 'ct', count: 40, rows: 256, cols: 256, transferSyntax: 'explicit' },
      { sopClass: 'mr', count: 4, rows: 64, cols: 64, transferSyntax: 'implicit' },
      { sopClass: 'ct', count: 2, rows: 1100, cols: 1024, transferSyntax: 'explicit' },
    ],
  });
  const { qr, storePort } = await startDcmqrscpServing(study.files, { storageDir: join(opts.dir, 'db') });
  try {
    const args = (out: string): string[] => ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out,
      '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyUid}`, '127.0.0.1', String(qr.port)];
    const reference = join(opts.dir, 'dcmtk');
    mkdirSync(reference);
    const ref = await runMovescu('dcmtk', args(reference));
    if (ref.code !== 0 || readdirSync(reference).length !== study.files.length) {
      throw new Error(`DCMTK's movescu did not retrieve the study (exit ${ref.code}, ${readdirSync(reference).length} of ${study.files.length} files): ${ref.stderr}`);
    }
    // The child's TMPDIR: a retrieval into -od has no business there.
    const childTmp = join(opts.dir, 'child-tmp');
    mkdirSync(childTmp);
    const env = { ...process.env, TMPDIR: childTmp };
    const probe = join(opts.dir, 'probe');
    mkdirSync(probe);
    const full = await runMovescu('ours', args(probe), { time: true, env });
    if (full.code !== 0) throw new Error(`our movescu failed its unkilled run (exit ${full.code}): ${full.stderr}`);
    stats.runMs = full.wallMs;
    stats.childMaxRssKb = full.usage?.maxRssKb ?? 0;
    const out = join(opts.dir, 'ours');
    mkdirSync(out);
    const next = mulberry32(opts.seed);
    log(`seed ${opts.seed} (SEED=${opts.seed} replays it); one run takes ${Math.round(full.wallMs)} ms`);
    for (let k = 0; k < opts.kills; k++) {
      const around = listing(opts.dir, readdirSync);
      const cmd = movescuCommand('ours', args(out));
      const proc = spawnGroup(cmd.cmd, cmd.args, { env });
      await new Promise((r) => setTimeout(r, next() * full.wallMs));
      proc.child.kill('SIGKILL');
      const { code, signal } = await proc.exited;
      await proc.stop(500);
      stats.cases++;
      countError(stats, signal === 'SIGKILL' ? 'killed' : `finished first (exit ${code})`);
      for (const name of readdirSync(out)) {
        if (name.startsWith('.')) { stats.leftoversSeen++; continue; }
        const diff = await compareFiles(join(reference, name), join(out, name), name);
        if (diff) {
          stats.lostOrCorrupt++;
          noteFailure(stats, `after kill ${k + 1} (seed ${opts.seed}): ${name} is under its final name but differs from DCMTK's: ${JSON.stringify(diff)}`);
        }
        stats.finalChecked++;
      }
      const outside = [...newEntries(around, listing(opts.dir, readdirSync)), ...readdirSync(childTmp)];
      if (outside.length) { stats.outside += outside.length; noteFailure(stats, `after kill ${k + 1} (seed ${opts.seed}): written outside -od: ${outside.join(', ')}`); }
      if ((k + 1) % 20 === 0) log(`${k + 1} kills`);
    }
    log(`${opts.kills} kills: ${stats.finalChecked} files under final names checked equal to DCMTK's, ${stats.leftoversSeen} temporary files seen`);
    const last = await runMovescu('ours', args(out), { time: true, env });
    stats.childMaxRssKb = Math.max(stats.childMaxRssKb, last.usage?.maxRssKb ?? 0);
    if (last.code !== 0) { stats.lostOrCorrupt++; noteFailure(stats, `the run after the kills exited ${last.code}: ${last.stderr}`); }
    const left = readdirSync(out).filter((n) => n.startsWith('.'));
    if (left.length) { stats.leftovers += left.length; noteFailure(stats, `temporary files after a complete run: ${left.join(', ')}`); }
    const d = await compareDirs(reference, out);
    if (!d.identical) {
      stats.lostOrCorrupt += d.onlyInA.length + d.onlyInB.length + d.differing.length;
      noteFailure(stats, `after the last run the tree differs from DCMTK's: ${formatDirDiff(d)}`);
    }
  } finally {
    await qr.stop();
  }
  stats.ms = Date.now() - t0;
  return stats;
}
