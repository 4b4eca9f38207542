/**
 * One retrieval per option, DCMTK 3.6.7's movescu and ours with the same arguments, for the options no other test
 * compares through the network (the README's option table names the test of each option). Compared: the exit code,
 * the files (harness compareDirs: meta naming the implementation aside, byte for byte), stdout, and the info, warning,
 * error and fatal lines per association (main and sub-associations apart: they interleave by timing, see
 * log-lines.test.ts); with -d also the association parameter dumps, where the proposed and accepted transfer
 * syntaxes show.
 *
 * Archives, each started once: dcmqrscp with a small study (three objects); the same with -xd (it proposes deflated
 * on its sub-associations); and our own archive serving one object in each transfer syntax a +x option names (it
 * proposes each object in its stored syntax only, so which objects arrive shows which syntaxes each movescu
 * accepts). Each case has its own move destination (AE title and port), so that cases run three at a time. Our own
 * options (DCMTK has none of them) are given to ours only: they must change nothing a DCMTK user sees.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import {
  associationBlocks, byAssociation, compareDirs, formatDirDiff, freePort, runMovescu, startDcmqrscpServing, tempDir,
  type Dcmqrscp, type MovescuResult, type TempDir,
} from '../helpers/peers';
import { makeStudy, SMALL_MIXED_SERIES, type GeneratedStudy } from '../helpers/dicom-gen';
import { startOwnArchive } from '../helpers/archive';
import { cleanupsAfter } from '../helpers/cleanups';

const cleanups = cleanupsAfter();

/** Cases at once: each is two movescu processes one after the other. */
const CONCURRENCY = 3;

interface Case {
  /** Options given to both movescus (after the common ones, before host and port). */
  args: readonly string[];
  /** Options given to ours only (dimse-stream's own). */
  oursOnly?: readonly string[];
  /** Query keys instead of a study-level retrieval of the archive's study. */
  keys?: readonly string[];
  /** Compare the association parameter dumps too (needs -d in args). */
  dumps?: boolean;
  /** DCMTK's exit code (default 0): a case that fails the same way in both would prove little. */
  code?: number;
}

const name = (c: Case): string =>
  [...c.args, ...(c.oursOnly ?? [])].join(' ') + (c.keys ? ` (${c.keys.filter((k) => k !== '-k').join(', ')})` : '');

interface Pair { dcmtk: MovescuResult; ours: MovescuResult; a: string; b: string }

interface Destination { ae: string; port: number }

/** One move destination per case: AE title and store port. */
async function destinations(n: number, prefix: string): Promise<Destination[]> {
  const out: Destination[] = [];
  while (out.length < n) out.push({ ae: `${prefix}${out.length}`, port: await freePort() });
  return out;
}

let runs = 0;
async function both(tmp: string, c: Case, dest: Destination, target: { port: number; keys: string[] }): Promise<Pair> {
  const n = ++runs;
  const a = join(tmp, `dcmtk-${n}`);
  const b = join(tmp, `ours-${n}`);
  mkdirSync(a);
  mkdirSync(b);
  const logLevel = c.args.some((x) => ['-q', '-v', '-d', '-ll'].includes(x)) ? [] : ['-v'];
  const model = c.args.some((x) => ['-P', '-S', '-O'].includes(x)) ? [] : ['-S'];
  // DCMTK refuses -od with --no-port: then each runs in its output directory.
  const noPort = c.args.includes('--no-port');
  const args = (out: string, extra: readonly string[]): string[] => [...logLevel, ...model, '-aec', 'ARCHIVE', '-aem', dest.ae,
    '+P', String(dest.port), ...(noPort ? [] : ['-od', out]), ...(c.keys ?? target.keys), ...c.args, ...extra, '127.0.0.1', String(target.port)];
  const dcmtk = await runMovescu('dcmtk', args(a, []), { cwd: a });
  const ours = await runMovescu('ours', args(b, c.oursOnly ?? []), { cwd: b });
  return { dcmtk, ours, a, b };
}

/** The association dump's lines naming either side's implementation (ours is not DCMTK's). */
const IMPLEMENTATION_LINE = /^D: (Our|Their) Implementation/;

/** Info, warning, error and fatal lines (DCMTK's debug and trace lines we do not all reproduce: log-lines.test.ts). */
function logLines(stderr: string, out: string): string[] {
  return stderr.replaceAll(out, 'OUT').split('\n').filter((l) => /^[IWEF]: /.test(l) || l === 'I:');
}

async function assertSame(c: Case, r: Pair): Promise<void> {
  const why = `${name(c)}\nDCMTK:\n${r.dcmtk.stderr}\nours:\n${r.ours.stderr}`;
  assert.equal(r.dcmtk.code, c.code ?? 0, `DCMTK's exit code: ${why}`);
  assert.equal(r.ours.code, r.dcmtk.code, `exit codes differ: ${why}`);
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, `${name(c)}: ${formatDirDiff(d)}`);
  assert.equal(r.ours.stdout, r.dcmtk.stdout, `stdout: ${why}`);
  assert.deepEqual(byAssociation(logLines(r.ours.stderr, r.b)), byAssociation(logLines(r.dcmtk.stderr, r.a)), why);
  if (c.dumps) {
    const theirs = associationBlocks(r.dcmtk.stderr, IMPLEMENTATION_LINE);
    assert.ok(theirs.length >= 2, why);
    assert.deepEqual(associationBlocks(r.ours.stderr, IMPLEMENTATION_LINE), theirs, name(c));
  }
}

// ---- against dcmqrscp: a study of three objects ----

const PATIENT_KEYS = ['-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID=OPT1'];

const QR_CASES: Case[] = [
  // general options: what each log level lets through; -q silences the warning of a refused C-MOVE
  { args: ['-q', '-aem', 'NOBODY'], code: 69 },
  { args: ['-ll', 'info'] },
  { args: ['-ll', 'trace'] },
  { args: ['-ll', 'error', '-aem', 'NOBODY'], code: 69 },
  // the patient/study only model, at patient and at study level (dcmqrscp serves it)
  { args: ['-O'], keys: PATIENT_KEYS },
  { args: ['-O'], keys: ['-k', 'QueryRetrieveLevel=STUDY', '-k', 'PatientID=OPT1'] },
  // our calling AE title as the archive sees it (association dumps)
  { args: ['-d', '-aet', 'OTHERSCU'], dumps: true },
  // proposed transfer syntaxes of the C-MOVE association
  ...['-x=', '-xe', '-xb', '-xd', '-xi'].map((x): Case => ({ args: ['-d', x], dumps: true })),
  // host access control off (the default); no port: dcmqrscp cannot open its sub-association
  { args: ['-ac'] },
  { args: ['--no-port'], code: 69 },
  // timeouts that do not expire
  { args: ['-to', '30', '-ta', '30', '-td', '30'] },
  // output options at their defaults, spelled out, and each default winning over the other choice given before it
  { args: ['-B', '+F', '+t=', '+u', '+g=', '+e', '-p'] },
  { args: ['+B', '-B', '-F', '+F', '+te', '+t=', '-u', '+u', '-g', '+g=', '-e', '+e', '+p', '16', '4', '-p'] },
  // dimse-stream's own options: nothing a DCMTK user sees changes
  { args: [], oursOnly: ['--fsync'] },
  { args: [], oursOnly: ['--max-in-flight', '1'] },
  { args: [], oursOnly: ['--require-called-aet'] },
  { args: [], oursOnly: ['--require-archive'] },
];

interface QrSetup { tmp: TempDir; qr: Dcmqrscp; qrDeflate: Dcmqrscp; dests: Destination[]; study: GeneratedStudy }
let qrSetup: Promise<QrSetup> | undefined;
function dcmqrscp(): Promise<QrSetup> {
  qrSetup ??= (async () => {
    const tmp = tempDir('options-vs-dcmtk');
    cleanups.push(() => tmp.cleanup());
    const study = await makeStudy({
      dir: join(tmp.path, 'src'), patientId: 'OPT1',
      series: [...SMALL_MIXED_SERIES],
    });
    const dests = await destinations(QR_CASES.length + 3, 'OPT');
    const moveDestinations = dests.map((d) => ({ ae: d.ae, port: d.port }));
    const { qr } = await startDcmqrscpServing(study.files, { storageDir: join(tmp.path, 'db'), moveDestinations });
    cleanups.push(() => qr.stop());
    const { qr: qrDeflate } = await startDcmqrscpServing(study.files, { storageDir: join(tmp.path, 'db-deflate'), moveDestinations, extraArgs: ['-xd'] });
    cleanups.push(() => qrDeflate.stop());
    return { tmp, qr, qrDeflate, dests, study };
  })();
  return qrSetup;
}

const studyKeys = (s: QrSetup): string[] => ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`];
const QR_NEEDS = ['dcmqridx', 'dcmqrscp', 'movescu'];

describe('options against dcmqrscp', { concurrency: CONCURRENCY }, () => {
  QR_CASES.forEach((c, i) => {
    peerTest(`option ${name(c)}: exit code, files, stdout and log lines as DCMTK's movescu (dcmqrscp)`, QR_NEEDS, async () => {
      const s = await dcmqrscp();
      await assertSame(c, await both(s.tmp.path, c, s.dests[i]!, { port: s.qr.port, keys: studyKeys(s) }));
    });
  });

  peerTest('option +xd (dcmqrscp -xd proposes deflated): accepted, the data sets written +te as DCMTK\'s; without it, not accepted', QR_NEEDS, async () => {
    const s = await dcmqrscp();
    const accepted = (log: string): string[] => log.split('\n').filter((l) => /^D: +Accepted Transfer Syntax: /.test(l));
    for (const [c, dest, ts] of [
      [{ args: ['-d', '+xd', '+te'], dumps: true }, s.dests[QR_CASES.length]!, '=DeflatedLittleEndianExplicit'],
      [{ args: ['-d', '+te'], dumps: true }, s.dests[QR_CASES.length + 1]!, '=LittleEndianExplicit'],
    ] as const) {
      const r = await both(s.tmp.path, c, dest, { port: s.qrDeflate.port, keys: studyKeys(s) });
      await assertSame(c, r);
      // The sub-association's context (the last dump, DCMTK's A-ASSOCIATE-AC) took the syntax this case is about.
      assert.equal(accepted(r.dcmtk.stderr).at(-1), `D:     Accepted Transfer Syntax: ${ts}`, r.dcmtk.stderr);
      assert.equal(readdirSync(r.a).length, 3, r.dcmtk.stderr);
    }
  });

  peerTest('the dcmqrscp cases are not vacuous: a plain retrieval stores the three objects, --no-port none', QR_NEEDS, async () => {
    const s = await dcmqrscp();
    const plain = await both(s.tmp.path, { args: [] }, s.dests[QR_CASES.length + 2]!, { port: s.qr.port, keys: studyKeys(s) });
    assert.equal(plain.dcmtk.code, 0, plain.dcmtk.stderr);
    assert.equal(readdirSync(plain.a).length, 3);
    assert.equal(readdirSync(plain.b).length, 3);
    const noPort = await both(s.tmp.path, { args: ['--no-port'] }, s.dests[QR_CASES.length + 2]!, { port: s.qr.port, keys: studyKeys(s) });
    assert.deepEqual(readdirSync(noPort.a), [], noPort.dcmtk.stderr);
  });
});

// ---- against our own archive: one object per transfer syntax a +x option names ----

const SC = '1.2.840.10008.5.1.4.1.1.7';
const XFER_STUDY = '1.2.826.0.1.3680043.2.1143.7100';
/** Encapsulated syntaxes: the +x option that prefers each (and JPEG process 14, which none names). */
const ENCAPSULATED: readonly (readonly [string, string])[] = [
  ['+xs', '1.2.840.10008.1.2.4.70'], ['+xy', '1.2.840.10008.1.2.4.50'], ['+xx', '1.2.840.10008.1.2.4.51'],
  ['+xv', '1.2.840.10008.1.2.4.90'], ['+xw', '1.2.840.10008.1.2.4.91'], ['+xt', '1.2.840.10008.1.2.4.80'],
  ['+xu', '1.2.840.10008.1.2.4.81'], ['+xm', '1.2.840.10008.1.2.4.100'], ['+xh', '1.2.840.10008.1.2.4.101'],
  ['+xn', '1.2.840.10008.1.2.4.102'], ['+xl', '1.2.840.10008.1.2.4.103'], ['+x2', '1.2.840.10008.1.2.4.104'],
  ['+x3', '1.2.840.10008.1.2.4.105'], ['+xo', '1.2.840.10008.1.2.4.106'], ['+x4', '1.2.840.10008.1.2.4.107'],
  ['+x5', '1.2.840.10008.1.2.4.108'], ['+xr', '1.2.840.10008.1.2.5'], ['process 14', '1.2.840.10008.1.2.4.57'],
];
/** Uncompressed objects: dump2dcm's output option for each. (Our archive catalogues a deflated file by its meta
 * alone, so a study-level query cannot select one: +xd is compared against dcmqrscp -xd above.) */
const NATIVE: readonly (readonly [string, string])[] = [['+te', 'le'], ['+tb', 'be'], ['+ti', 'implicit']];
/** The uncompressed +x options and the dump2dcm option of the object in the syntax each prefers. */
const NATIVE_OF: Readonly<Record<string, string>> = { '+x=': '+te', '+xe': '+te', '+xb': '+tb', '+xi': '+ti' };
const PREFER: readonly string[] = ['+x=', '+xe', '+xb', ...ENCAPSULATED.map(([o]) => o).filter((o) => o.startsWith('+')), '+xi', '+xa'];

interface XferSetup { tmp: TempDir; qrPort: number; dests: Destination[]; instanceOf: Map<string, string> }
let xferSetup: Promise<XferSetup> | undefined;

function dump2dcm(dir: string, file: string, lines: string[], opts: string[]): void {
  const dump = join(dir, `${file}.dump`);
  writeFileSync(dump, lines.join('\n') + '\n');
  const r = spawnSync('dump2dcm', ['-q', ...opts, dump, join(dir, `${file}.dcm`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, `dump2dcm ${file}: ${r.stderr}`);
}

function ownArchive(): Promise<XferSetup> {
  xferSetup ??= (async () => {
    const tmp = tempDir('options-vs-dcmtk-xfer');
    cleanups.push(() => tmp.cleanup());
    const src = join(tmp.path, 'src');
    mkdirSync(src);
    const instanceOf = new Map<string, string>();
    const head = (instance: string): string[] => [
      `(0008,0016) UI [${SC}]`, `(0008,0018) UI [${instance}]`, '(0008,0060) CS [OT]', '(0010,0010) PN [Xfer^Test]',
      '(0010,0020) LO [XFER1]', `(0020,000d) UI [${XFER_STUDY}]`, '(0020,000e) UI [1.2.826.0.1.3680043.2.1143.7101]',
      '(0028,0002) US 1', '(0028,0004) CS [MONOCHROME2]', '(0028,0010) US 2', '(0028,0011) US 2', '(0028,0100) US 8',
      '(0028,0101) US 8', '(0028,0102) US 7', '(0028,0103) US 0',
    ];
    let n = 0;
    for (const [option, ts] of ENCAPSULATED) {
      const instance = `1.2.826.0.1.3680043.2.1143.7102.${++n}`;
      instanceOf.set(option, instance);
      dump2dcm(src, `enc-${n}`, [`(0002,0010) UI [${ts}]`, ...head(instance), '(7fe0,0010) OB (PixelSequence)',
        '(fffe,e000) pi (no value available)', '(fffe,e000) pi 01\\02\\03\\04', '(fffe,e0dd) na (SequenceDelimitationItem)'], ['+t=']);
    }
    for (const [option, file] of NATIVE) {
      const instance = `1.2.826.0.1.3680043.2.1143.7102.${++n}`;
      instanceOf.set(option, instance);
      dump2dcm(src, `native-${file}`, [...head(instance), '(7fe0,0010) OB 01\\02\\03\\04'], [option]);
    }
    const dests = await destinations(PREFER.length, 'XFER');
    const { qrPort, close } = await startOwnArchive({ folder: src, moveDestinations: dests });
    cleanups.push(close);
    return { tmp, qrPort, dests, instanceOf };
  })();
  return xferSetup;
}

describe('+x options against our archive', { concurrency: CONCURRENCY }, () => {
  PREFER.forEach((option, i) => {
    peerTest(`option ${option}: the transfer syntaxes accepted on the store side (objects stored, log lines, exit code) as DCMTK's movescu`, ['dump2dcm', 'movescu'], async () => {
      const s = await ownArchive();
      const all = ENCAPSULATED.length + NATIVE.length;
      const r = await both(s.tmp.path, { args: ['-d', option], dumps: true }, s.dests[i]!,
        { port: s.qrPort, keys: ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${XFER_STUDY}`] });
      // Objects in a syntax not accepted fail their sub-operation: the C-MOVE ends with failures (DCMTK: exit 0 then).
      await assertSame({ args: ['-d', option], dumps: true, code: r.dcmtk.code ?? -1 }, r);
      // Not vacuous: the object in the syntax the option prefers is among those DCMTK stored; +xa takes all but
      // JPEG process 14.
      const stored = readdirSync(r.a);
      if (option === '+xa') assert.equal(stored.length, all - 1, r.dcmtk.stderr);
      else assert.ok(stored.includes(`SC.${s.instanceOf.get(NATIVE_OF[option] ?? option)}`), `${option}: ${stored.join(' ')}\n${r.dcmtk.stderr}`);
      assert.ok(stored.length < all, stored.join(' '));
    });
  });
});
