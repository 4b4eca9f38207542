/**
 * Soak phase 4: disk faults. Our movescu retrieves a study from our own archive (lib/archive) into a fresh -od folder
 * that runs out of room at a random size: either a file size limit (`ulimit -f` through bash: writes come back short,
 * then fail with EFBIG) or a small tmpfs mounted on the folder (ENOSPC; needs root, and the kind is skipped with a
 * message where mount fails). After each run:
 * - every file under a final name is its source object: data set byte for byte (lost/corrupt otherwise);
 * - no temporary file is left;
 * - the exit code tells the truth: 0 only if every object is there, else 68 (the archive's "sub-operations failed");
 *   any other exit or a signal is counted as a crash;
 * - nothing appears next to -od or in the child's TMPDIR.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { dcmtkFileName } from '../../lib/dcmtk/prefixes';
import { startOwnArchive } from '../helpers/archive';
import { datasetWithoutPadding, movescuCommand, readPart10Header, runProcess } from '../helpers/peers';
import { countError, listing, mulberry32, newEntries, newStats, noteFailure, type PhaseStats } from './stats';

const CT = '1.2.840.10008.5.1.4.1.1.2';

export interface DiskFaultOptions {
  runs: number;
  seed: number;
  /** An empty folder to work in (the caller removes it). */
  dir: string;
  /** Which kinds to draw from (default both). */
  kinds?: ('ulimit' | 'tmpfs')[];
  log?(line: string): void;
}

async function datasetOf(file: string): Promise<Buffer> {
  const header = await readPart10Header(file);
  return datasetWithoutPadding(readFileSync(file), header).body;
}

function tryMount(dir: string, kib: number): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim();
  }
}

export async function diskFaults(opts: DiskFaultOptions): Promise<PhaseStats> {
  const t0 = Date.now();
  const stats = newStats('disk faults');
  const log = opts.log ?? (() => {});
  const src = join(opts.dir, 'src');
  // Small objects written in one go, one in one writev, one streamed: each write path meets the limit.
  const { study, qrPort, storePort, close } = await startOwnArchive({
    folder: src,
    study: (folder) => writeSyntheticStudy(folder, {
      series: [
        { sopClassUid: CT, modality: 'CT', count: 12, rows: 256, columns: 256 },
        { sopClassUid: CT, modality: 'CT', count: 1, rows: 768, columns: 1024 },
        { sopClassUid: CT, modality: 'CT', count: 1, rows: 2048, columns: 1024 },
      ],
    }),
  });
  const sources = new Map<string, string>(study.files.map((f) => [dcmtkFileName(f.sopClassUid, f.sopInstanceUid), f.path]));
  const expected = new Map<string, Buffer>();
  for (const [name, path] of sources) expected.set(name, await datasetOf(path));
  const totalKib = Math.ceil([...expected.values()].reduce((n, b) => n + b.length, 0) / 1024);
  const runs = join(opts.dir, 'runs');
  const childTmp = join(opts.dir, 'child-tmp');
  mkdirSync(runs);
  mkdirSync(childTmp);
  const next = mulberry32(opts.seed);
  let kinds = opts.kinds ?? ['ulimit', 'tmpfs'];
  try {
    for (let r = 0; r < opts.runs; r++) {
      const kind = kinds[Math.floor(next() * kinds.length)]!;
      // Anywhere from nothing to a little more than the study: some runs fit, most lose something.
      const kib = Math.floor(next() * totalKib * 1.3);
      const out = join(runs, `run-${r}`);
      mkdirSync(out);
      const around = listing(runs, readdirSync);
      if (kind === 'tmpfs') {
        const why = tryMount(out, Math.max(kib, 4));
        if (why !== null) {
          stats.skipped.push(`tmpfs: mount failed (${why}); only ulimit -f faults are run`);
          log(`disk faults: cannot mount a tmpfs (${why}): skipping that kind`);
          kinds = kinds.filter((k) => k !== 'tmpfs');
          if (kinds.length === 0) break;
          r--;
          rmSync(out, { recursive: true, force: true });
          continue;
        }
      }
      try {
        const cmd = movescuCommand('ours', ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out,
          '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUid}`, '127.0.0.1', String(qrPort)]);
        const timeFile = join(opts.dir, 'time.txt');
        const limit = kind === 'ulimit' ? `ulimit -f ${kib} && ` : '';
        const res = await runProcess('bash', ['-c', `${limit}exec /usr/bin/time -f %M -o "$0" "$@"`, timeFile, cmd.cmd, ...cmd.args], {
          env: { ...process.env, TMPDIR: childTmp }, killAfterMs: 120_000,
        });
        const rss = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(rss)) stats.childMaxRssKb = Math.max(stats.childMaxRssKb, rss);
        stats.cases++;
        const where = `run ${r} (seed ${opts.seed}): ${kind === 'ulimit' ? `ulimit -f ${kib}` : `tmpfs of ${kib} KiB`}`;
        countError(stats, `${kind} exit ${res.code ?? res.signal}`);
        const names = readdirSync(out).filter((n) => n !== 'lost+found');
        const left = names.filter((n) => n.startsWith('.'));
        if (left.length) { stats.leftovers += left.length; noteFailure(stats, `${where}: temporary files left: ${left.join(', ')}`); }
        let stored = 0;
        for (const name of names.filter((n) => !n.startsWith('.'))) {
          const want = expected.get(name);
          if (!want) { stats.lostOrCorrupt++; noteFailure(stats, `${where}: unexpected file ${name}`); continue; }
          let got: Buffer | null = null;
          try { got = await datasetOf(join(out, name)); } catch { /* unreadable: corrupt */ }
          if (!got || !got.equals(want)) { stats.lostOrCorrupt++; noteFailure(stats, `${where}: ${name} differs from its source`); continue; }
          stored++;
        }
        const missing = expected.size - stored;
        if (res.code === 0 && missing > 0) { stats.lostOrCorrupt += missing; noteFailure(stats, `${where}: exit 0 with ${missing} objects missing`); }
        if (res.code !== 0 && res.code !== 68) { stats.crashes++; noteFailure(stats, `${where}: exit ${res.code ?? res.signal}: ${res.stderr.slice(-2000)}`); }
        // Not a loss, but worth seeing in the table: a failure reported for an object that is there after all.
        if (res.code === 68 && missing === 0) countError(stats, 'exit 68 with every object stored');
        const outside = [...newEntries(around, listing(runs, readdirSync)), ...readdirSync(childTmp)];
        if (outside.length) { stats.outside += outside.length; noteFailure(stats, `${where}: written outside -od: ${outside.join(', ')}`); }
      } finally {
        if (kind === 'tmpfs') {
          try { execFileSync('umount', [out], { stdio: 'pipe' }); } catch (e) { log(`umount ${out}: ${(e as Error).message}`); }
        }
        rmSync(out, { recursive: true, force: true });
      }
      if ((r + 1) % 10 === 0) log(`${r + 1} disk-fault runs`);
    }
  } finally {
    await close();
  }
  stats.ms = Date.now() - t0;
  return stats;
}
