/**
 * Side-by-side retrieval benchmark: DCMTK's movescu against ours, both pulling from a real dcmqrscp.
 *
 *   npm run bench -- [--runs 3] [--only a|b|c|a,c] [--archive nodelay|nagle|both] [--node shebang|plain] [--variants a,b] [--keep] [--warmup 1] [--work DIR]
 *
 * (a) one study of 1000 CT images, 512×512, 16 bit (~525 MB); (b) one Multi-frame Grayscale Word SC object of
 * 512×512×2 bytes × 1716 frames (~900 MB), in a study of its own (dcmqrscp's quota is at most 1 GiB per study);
 * (c) small retrievals: 30 studies of 1 to 12 objects (CT 512×512 or MR 256×256), each retrieved by a movescu
 * process of its own, the 30 one after another; a client's figures are the batch's (wall and CPU summed over the 30
 * processes, peak RSS their maximum). DCMTK's movescu notices the archive's sub-association only when its 1 s poll
 * of the C-MOVE association runs out (dimmove.cc, see BENCHMARKS.md): (c) measures what that costs a user who
 * retrieves study by study. (c) runs the plain retrieval only.
 * Data are generated once into .bench/retrieve/ (gitignored) with DCMTK's dump2dcm and indexed in place with
 * dcmqridx; later runs reuse them. Each client is measured as a whole process with /usr/bin/time (Debian package
 * `time`; CI needs `apt-get install -y time`); variants alternate within each run (A B A B ...). DCMTK's movescu runs
 * with TCP_NODELAY=1 (without it, each C-STORE-RSP waits for a delayed ACK). The archive runs both ways (--archive
 * both, the default): with TCP_NODELAY=1, and as DCMTK and Debian start it, Nagle's algorithm on, where the tail of
 * an object can wait for the receiver's delayed ACK (see BENCHMARKS.md). DCMTK's `+B` (bit preserving) is a third
 * variant for (b); it ignores -od and writes into its working directory, so it runs with cwd = its output folder.
 * Before each measured run `sync` is called, so that writing back the previous run's pages is not charged to the
 * next one; an unmeasured warm-up retrieval per study (--warmup, default 1) keeps the first variant of run 1 from
 * paying for a cold page cache. A run's output goes to the trash (trash.ts: emptied files, inodes kept) instead of
 * being deleted, so that no run creates its files just after another's were deleted; the trash is deleted at the
 * end.
 */
import minimist from 'minimist';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Trash } from './trash';
import { machineState } from './machine';
import {
  compareDirs,
  formatDirDiff,
  freePort,
  indexIntoDcmqrscp,
  oursMovescuAvailable,
  oursMovescuPath,
  repoRoot,
  movescuCommand,
  runMovescu,
  runTimed,
  startDcmqrscp,
  studyMoveArgs,
  type Dcmqrscp,
  type MovescuImpl,
  type ResourceUsage,
} from '../test/helpers/peers';
import { makeStudy, type SeriesSpec } from '../test/helpers/dicom-gen';
import { binCommand } from '../scripts/bin-command';
import { median, medianRange } from './stats';

type StudyKey = 'a' | 'b' | 'c';
const STUDY_KEYS: readonly StudyKey[] = ['a', 'b', 'c'];

interface StudyDef {
  key: StudyKey;
  label: string;
  /** The series of each study; a client retrieves each study with a movescu process of its own, in this order. */
  studies: SeriesSpec[][];
}

/**
 * (c): 30 studies whose object counts run through 1..12 in a fixed order (1, 6, 11, 4, 9, 2, 7, 12, 5, 10, 3, 8,
 * then again; 189 objects), CT 512×512 explicit VR in the even ones, MR 256×256 implicit VR in the odd ones.
 */
const SMALL_STUDIES: SeriesSpec[][] = Array.from({ length: 30 }, (_, i): SeriesSpec[] => [
  i % 2 === 0
    ? { sopClass: 'ct', count: 1 + ((i * 5) % 12), rows: 512, cols: 512, bitsAllocated: 16, transferSyntax: 'explicit' }
    : { sopClass: 'mr', count: 1 + ((i * 5) % 12), rows: 256, cols: 256, bitsAllocated: 16, transferSyntax: 'implicit' },
]);

const STUDIES: Record<StudyKey, StudyDef> = {
  a: {
    key: 'a',
    label: '1000 × CT 512×512×16 bit',
    studies: [[{ sopClass: 'ct', count: 1000, rows: 512, cols: 512, bitsAllocated: 16, transferSyntax: 'explicit' }]],
  },
  b: {
    key: 'b',
    label: '1 × Multi-frame Grayscale Word SC 512×512×2 B × 1716 frames',
    studies: [[
      { sopClass: 'mf-word', count: 1, rows: 512, cols: 512, bitsAllocated: 16, frames: 1716, transferSyntax: 'explicit' },
    ]],
  },
  c: {
    key: 'c',
    label: '30 small studies of 1–12 objects (CT 512×512, MR 256×256), one movescu each, in a row',
    studies: SMALL_STUDIES,
  },
};

interface StudyFiles {
  studyUid: string;
  files: { path: string; size: number; dcmtkName: string }[];
}

interface StudyManifest {
  spec: string; // JSON of the studies' series, to notice a changed definition
  studies: StudyFiles[];
  bytes: number;
  generatedInS: number;
}

interface Manifest {
  studies: Partial<Record<StudyKey, StudyManifest>>;
  /** Study keys whose current files are in db/index.dat. */
  indexed: StudyKey[];
}

interface Variant {
  name: string;
  impl: MovescuImpl;
  extra: string[];
  /** +B writes into the working directory. */
  cwdIsOut: boolean;
  /** Ratios are taken against the DCMTK variant of the same group (the same output options). */
  group: string;
  /** Ours with -od - in this format, standard output to /dev/null (compared with DCMTK writing files). */
  stream?: 'tar' | 'multipart' | 'json';
  /** The library through examples/anonymise.ts (rewriteAttributes → directorySink) instead of the CLI. */
  rewrite?: boolean;
}

/** Ours to standard output in each format, and through the rewrite stage: compared with DCMTK writing files. */
const STREAM_VARIANTS: Variant[] = [
  ...(['tar', 'multipart', 'json'] as const).map((f): Variant => ({ name: `ours -od - ${f}`, impl: 'ours', extra: [], cwdIsOut: false, group: '', stream: f })),
  { name: 'ours rewriteAttributes', impl: 'ours', extra: [], cwdIsOut: false, group: '', rewrite: true },
];

/**
 * The output conversions measured besides the plain retrieval: +te on implicit VR input (the store side accepts
 * implicit only, so the archive sends implicit and the client converts), and +td (deflate on the way to disk).
 */
const CONVERSIONS: { group: string; extra: string[]; compare: boolean }[] = [
  { group: '+xi +te', extra: ['+xi', '+te'], compare: true },
  // Deflated bytes depend on the zlib version (Node's 1.3 vs DCMTK's 1.2.13); the tests compare them inflated.
  { group: '+td', extra: ['+td'], compare: false },
];

interface Sample {
  usage: ResourceUsage;
}

const args = minimist(process.argv.slice(2), {
  string: ['only', 'work', 'archive', 'node', 'variants'],
  boolean: ['keep', 'help', 'plain'],
  default: { runs: 3, warmup: 1, archive: 'both', node: 'shebang' },
  alias: { h: 'help' },
});

/** A bad command-line option of the benchmark. */
class UsageError extends Error {}

function usage(): never {
  console.log('usage: node dist/benchmarks/retrieve.js [--runs N] [--only a|b|c|a,c] [--archive nodelay|nagle|both] [--node shebang|plain] [--plain] [--variants a,b] [--keep] [--warmup N] [--work DIR]');
  console.log('  --only     the study sets: a (1000 CT), b (one 900 MB object), c (30 small studies, one movescu each); default all');
  console.log('  --archive  how dcmqrscp runs: nodelay (TCP_NODELAY=1), nagle (DCMTK\'s default, Nagle on) or both (default)');
  console.log('  --node     ours started as its #! line says (shebang, default) or as `node dist/bin/movescu.js` (plain)');
  console.log('  --plain    measure only the plain retrieval, not the output conversions (+xi +te, +td)');
  console.log('  --variants a,b  only the variants whose names contain one of these words (and the DCMTK ones they are compared with)');
  process.exit(0);
}

/** The archive's two socket configurations. */
type ArchiveMode = 'nodelay' | 'nagle';
const ARCHIVE_LABEL: Record<ArchiveMode, string> = {
  nodelay: 'dcmqrscp with TCP_NODELAY=1',
  nagle: 'dcmqrscp with Nagle on (its default)',
};

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function fmtS(x: number): string {
  return x.toFixed(2);
}

/** The median of the ratios a[i] / b[i] (run i of each, measured one after the other), with their range. */
function pairedRatio(a: readonly number[], b: readonly number[]): string {
  const r: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if ((b[i] as number) > 0) r.push((a[i] as number) / (b[i] as number));
  return r.length === 0 ? '-' : medianRange(r);
}

function manifestValid(m: StudyManifest | undefined, def: StudyDef): m is StudyManifest {
  if (!m || m.spec !== JSON.stringify(def.studies) || !Array.isArray(m.studies)) return false;
  return filesOf(m).every((f) => existsSync(f.path) && statSync(f.path).size === f.size);
}

function filesOf(m: StudyManifest): StudyFiles['files'] {
  return m.studies.flatMap((st) => st.files);
}

async function prepare(work: string, keys: StudyKey[]): Promise<Manifest> {
  const manifestFile = join(work, 'manifest.json');
  let manifest: Manifest = { studies: {}, indexed: [] };
  if (existsSync(manifestFile)) {
    try {
      manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    } catch {
      /* regenerate */
    }
  }
  const save = () => writeFileSync(manifestFile, JSON.stringify(manifest, null, 1));
  let changed = false;
  for (const key of keys) {
    const def = STUDIES[key];
    const known = manifest.studies[key];
    if (manifestValid(known, def)) {
      log(`study ${key} (${def.label}): reusing ${filesOf(known).length} files in ${join(work, 'src-' + key)}`);
      continue;
    }
    const dir = join(work, 'src-' + key);
    rmSync(dir, { recursive: true, force: true });
    log(`study ${key} (${def.label}): generating into ${dir} ...`);
    const t0 = Date.now();
    const studies: StudyFiles[] = [];
    for (const [si, series] of def.studies.entries()) {
      // (a) and (b) keep the names they had when each set was one study: a00001.dcm; (c): c07-00003.dcm
      const prefix = def.studies.length === 1 ? key : `${key}${String(si + 1).padStart(2, '0')}-`;
      const st = await makeStudy({
        dir,
        patientId: def.studies.length === 1 ? `BENCH_${key.toUpperCase()}` : `BENCH_${key.toUpperCase()}${si + 1}`,
        studyDescription: `dimse-stream benchmark ${key}`,
        series,
        fileName: ({ instanceNumber }) => `${prefix}${String(instanceNumber).padStart(5, '0')}.dcm`,
      });
      studies.push({ studyUid: st.studyUid, files: st.instances.map((i) => ({ path: i.file, size: i.bytes, dcmtkName: i.dcmtkName ?? '' })) });
    }
    const generatedInS = (Date.now() - t0) / 1000;
    const m: StudyManifest = { spec: JSON.stringify(def.studies), studies, bytes: 0, generatedInS };
    m.bytes = filesOf(m).reduce((n, f) => n + f.size, 0);
    manifest.studies[key] = m;
    manifest.indexed = manifest.indexed.filter((k) => k !== key);
    changed = true;
    log(`study ${key}: ${studies.length} stud${studies.length === 1 ? 'y' : 'ies'}, ${filesOf(m).length} files, ${(m.bytes / 1e6).toFixed(0)} MB in ${generatedInS.toFixed(1)} s`);
    save();
  }
  const db = join(work, 'db');
  const wanted = (Object.keys(manifest.studies) as StudyKey[]).filter((k) => manifestValid(manifest.studies[k], STUDIES[k]));
  const indexOk =
    !changed && existsSync(join(db, 'index.dat')) && wanted.every((k) => manifest.indexed.includes(k));
  if (!indexOk) {
    // rebuild the whole index: a regenerated study must not leave records of deleted files behind
    rmSync(db, { recursive: true, force: true });
    mkdirSync(db, { recursive: true });
    manifest.indexed = [];
    for (const key of wanted) {
      const m = manifest.studies[key] as StudyManifest;
      const t0 = Date.now();
      await indexIntoDcmqrscp(db, filesOf(m).map((f) => f.path));
      log(`study ${key}: indexed ${filesOf(m).length} files with dcmqridx in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      manifest.indexed.push(key);
      save();
    }
  }
  save();
  return manifest;
}

/** One measured run of a variant: the CLI (DCMTK's or ours, into `out` or to /dev/null) or the rewrite example. */
function runVariant(v: Variant, qrPort: number, storePort: number, studyUid: string, out: string, work: string): ReturnType<typeof runMovescu> {
  if (v.rewrite) {
    return runTimed(binCommand(join(repoRoot(), 'dist', 'examples', 'anonymise.js'), ['--study', studyUid, '--host', '127.0.0.1',
      '--port', String(qrPort), '--aec', 'ARCHIVE', '--aet', 'MOVESCU', '--listen', String(storePort), '--out', out]), { time: true, cwd: work });
  }
  const extra = v.stream ? ['--output-format', v.stream, ...v.extra] : v.extra;
  const moveArgs = studyMoveArgs({ qrPort, storePort, studyUid, outDir: v.stream ? '-' : out, extra });
  // --node plain: `node dist/bin/movescu.js`, without the Node options of the bin's #! line.
  const ours = (a: string[]) => (args.node === 'plain' ? { cmd: process.execPath, args: [oursMovescuPath(), ...a] } : movescuCommand('ours', a));
  if (v.stream) return runTimed(ours(moveArgs), { time: true, cwd: work, stdoutTo: '/dev/null' });
  if (v.impl === 'ours') return runTimed(ours(moveArgs), { time: true, cwd: v.cwdIsOut ? out : work });
  return runMovescu(v.impl, moveArgs, { time: true, cwd: v.cwdIsOut ? out : work });
}

interface BatchResult {
  code: number | null;
  stderr: string;
  /** Wall and CPU summed over the batch's processes, peak RSS the largest of theirs. */
  usage: ResourceUsage;
  /** Each process's wall time, in order. */
  walls: number[];
}

/**
 * One measured run of a variant over a study set: one process per study, one after another, all into `out`
 * (DCMTK names files by SOP Instance UID, unique across the set). Stops at the first process that fails.
 */
async function runBatch(v: Variant, qrPort: number, storePort: number, studyUids: string[], out: string, work: string): Promise<BatchResult> {
  const sum: ResourceUsage = { wallS: 0, userS: 0, sysS: 0, maxRssKb: 0 };
  const walls: number[] = [];
  for (const uid of studyUids) {
    const r = await runVariant(v, qrPort, storePort, uid, out, work);
    if (!r.usage) throw new Error(`${v.name}: no /usr/bin/time figures\n${r.stderr}`);
    sum.wallS += r.usage.wallS;
    sum.userS += r.usage.userS;
    sum.sysS += r.usage.sysS;
    sum.maxRssKb = Math.max(sum.maxRssKb, r.usage.maxRssKb);
    walls.push(r.usage.wallS);
    if (r.code !== 0) return { code: r.code, stderr: r.stderr, usage: sum, walls };
  }
  return { code: 0, stderr: '', usage: sum, walls };
}

function countFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).sort() : [];
}

async function main(): Promise<void> {
  if (args.help) usage();
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError('--runs must be a positive integer');
  const only = args.only === undefined ? [...STUDY_KEYS] : String(args.only).split(',');
  const keys = STUDY_KEYS.filter((k) => only.includes(k));
  if (keys.length !== only.length || keys.length === 0) throw new UsageError('--only takes a, b, c or a list of them (a,c)');
  const archive = String(args.archive);
  if (archive !== 'nodelay' && archive !== 'nagle' && archive !== 'both') throw new UsageError('--archive must be nodelay, nagle or both');
  const archives: ArchiveMode[] = archive === 'both' ? ['nodelay', 'nagle'] : [archive];
  if (args.node !== 'shebang' && args.node !== 'plain') throw new UsageError('--node must be shebang or plain');
  const root = repoRoot();
  const work = args.work ? String(args.work) : join(root, '.bench', 'retrieve');
  mkdirSync(work, { recursive: true });
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time not found (Debian: apt-get install -y time)');

  const ours = oursMovescuAvailable();
  if (!ours) log(`our movescu not found at ${oursMovescuPath()} (not built yet?): measuring DCMTK only`);

  const manifest = await prepare(work, keys);
  const trash = new Trash(join(work, 'trash'));
  const storePort = await freePort();
  let qr: Dcmqrscp | undefined;
  const onSignal = () => {
    void qr?.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const report: string[] = [
    `node dist/benchmarks/retrieve.js ${process.argv.slice(2).join(' ')}`.trimEnd(),
    `ours started ${args.node === 'plain' ? 'as `node dist/bin/movescu.js`' : 'as its #! line says'}; at the start: ${machineState()}`,
  ];
  const results: Record<string, unknown> = {};
  for (const mode of archives) {
    const t0 = Date.now();
    qr = await startDcmqrscp({
      storageDir: join(work, 'db'),
      moveDestinations: [{ ae: 'MOVESCU', port: storePort }],
      quota: { maxStudies: 200, maxBytesPerStudy: '1024mb' },
      configFile: join(work, mode === 'nagle' ? 'dcmqrscp-nagle.cfg' : 'dcmqrscp.cfg'),
      nagle: mode === 'nagle',
    });
    log(`${ARCHIVE_LABEL[mode]} listening on ${qr.port} after ${Date.now() - t0} ms`);
    try {
      for (const key of keys) {
        const m = manifest.studies[key] as StudyManifest;
        const files = filesOf(m);
        const studyUids = m.studies.map((st) => st.studyUid);
        const expected = files.map((f) => f.dcmtkName).sort();
        // (c) is about the cost of each retrieval, not of each object: the plain retrieval only
        const plain = Boolean(args.plain) || key === 'c';
        const variants: Variant[] = [{ name: 'DCMTK', impl: 'dcmtk', extra: [], cwdIsOut: false, group: '' }];
        if (ours) variants.push({ name: 'ours', impl: 'ours', extra: [], cwdIsOut: false, group: '' });
        if (key === 'b') variants.push({ name: 'DCMTK +B', impl: 'dcmtk', extra: ['+B'], cwdIsOut: true, group: '' });
        if (ours && !plain) variants.push(...STREAM_VARIANTS);
        if (!plain) {
          for (const c of CONVERSIONS) {
            variants.push({ name: `DCMTK ${c.group}`, impl: 'dcmtk', extra: c.extra, cwdIsOut: false, group: c.group });
            if (ours) variants.push({ name: `ours ${c.group}`, impl: 'ours', extra: c.extra, cwdIsOut: false, group: c.group });
          }
        }
        if (args.variants) {
          const words = String(args.variants).split(',');
          const kept = variants.filter((v) => words.some((w) => v.name.includes(w)));
          const bases = new Set(kept.map((v) => (v.group ? `DCMTK ${v.group}` : 'DCMTK')));
          variants.splice(0, variants.length, ...variants.filter((v) => kept.includes(v) || bases.has(v.name)));
          if (variants.length === 0) {
            log(`(${key}): no variant matches --variants ${String(args.variants)}${plain ? ' (it runs the plain retrieval only)' : ''}; skipped`);
            continue;
          }
        }
        const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
        const perProcess = new Map<string, number[]>(variants.map((v) => [v.name, []]));
        const firstDirs = new Map<string, string>();
        const notes: string[] = [];
        for (let w = 0; w < Number(args.warmup); w++) {
          const out = join(work, 'out', `${mode}-${key}-warmup`);
          trash.clear(out);
          const r = await runMovescu('dcmtk', studyMoveArgs({ qrPort: qr.port, storePort, studyUid: studyUids[0] as string, outDir: out }));
          log(`${key} warm-up (DCMTK, not measured): exit ${r.code}, ${r.wallMs.toFixed(0)} ms`);
          trash.retire(out);
        }
        for (let run = 1; run <= runs; run++) {
          for (const v of variants) {
            const out = join(work, 'out', `${mode}-${key}-${v.name.replace(/\W+/g, '_')}-${run}`);
            trash.clear(out);
            spawnSync('sync');
            const r = await runBatch(v, qr.port, storePort, studyUids, out, work);
            const got = countFiles(out);
            // The stream variants write nothing into `out`: their exit code says whether every object was handed on.
            const ok = r.code === 0 && (v.stream !== undefined || (got.length === expected.length && got.every((n, i) => n === expected[i])));
            log(
              `${mode} ${key} run ${run} ${v.name}: exit ${r.code}, ${v.stream ? 'to /dev/null' : `${got.length}/${expected.length} files`}, ` +
                `${studyUids.length > 1 ? `${r.walls.length} processes, ` : ''}` +
                `wall ${fmtS(r.usage.wallS)} s, user ${fmtS(r.usage.userS)} s, sys ${fmtS(r.usage.sysS)} s, ` +
                `RSS ${(r.usage.maxRssKb / 1024).toFixed(0)} MB`,
            );
            if (!ok) {
              throw new Error(
                `${key} ${v.name} run ${run}: exit ${r.code}, ${got.length} of ${expected.length} expected files\n` +
                  `stderr:\n${r.stderr.slice(-4000)}\ndcmqrscp:\n${qr.logs().slice(-4000)}`,
              );
            }
            (samples.get(v.name) as Sample[]).push({ usage: r.usage });
            perProcess.get(v.name)?.push(...r.walls);
            if (run === 1) firstDirs.set(v.name, out);
            else if (!args.keep) trash.retire(out);
          }
        }
        // outputs of the first run: ours against DCMTK's, and DCMTK +B against DCMTK
        const pairs: [string, string][] = [['DCMTK', 'ours'], ['DCMTK', 'DCMTK +B']];
        if (!plain) for (const c of CONVERSIONS) if (c.compare) pairs.push([`DCMTK ${c.group}`, `ours ${c.group}`]);
        for (const [baseName, other] of pairs) {
          const base = firstDirs.get(baseName);
          const dir = firstDirs.get(other);
          if (!base || !dir) continue;
          const d = await compareDirs(base, dir);
          notes.push(`compareDirs(${baseName}, ${other}) on run 1: ${formatDirDiff(d, 3)}`);
          if (other.startsWith('ours') && !d.identical) process.exitCode = 1;
        }
        if (!args.keep) for (const dir of firstDirs.values()) trash.retire(dir);
        if (studyUids.length > 1) {
          const each = variants.map((v) => {
            const w = perProcess.get(v.name) ?? [];
            return `${v.name} ${medianRange(w)} s`;
          });
          notes.push(`one process's wall, median (min–max) over all ${runs * studyUids.length}: ${each.join('; ')}`);
        }

        const baseOf = (v: Variant) => {
          const baseS = samples.get(v.group ? `DCMTK ${v.group}` : 'DCMTK') as Sample[];
          return {
            walls: baseS.map((s) => s.usage.wallS),
            wall: median(baseS.map((s) => s.usage.wallS)),
            cpu: median(baseS.map((s) => s.usage.userS + s.usage.sysS)),
            rss: median(baseS.map((s) => s.usage.maxRssKb)),
          };
        };
        const rows: string[][] = [
          ['variant', 'wall s median (min–max)', 'CPU s user+sys', 'peak RSS MB', 'wall ×', 'wall × pairs', 'CPU ×', 'RSS ×', 'MB/s in'],
        ];
        const stats: Record<string, unknown> = {};
        for (const v of variants) {
          const s = samples.get(v.name) as Sample[];
          const walls = s.map((x) => x.usage.wallS);
          const wall = median(walls);
          const cpu = median(s.map((x) => x.usage.userS + x.usage.sysS));
          const rss = median(s.map((x) => x.usage.maxRssKb));
          stats[v.name] = { samples: s.map((x) => x.usage), medianWallS: wall, medianCpuS: cpu, medianMaxRssKb: rss };
          const b = baseOf(v);
          const isBase = v.name === (v.group ? `DCMTK ${v.group}` : 'DCMTK');
          const ratio = (x: number, y: number) => (isBase ? '1' : y > 0 ? (x / y).toFixed(2) : '-');
          rows.push([
            v.name,
            medianRange(walls),
            fmtS(cpu),
            (rss / 1024).toFixed(0),
            ratio(wall, b.wall),
            isBase ? '1' : pairedRatio(walls, b.walls),
            ratio(cpu, b.cpu),
            ratio(rss, b.rss),
            (m.bytes / 1e6 / wall).toFixed(0),
          ]);
        }
        results[`${mode}-${key}`] = { archive: mode, label: STUDIES[key].label, studies: studyUids.length, files: files.length, bytes: m.bytes, runs, stats, notes };
        const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
        report.push(
          '',
          `(${key}) ${STUDIES[key].label}, ${ARCHIVE_LABEL[mode]}: ${files.length} file(s), ${(m.bytes / 1e6).toFixed(0)} MB, ${runs} run(s)` +
            ` (ratios: variant / DCMTK with the same output options, medians; "pairs": the median of run i's ratio, the` +
            ` two run one after the other, which a machine's speed drifting between minutes moves less` +
            `${studyUids.length > 1 ? `; wall and CPU summed over the ${studyUids.length} processes of a run, peak RSS their largest` : ''})`,
          ...rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')),
          ...notes.map((n) => '  ' + n.replace(/\n/g, '\n  ')),
        );
      }
    } finally {
      await qr.stop();
    }
  }
  trash.empty();
  if (!ours) report.push('', `ours: not measured (${oursMovescuPath()} does not exist yet)`);
  for (const key of keys) {
    const g = manifest.studies[key]?.generatedInS;
    if (g !== undefined) report.push(`generation of (${key}) took ${g.toFixed(1)} s when it was made`);
  }
  console.log(report.join('\n'));
  writeFileSync(
    join(work, 'last-results.json'),
    JSON.stringify({ date: new Date().toISOString(), ours, node: args.node, loadavg: loadavg(), results }, null, 1),
  );
}

main().catch((e: unknown) => {
  // a bad option gets its message only; a failed run its stack too, for whoever debugs the benchmark
  console.error(e instanceof UsageError ? `retrieve: ${e.message} (--help lists the options)` : e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
