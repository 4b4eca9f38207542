import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  /** Removes the folder and everything in it (idempotent). */
  cleanup(): void;
}

/** A fresh folder under the OS temp dir; set DIMSE_KEEP_TMP=1 to keep it for a post-mortem. */
export function tempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `dimse-${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  return {
    path,
    cleanup() {
      if (process.env.DIMSE_KEEP_TMP === '1') return;
      rmSync(path, { recursive: true, force: true });
    },
  };
}
