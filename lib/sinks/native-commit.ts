/**
 * The optional one-job file commit (native/file-commit.c, built by scripts/build-native.ts; Linux only): an
 * object's last bytes written, its file closed and renamed in one thread-pool job, where Node's calls take a round
 * trip each (BENCHMARKS.md, issue 17, "The native one-job commit"). TempFile uses it where it is loaded; without it,
 * Node's calls do the same. DIMSE_NATIVE_COMMIT=0 turns it off (to measure the difference). Loaded once, at import.
 */
import { loadNativeAddon } from '../native-addon';

/**
 * Writes `buffers` at `position` in `fd` until every byte is written, closes `fd` whatever happens, then renames
 * `tempPath` to `finalPath` if nothing failed. Rejects with the failed call's error (code, errno, syscall, path).
 */
export type NativeCommit = (fd: number, buffers: readonly Buffer[], position: number, tempPath: string, finalPath: string) => Promise<void>;

/** The addon's commit, or null where it is not loaded. */
export const nativeCommit: NativeCommit | null =
  loadNativeAddon<{ commit: NativeCommit }>('file-commit', 'DIMSE_NATIVE_COMMIT', (e) => typeof e.commit === 'function')?.commit ?? null;
