/**
 * DCMTK's dcmqrscp as a test archive (see /work/shared/reference/peers.md): default forking mode only (`-s`
 * segfaults after the first association in 3.6.7), configured through a file of our own, stopped by killing its
 * process group (the children that serve associations included).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { spawnGroup, type GroupProcess } from './proc';
import { freePort, waitForListening } from '../net';

export interface MoveDestination {
  /** AE title the archive will call (the movescu's -aem / listening AE). */
  ae: string;
  /** Host name the archive connects to; default 'localhost'. */
  host?: string;
  port: number;
}

export interface DcmqrscpOptions {
  /** Called AE title of the archive; default 'ARCHIVE'. */
  aeTitle?: string;
  /** Port to listen on; default: a free one. */
  port?: number;
  /** Storage area (holds index.dat; files indexed with dcmqridx may live elsewhere). Created if missing. */
  storageDir: string;
  moveDestinations?: MoveDestination[];
  /** AETable quota; default { maxStudies: 200, maxBytesPerStudy: '1024mb' } (1024mb is dcmqrscp's maximum). */
  quota?: { maxStudies: number; maxBytesPerStudy: string };
  maxPduSize?: number;
  /** Extra command line options, e.g. ['-d'] for debug logs, ['-ZA']. Never '-s'. */
  extraArgs?: string[];
  /** Where to write the config file; default `${storageDir}/../dcmqrscp.<port>.cfg` beside the storage area. */
  configFile?: string;
  /**
   * Leave Nagle's algorithm on, as DCMTK does by default and Debian's dcmqrscp runs (no TCP_NODELAY in its
   * environment). Default false: TCP_NODELAY=1.
   */
  nagle?: boolean;
}

export interface Dcmqrscp {
  port: number;
  aeTitle: string;
  configFile: string;
  process: GroupProcess;
  /** What dcmqrscp and its children wrote to stderr/stdout so far (tail), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export function dcmqrscpConfig(o: {
  port: number;
  aeTitle: string;
  storageDir: string;
  moveDestinations: MoveDestination[];
  quota: { maxStudies: number; maxBytesPerStudy: string };
  maxPduSize: number;
}): string {
  // HostTable: SymbolicName = (AETitle, HostName, Port). /etc/dcmtk/dcmqrscp.cfg says an IP address cannot stand
  // for the host name, hence 'localhost' by default.
  const hosts = o.moveDestinations.map((d, i) => `dest${i} = (${d.ae}, ${d.host ?? 'localhost'}, ${d.port})`);
  return [
    `NetworkTCPPort  = ${o.port}`,
    `MaxPDUSize      = ${o.maxPduSize}`,
    'MaxAssociations = 16',
    'HostTable BEGIN',
    ...hosts,
    'HostTable END',
    'VendorTable BEGIN',
    'VendorTable END',
    'AETable BEGIN',
    `${o.aeTitle} ${o.storageDir} RW (${o.quota.maxStudies}, ${o.quota.maxBytesPerStudy}) ANY`,
    'AETable END',
    '',
  ].join('\n');
}

export async function startDcmqrscp(opts: DcmqrscpOptions): Promise<Dcmqrscp> {
  if (opts.extraArgs?.some((a) => a === '-s' || a === '--single-process')) {
    throw new Error('dcmqrscp -s (single process) segfaults after its first association in 3.6.7; use the default');
  }
  const storageDir = resolve(opts.storageDir);
  mkdirSync(storageDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const aeTitle = opts.aeTitle ?? 'ARCHIVE';
  const configFile = opts.configFile ?? join(storageDir, '..', `dcmqrscp.${port}.cfg`);
  writeFileSync(
    configFile,
    dcmqrscpConfig({
      port,
      aeTitle,
      storageDir,
      moveDestinations: opts.moveDestinations ?? [],
      quota: opts.quota ?? { maxStudies: 200, maxBytesPerStudy: '1024mb' },
      maxPduSize: opts.maxPduSize ?? 16384,
    }),
  );
  // TCP_NODELAY=1: without it DCMTK leaves Nagle on and every small write of its C-STORE sub-operations waits
  // for a delayed ACK (peers.md); the issue asks for DCMTK's tools to run with it. DCMTK reads the variable when it
  // sets up each association's socket (dul.cc, dulfsm.cc), so the archive's sub-associations follow it too.
  const env: NodeJS.ProcessEnv = { ...process.env, TCP_NODELAY: '1' };
  if (opts.nagle) delete env.TCP_NODELAY;
  const proc = spawnGroup('dcmqrscp', ['-c', configFile, ...(opts.extraArgs ?? []), String(port)], { env });
  const logs = () => proc.stderr.toString() + proc.stdout.toString();
  let exitInfo: string | null = null;
  void proc.exited.then(({ code, signal }) => {
    exitInfo = `dcmqrscp exited (code ${code}, signal ${signal}) before listening on ${port}:\n${logs()}`;
  });
  try {
    await waitForListening(port, { isDead: () => exitInfo });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { port, aeTitle, configFile, process: proc, logs, stop: () => proc.stop() };
}

function run(cmd: string, args: string[], cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd, maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else res({ stdout, stderr });
    });
  });
}

/** Files registered in a storage area's index.dat (`dcmqridx -p`), in index order. */
export async function listDcmqrscpIndex(storageDir: string): Promise<string[]> {
  const { stdout } = await run('dcmqridx', ['-p', resolve(storageDir)]);
  const out: string[] = [];
  for (const m of stdout.matchAll(/^\s*Filename: (.*)$/gm)) out.push((m[1] ?? '').trim());
  return out;
}

/**
 * Registers `files` in the storage area's index with `dcmqridx <storageDir> <files...>`. The files are indexed IN
 * PLACE (the index stores their absolute paths; they need not be inside the storage area and are not copied) —
 * far faster than storescu into a running dcmqrscp (peers.md: 9 s vs 59 s). Keep each path under 256 characters
 * (the index record's file name field). dcmqridx disables file deletion, but a study over the AE's quota silently
 * loses its oldest records, so the index is read back and a missing file is an error. dcmqrscp may run meanwhile
 * (it reads index.dat per request, under a lock).
 */
export async function indexIntoDcmqrscp(storageDir: string, files: readonly string[]): Promise<{ indexed: number }> {
  const dir = resolve(storageDir);
  mkdirSync(dir, { recursive: true });
  const abs = files.map((f) => (isAbsolute(f) ? f : resolve(f)));
  const tooLong = abs.find((f) => Buffer.byteLength(f) > 255);
  if (tooLong) throw new Error(`path too long for dcmqrscp's index (max 255 bytes): ${tooLong}`);
  for (let i = 0; i < abs.length; i += 500) {
    const { stderr } = await run('dcmqridx', [dir, ...abs.slice(i, i + 500)]);
    if (/cannot|error/i.test(stderr)) throw new Error(`dcmqridx: ${stderr}`);
  }
  const indexed = new Set(await listDcmqrscpIndex(dir));
  const missing = abs.filter((f) => !indexed.has(f));
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} of ${abs.length} files are not in ${dir}/index.dat after dcmqridx (over the per-study quota?), first: ${missing[0]}`,
    );
  }
  return { indexed: abs.length };
}

/**
 * dcmqrscp serving `files`, indexed in place into `opts.storageDir`, with the move destinations `opts` names or else
 * one, MOVESCU on a free port; `storePort` is the first destination's port (where the movescu under test listens).
 */
export async function startDcmqrscpServing(files: readonly string[], opts: DcmqrscpOptions): Promise<{ qr: Dcmqrscp; storePort: number }> {
  await indexIntoDcmqrscp(opts.storageDir, files);
  const moveDestinations = opts.moveDestinations ?? [{ ae: 'MOVESCU', port: await freePort() }];
  const qr = await startDcmqrscp({ ...opts, moveDestinations });
  return { qr, storePort: moveDestinations[0]?.port ?? 0 };
}
