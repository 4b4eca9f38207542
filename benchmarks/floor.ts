/**
 * The floor: what the least Node receiver (benchmarks/floor-receiver.ts) costs for study (a) of the retrieval
 * benchmark, beside DCMTK's movescu and ours, all fed by the same dcmqrscp (TCP_NODELAY=1).
 *
 *   npm run build && node dist/benchmarks/floor.js [--runs 5] [--modes async,sync,reused,worker] [--work .bench/retrieve]
 *
 * Uses the data of `npm run bench -- --only a` (generated and indexed there, reused here). DCMTK's movescu and ours
 * retrieve as in that benchmark; each floor receiver is started on a port of its own, named in dcmqrscp's table as
 * FLOOR, and DCMTK's movescu asks the archive to move the study there (`-aem FLOOR`). Every process is measured
 * whole with /usr/bin/time; the floor's wall includes its start and the trigger's association, so compare its CPU
 * and peak RSS, not its wall. Variants alternate within each run; before each, the last run's output goes to the
 * trash (trash.ts) and `sync` is called. Each run must write the study's 1000 files, or the benchmark stops.
 */
import minimist from 'minimist';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  movescuCommand,
  oursMovescuPath,
  readTimeFile,
  repoRoot,
  runMovescu,
  runTimed,
  startDcmqrscp,
  studyMoveArgs,
  TIME_FORMAT,
  type ResourceUsage,
} from '../test/helpers/peers';
import { median, medianRange } from './stats';
import { Trash } from './trash';
import { machineState } from './machine';

const args = minimist(process.argv.slice(2), { default: { runs: 5 } });
const ALL_MODES = ['async', 'sync', 'reused', 'worker'];
/** `--modes async,sync`: only these floor receivers (all four without it). */
const FLOOR_MODES = args.modes ? String(args.modes).split(',') : ALL_MODES;
for (const m of FLOOR_MODES) if (!ALL_MODES.includes(m)) throw new Error(`--modes: no floor mode "${m}" (${ALL_MODES.join(', ')})`);

interface Usage extends ResourceUsage { name: string }

/** Starts the floor receiver under /usr/bin/time and resolves, once it listens, with its outcome to come. */
function startFloor(port: number, dir: string, mode: string): Promise<{ exited: Promise<ResourceUsage> }> {
  const timeFile = join(tmpdir(), `dimse-floor-${process.pid}-${port}`);
  const child = spawn('/usr/bin/time', ['-f', TIME_FORMAT, '-o', timeFile, process.execPath,
    join(repoRoot(), 'dist', 'benchmarks', 'floor-receiver.js'), String(port), dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<ResourceUsage>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const usage = readTimeFile(timeFile);
      rmSync(timeFile, { force: true });
      if (code !== 0 || !usage) reject(new Error(`floor-receiver ${mode} exited ${code}: ${err.trim()}`));
      else resolve(usage);
    });
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('listening\n')) resolve({ exited }); // wrapped: a promise resolved with a promise waits for it
    });
    exited.then(() => reject(new Error(`floor-receiver ${mode} exited before listening`)), reject);
  });
}

/** An empty `dir`, the last run's output in the trash (trash.ts says why not deleted), the page cache written back. */
function fresh(dir: string, trash: Trash): void {
  trash.clear(dir);
  spawnSync('sync');
}

async function main(): Promise<void> {
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const work = args.work ? String(args.work) : join(repoRoot(), '.bench', 'retrieve');
  const manifestPath = join(work, 'manifest.json');
  const manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { studies: { a?: { studies: { studyUid: string; files: unknown[] }[] } }; indexed: string[] })
    : null;
  const study = manifest?.indexed.includes('a') ? manifest.studies.a?.studies[0] : undefined;
  if (!study) throw new Error(`no indexed study (a) in ${work}: run \`npm run bench -- --only a --runs 1\` first`);
  if (!existsSync(oursMovescuPath())) throw new Error('our movescu is not built: npm run build');
  const expected = study.files.length;
  const [storePort, floorPort] = [await freePort(), await freePort()];
  const qr = await startDcmqrscp({
    storageDir: join(work, 'db'),
    moveDestinations: [{ ae: 'MOVESCU', port: storePort }, { ae: 'FLOOR', port: floorPort }],
    quota: { maxStudies: 200, maxBytesPerStudy: '1024mb' },
    configFile: join(work, 'dcmqrscp-floor.cfg'),
  });
  const out = join(work, 'out', 'floor');
  const trash = new Trash(join(work, 'trash'));
  const samples: Usage[] = [];
  const check = (name: string): void => {
    const got = readdirSync(out).filter((n) => !n.startsWith('.')).length;
    if (got !== expected) throw new Error(`${name}: ${got} of ${expected} files`);
  };
  try {
    for (let run = 1; run <= runs; run++) {
      for (const impl of ['dcmtk', 'ours'] as const) {
        fresh(out, trash);
        const moveArgs = studyMoveArgs({ qrPort: qr.port, storePort, studyUid: study.studyUid, outDir: out });
        const r = impl === 'dcmtk' ? await runMovescu('dcmtk', moveArgs, { time: true }) : await runTimed(movescuCommand('ours', moveArgs), { time: true });
        if (r.code !== 0 || !r.usage) throw new Error(`${impl} movescu exited ${r.code}: ${r.stderr.slice(-2000)}`);
        check(impl);
        samples.push({ name: impl === 'dcmtk' ? 'DCMTK movescu' : 'ours (movescu)', ...r.usage });
      }
      for (const mode of FLOOR_MODES) {
        fresh(out, trash);
        const { exited } = await startFloor(floorPort, out, mode);
        const trigger = await runMovescu('dcmtk', studyMoveArgs({ qrPort: qr.port, storePort, studyUid: study.studyUid, moveDestinationAe: 'FLOOR' }));
        if (trigger.code !== 0) throw new Error(`the C-MOVE to FLOOR failed (exit ${trigger.code}): ${trigger.stderr.slice(-2000)}`);
        const usage = await exited;
        check(`floor ${mode}`);
        samples.push({ name: `floor, ${mode}`, ...usage });
      }
      console.log(`[floor] run ${run}: ${samples.slice(-(2 + FLOOR_MODES.length)).map((s) => `${s.name} ${s.wallS} s, CPU ${(s.userS + s.sysS).toFixed(2)} s, ${Math.round(s.maxRssKb / 1024)} MiB`).join('; ')}`);
    }
  } finally {
    await qr.stop();
    rmSync(out, { recursive: true, force: true });
    trash.empty();
  }
  const names = [...new Set(samples.map((s) => s.name))];
  const of = (name: string): Usage[] => samples.filter((s) => s.name === name);
  const cpu = (s: Usage): number => s.userS + s.sysS;
  const baseCpu = median(of('DCMTK movescu').map(cpu));
  console.log(`\nnode dist/benchmarks/floor.js ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(`study (a), ${expected} files, ${runs} run(s), dcmqrscp with TCP_NODELAY=1; at the end: ${machineState()}`);
  console.log('variant          wall s median  user s  sys s  CPU s median (min–max)  CPU × DCMTK  peak RSS MiB median (min–max)');
  for (const name of names) {
    const xs = of(name);
    const c = xs.map(cpu);
    const rss = xs.map((s) => s.maxRssKb / 1024);
    console.log(`${name.padEnd(16)} ${median(xs.map((s) => s.wallS)).toFixed(2).padStart(13)}  ${median(xs.map((s) => s.userS)).toFixed(2).padStart(6)}  ` +
      `${median(xs.map((s) => s.sysS)).toFixed(2).padStart(5)}  ${medianRange(c).padStart(23)}  ` +
      `${(median(c) / baseCpu).toFixed(2).padStart(11)}  ${medianRange(rss, (x) => x.toFixed(1)).padStart(30)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
