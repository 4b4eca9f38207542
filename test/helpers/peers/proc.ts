/**
 * Child processes for peer tests and benchmarks. Servers (dcmqrscp forks a child per association, storescp may
 * too) are started as the leader of their own process group, so stop() can end the whole family with one signal.
 * Every group still alive when this Node process exits is sent SIGKILL synchronously: a failing test can never
 * leave an archive listening.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/**
 * Is any live (non-zombie) process left in group `pgid`? On Linux /proc is read, because an orphaned child that
 * has exited stays a zombie until PID 1 reaps it, and kill(-pgid, 0) counts zombies (seen with dcmqrscp's
 * association children after the parent was stopped). Elsewhere kill(-pgid, 0).
 */
export function groupAlive(pgid: number): boolean {
  let entries: string[] | null = null;
  try {
    entries = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    entries = null;
  }
  if (entries) {
    for (const pid of entries) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      } catch {
        continue;
      }
      // "pid (comm) S ppid pgrp ..." — comm may contain spaces and parentheses: parse after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Keeps the last `max` bytes of a stream (servers can log a lot under -d; the pipe must never fill up). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max = 256 * 1024) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= (this.chunks.shift() as Buffer).length;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface GroupProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stdout: TailBuffer;
  readonly stderr: TailBuffer;
  /** Resolves with the leader's exit (code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when no member of the group is left. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `cmd` as the leader of a new process group, capturing (the tail of) its output. */
export function spawnGroup(cmd: string, args: readonly string[], opts: SpawnOptions = {}): GroupProcess {
  installExitHook();
  const child = spawn(cmd, args as string[], { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = new TailBuffer();
  const stderr = new TailBuffer();
  child.stdout?.on('data', (b: Buffer) => stdout.push(b));
  child.stderr?.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd}`);
  liveGroups.add(pid);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 3000): Promise<void> => {
    stopping ??= (async () => {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(20);
      if (groupAlive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        while (groupAlive(pid)) await sleep(20);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
      liveGroups.delete(pid);
    })();
    return stopping;
  };
  return { child, pid, stdout, stderr, exited, stop };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time measured by us around the process (includes spawn). */
  wallMs: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Safety net only (never a test assertion): the process group is killed after this long. Default 10 min. */
  killAfterMs?: number;
}

/** Runs a command to completion in its own process group (so a hung client and its children can be killed). */
export async function runProcess(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = process.hrtime.bigint();
  const g = spawnGroup(cmd, args, { cwd: opts.cwd, env: opts.env });
  const timer = setTimeout(() => void g.stop(500), opts.killAfterMs ?? 600_000);
  const { code, signal } = await g.exited;
  clearTimeout(timer);
  // wait for the pipes to drain
  await Promise.all(
    [g.child.stdout, g.child.stderr].map(
      (s) => new Promise<void>((r) => (s && !s.readableEnded ? s.once('close', () => r()) : r())),
    ),
  );
  liveGroups.delete(g.pid);
  // a client that left children behind (it should not) must not outlive the test
  if (groupAlive(g.pid)) {
    try {
      process.kill(-g.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { code, signal, stdout: g.stdout.toString(), stderr: g.stderr.toString(), wallMs };
}
