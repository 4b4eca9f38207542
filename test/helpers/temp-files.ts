/** What the tests of temporary files share: a folder per test, bytes that show a misplaced chunk, a file size limit. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { tempDir } from './peers/tmp';

/** A test body run in a fresh folder, removed afterwards. */
export function inTempDir(prefix: string, fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = tempDir(prefix);
    try { await fn(dir.path); } finally { dir.cleanup(); }
  };
}

/** Distinct bytes for chunk `i` of `size` bytes, so that a chunk written out of place shows. */
export function patterned(i: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let k = 0; k < size; k++) b[k] = (i * 131 + k * 7) & 0xff;
  return b;
}

/**
 * Runs `script` (node -e) in a process of its own under `ulimit -f` (1 KiB blocks in bash); Node ignores SIGXFSZ, so
 * a write past the limit comes back short, then fails with EFBIG.
 */
export function nodeUnderFileLimit(kib: number, script: string): SpawnSyncReturns<string> {
  return spawnSync('bash', ['-c', `ulimit -f ${kib} && exec "$0" -e "$1"`, process.execPath, script], { encoding: 'utf8' });
}
