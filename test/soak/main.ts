/**
 * `npm run soak` (not in CI): every phase of the soak with large counts, then one table. Options:
 *   --fuzz N (100000)  --receive N (2000)  --kills N (200)  --disk-faults N (50)  --seed S (from the clock)
 *   --top N (15, error codes listed)
 * Exits 1 if any phase had a crash, a hang, a file lost or corrupt, an object stored but never answered, a temporary
 * file left or a write outside -od.
 * The SIGKILL phase needs DCMTK (dcmqrscp, dcmqridx, movescu, dump2dcm); without it that phase is skipped, visibly.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import minimist from 'minimist';
import { findBinary } from '../helpers/peer-gate';
import { fuzzDecoders } from './fuzz-decoders';
import { fuzzReceive } from './fuzz-receive';
import { KILL_BINARIES, killRounds } from './kills';
import { diskFaults } from './disk-faults';
import { failed, newStats, type PhaseStats } from './stats';

const argv = minimist(process.argv.slice(2), { string: ['seed'], default: { fuzz: 100000, receive: 2000, kills: 200, 'disk-faults': 50, top: 15 } });
const seed = argv.seed !== undefined ? Number(argv.seed) : Date.now() % 1_000_000;
const counts = { fuzz: Number(argv.fuzz), receive: Number(argv.receive), kills: Number(argv.kills), disk: Number(argv['disk-faults']) };

const say = (line: string): void => { process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`); };
const every = (n: number) => (done: number): void => { if (done % n === 0) say(`  ${done} cases`); };

async function main(): Promise<number> {
  const t0 = Date.now();
  const command = `node dist/test/soak/main.js --fuzz ${counts.fuzz} --receive ${counts.receive} --kills ${counts.kills} --disk-faults ${counts.disk} --seed ${seed}`;
  say(`seed ${seed}: ${command}`);
  const phases: PhaseStats[] = [];
  const work = mkdtempSync(join(tmpdir(), 'dimse-soak-'));
  let perTarget = new Map<string, number>();
  try {
    say(`fuzzing the decoders: ${counts.fuzz} cases`);
    const f = await fuzzDecoders({ count: counts.fuzz, seed, progress: every(10000) });
    perTarget = f.perTarget;
    phases.push(f);
    say(`random traffic against the Storage SCP: ${counts.receive} cases`);
    phases.push(await fuzzReceive({ count: counts.receive, seed, progress: every(250) }));
    const missing = KILL_BINARIES.filter((b) => findBinary(b) === null);
    if (counts.kills > 0 && missing.length === 0) {
      say(`SIGKILL of our movescu: ${counts.kills} kills`);
      const dir = join(work, 'kills');
      mkdirSync(dir);
      phases.push(await killRounds({ kills: counts.kills, seed, dir, log: (l) => say(`  ${l}`) }));
    } else {
      const s = newStats('SIGKILL');
      s.skipped.push(counts.kills === 0 ? 'not asked for (--kills 0)' : `not on PATH: ${missing.join(', ')}`);
      say(`SIGKILL phase skipped: ${s.skipped[0]}`);
      phases.push(s);
    }
    say(`disk faults: ${counts.disk} runs`);
    const dir = join(work, 'disk');
    mkdirSync(dir);
    phases.push(await diskFaults({ runs: counts.disk, seed, dir, log: (l) => say(`  ${l}`) }));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const totalMs = Date.now() - t0;
  print(phases, perTarget, command, totalMs);
  return phases.some((p) => failed(p) > 0) ? 1 : 0;
}

function print(phases: PhaseStats[], perTarget: Map<string, number>, command: string, totalMs: number): void {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const mib = (kib: number): string => (kib > 0 ? `${(kib / 1024).toFixed(1)} MiB` : '-');
  const rows: string[][] = [['phase', 'cases', 'crashes', 'hangs', 'lost/corrupt', 'unanswered', 'temp left', 'outside -od', 'time']];
  // '-': the phase has no such check (decoders write no files; a killed run cannot hang).
  const na = (p: PhaseStats, col: string): boolean => (p.phase === 'fuzz decoders' && col !== 'hangs' && col !== 'crashes') || (p.phase === 'SIGKILL' && col === 'hangs') || (p.phase !== 'fuzz receive' && col === 'unanswered');
  for (const p of phases) {
    const cell = (col: string, v: number): string => (na(p, col) ? '-' : String(v));
    rows.push([p.phase, String(p.cases), cell('crashes', p.crashes), cell('hangs', p.hangs), cell('lost', p.lostOrCorrupt), cell('unanswered', p.unanswered), cell('temp', p.leftovers),
      cell('outside', p.outside), p.skipped.length && p.cases === 0 ? 'skipped' : sec(p.ms)]);
  }
  const sum = (k: keyof Pick<PhaseStats, 'cases' | 'crashes' | 'hangs' | 'lostOrCorrupt' | 'unanswered' | 'leftovers' | 'outside'>): string => String(phases.reduce((n, p) => n + p[k], 0));
  rows.push(['total', sum('cases'), sum('crashes'), sum('hangs'), sum('lostOrCorrupt'), sum('unanswered'), sum('leftovers'), sum('outside'), sec(totalMs)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out: string[] = ['', `== dimse-stream soak: ${command}`, line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1, -1)) out.push(line(r));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '), line(rows[rows.length - 1]!));
  out.push('', `decoder cases: ${[...perTarget].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const top = Number(argv.top);
  for (const p of phases) {
    const errs = [...p.errors].sort((a, b) => b[1] - a[1]);
    if (errs.length === 0) continue;
    const label = p.phase === 'fuzz decoders' ? 'errors by code' : 'outcomes';
    out.push(`${p.phase}, ${label} (top ${Math.min(top, errs.length)} of ${errs.length}): ${errs.slice(0, top).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  for (const p of phases) for (const s of p.skipped) out.push(`${p.phase}: skipped: ${s}`);
  const ru = process.resourceUsage();
  out.push('', `peak RSS: soak process ${mib(ru.maxRSS)}; movescu child processes ${mib(Math.max(0, ...phases.map((p) => p.childMaxRssKb)))}`);
  out.push(`total time: ${sec(totalMs)}`);
  const failures = phases.flatMap((p) => p.failures.map((f) => `[${p.phase}] ${f}`));
  if (failures.length) out.push('', 'FAILURES (first of each phase, replayable with the seed):', ...failures);
  out.push(`result: ${phases.some((p) => failed(p) > 0) ? 'FAIL' : 'PASS'}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`soak aborted: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
