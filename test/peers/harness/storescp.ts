/** DCMTK's storescp (a store SCP to receive what something sends) and storescu (a store SCU), for peer tests. */
import { mkdirSync } from 'node:fs';
import { spawnGroup, runProcess, type GroupProcess, type RunResult } from './proc';
import { freePort, waitForListening } from './net';

export interface StorescpOptions {
  outDir: string;
  port?: number;
  aeTitle?: string;
  /** E.g. ['-v'], ['+B'] (bit-preserving), ['--fork']. */
  extraArgs?: string[];
}

export interface Storescp {
  port: number;
  aeTitle: string;
  process: GroupProcess;
  logs(): string;
  stop(): Promise<void>;
}

export async function startStorescp(opts: StorescpOptions): Promise<Storescp> {
  mkdirSync(opts.outDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const aeTitle = opts.aeTitle ?? 'STORESCP';
  const proc = spawnGroup(
    'storescp',
    ['-aet', aeTitle, '-od', opts.outDir, ...(opts.extraArgs ?? []), String(port)],
    { env: { ...process.env, TCP_NODELAY: '1' } },
  );
  const logs = () => proc.stderr.toString() + proc.stdout.toString();
  let dead: string | null = null;
  void proc.exited.then(({ code, signal }) => {
    dead = `storescp exited (code ${code}, signal ${signal}):\n${logs()}`;
  });
  try {
    await waitForListening(port, { isDead: () => dead });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { port, aeTitle, process: proc, logs, stop: () => proc.stop() };
}

/** `storescu [args] host port files...` with TCP_NODELAY=1. */
export function runStorescu(
  host: string,
  port: number,
  files: readonly string[],
  opts: { args?: string[]; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return runProcess('storescu', [...(opts.args ?? []), host, String(port), ...files], {
    cwd: opts.cwd,
    env: { ...process.env, TCP_NODELAY: '1', ...opts.env },
  });
}
