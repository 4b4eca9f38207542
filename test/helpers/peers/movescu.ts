/**
 * Runs a movescu: DCMTK's (`movescu` on PATH, with TCP_NODELAY=1 as peers.md recommends: without it each
 * C-STORE-RSP waits for a delayed ACK) or ours (`<repo>/dist/bin/movescu.js` with the Node options of its `#!` line, same options).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runProcess, type RunResult } from './proc';
import { binCommand } from '../../../scripts/bin-command';

export type MovescuImpl = 'dcmtk' | 'ours';

/** The folder holding dimse-stream's package.json, found by walking up from this file (works from dist/ or /tmp). */
export function repoRoot(): string {
  const tryFrom = (start: string): string | null => {
    let dir = start;
    for (;;) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg)) {
        try {
          if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dimse-stream') return dir;
        } catch {
          /* not ours */
        }
      }
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  };
  const found = (process.env.DIMSE_REPO && tryFrom(process.env.DIMSE_REPO)) || tryFrom(__dirname) || tryFrom(process.cwd());
  if (!found) throw new Error('cannot find the dimse-stream repository (set DIMSE_REPO)');
  return found;
}

/** Path of our compiled CLI: $DIMSE_MOVESCU, else <repo>/dist/bin/movescu.js. */
export function oursMovescuPath(): string {
  return process.env.DIMSE_MOVESCU ?? join(repoRoot(), 'dist', 'bin', 'movescu.js');
}

export function oursMovescuAvailable(): boolean {
  return existsSync(oursMovescuPath());
}

export interface ResourceUsage {
  wallS: number;
  userS: number;
  sysS: number;
  maxRssKb: number;
}

export interface MovescuResult extends RunResult {
  /** From /usr/bin/time when `opts.time` was set. */
  usage?: ResourceUsage;
}

export interface RunMovescuOptions {
  cwd?: string;
  /** Merged over process.env (TCP_NODELAY=1 is added for DCMTK unless given here). */
  env?: NodeJS.ProcessEnv;
  /** Measure the whole process with `/usr/bin/time -f '%e %U %S %M'` (Debian package `time`). */
  time?: boolean;
  killAfterMs?: number;
}

export function movescuCommand(which: MovescuImpl, args: readonly string[]): { cmd: string; args: string[] } {
  return which === 'dcmtk'
    ? { cmd: 'movescu', args: [...args] }
    : binCommand(oursMovescuPath(), args);
}

export async function runMovescu(
  which: MovescuImpl,
  args: readonly string[],
  opts: RunMovescuOptions = {},
): Promise<MovescuResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(which === 'dcmtk' ? { TCP_NODELAY: '1' } : {}), ...opts.env };
  return runTimed(movescuCommand(which, args), { ...opts, env });
}

/** The `-f` format of /usr/bin/time whose output readTimeFile reads: wall, user and system seconds, peak RSS in KiB. */
export const TIME_FORMAT = '%e %U %S %M';

/** The figures /usr/bin/time wrote to `file` (`-f TIME_FORMAT -o file`), or undefined where it wrote none. */
export function readTimeFile(file: string): ResourceUsage | undefined {
  const last = existsSync(file) ? (readFileSync(file, 'utf8').trim().split('\n').pop() ?? '') : '';
  const [e, u, s, m] = last.split(/\s+/).map(Number);
  return [e, u, s, m].every((x) => Number.isFinite(x))
    ? { wallS: e as number, userS: u as number, sysS: s as number, maxRssKb: m as number }
    : undefined;
}

/**
 * Runs a command as runMovescu does (measured with /usr/bin/time when `opts.time`); `stdoutTo` sends its standard
 * output to a file (e.g. /dev/null) through `exec` in bash, so that the measured process is the command itself.
 */
export async function runTimed(command: { cmd: string; args: string[] }, opts: RunMovescuOptions & { stdoutTo?: string } = {}): Promise<MovescuResult> {
  const env = opts.env ?? process.env;
  const base = opts.stdoutTo === undefined ? command
    : { cmd: 'bash', args: ['-c', 'f="$1"; shift; exec "$@" > "$f"', 'bash', opts.stdoutTo, command.cmd, ...command.args] };
  if (!opts.time) return runProcess(base.cmd, base.args, { cwd: opts.cwd, env, killAfterMs: opts.killAfterMs });
  const timeFile = join(tmpdir(), `dimse-time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  try {
    const r = await runProcess('/usr/bin/time', ['-f', TIME_FORMAT, '-o', timeFile, base.cmd, ...base.args], {
      cwd: opts.cwd,
      env,
      killAfterMs: opts.killAfterMs,
    });
    return { ...r, usage: readTimeFile(timeFile) };
  } finally {
    rmSync(timeFile, { force: true });
  }
}

export interface StudyMoveArgs {
  qrPort: number;
  /** Port of movescu's own store SCP (+P / --port). */
  storePort: number;
  studyUid: string;
  outDir?: string;
  host?: string;
  callingAe?: string;
  calledAe?: string;
  moveDestinationAe?: string;
  /** Extra options placed before the host/port, e.g. ['-v'], ['+B']. */
  extra?: string[];
}

/** The argument list of a study-level study-root retrieval, the same for DCMTK's movescu and ours. */
export function studyMoveArgs(a: StudyMoveArgs): string[] {
  return [
    '-S',
    '-aet', a.callingAe ?? 'MOVESCU',
    '-aec', a.calledAe ?? 'ARCHIVE',
    '-aem', a.moveDestinationAe ?? 'MOVESCU',
    '+P', String(a.storePort),
    ...(a.outDir !== undefined ? ['-od', a.outDir] : []),
    '-k', 'QueryRetrieveLevel=STUDY',
    '-k', `StudyInstanceUID=${a.studyUid}`,
    ...(a.extra ?? []),
    a.host ?? '127.0.0.1',
    String(a.qrPort),
  ];
}

export interface PairRun {
  dcmtk: MovescuResult;
  ours: MovescuResult;
  /** DCMTK's output directory. */
  a: string;
  /** Ours. */
  b: string;
}

let pairs = 0;

/**
 * Runs DCMTK's movescu, then ours, with the same arguments, each into a fresh output directory under `base`.
 * `dcmtkCwdIsOut`: run DCMTK in its output directory (its +B ignores -od and writes into the working directory).
 */
export async function runBoth(base: string, args: (out: string) => string[], opts: { dcmtkCwdIsOut?: boolean } = {}): Promise<PairRun> {
  const n = ++pairs;
  const a = join(base, `dcmtk-${n}`);
  const b = join(base, `ours-${n}`);
  mkdirSync(a);
  mkdirSync(b);
  const dcmtk = await runMovescu('dcmtk', args(a), opts.dcmtkCwdIsOut ? { cwd: a } : {});
  const ours = await runMovescu('ours', args(b));
  return { dcmtk, ours, a, b };
}
