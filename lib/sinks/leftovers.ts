/**
 * Temporary files a killed run left behind (SIGKILL, a power cut): `.dimse-stream.PID-N.part` (and `.conv` beside it)
 * in an output directory. A sink removes those whose writer process is gone when it starts; a file whose process
 * still runs (another movescu writing into the same directory) is left alone. Never anything under a final name:
 * those are complete by construction (renamed only when complete).
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log';

/** `.dimse-stream.PID-N.part[.conv]`, and the `.NAME.PID-RANDOM.part` of earlier versions (NAME: the object's). */
const TEMP_NAME = /^\..+\.(\d+)-[0-9a-f]+\.part(\.conv)?$/;

/** Whether process `pid` exists on this machine (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but is someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the leftovers of dead writers in `directory`; resolves with their names. Errors are logged, not thrown. */
export async function removeLeftovers(directory: string, log: Logger): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const dead = names.filter((n) => {
    const m = TEMP_NAME.exec(n);
    return m !== null && !alive(Number(m[1]));
  });
  const removed: string[] = [];
  for (const n of dead) {
    try {
      await unlink(join(directory, n));
      removed.push(n);
    } catch (e) {
      log.warn(`cannot remove a temporary file left by an interrupted run: ${join(directory, n)}: ${(e as Error).message}`);
    }
  }
  if (removed.length > 0) log.warn(`removed ${removed.length} temporary file(s) left by an interrupted run in ${directory}`);
  return removed;
}
