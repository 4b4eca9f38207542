/**
 * The optional native file calls (native/file-commit.c, built by scripts/build-native.ts; Linux only): the bytes
 * of an object written ahead while it arrives, then its last bytes written, its file closed and renamed, each a
 * thread-pool job, the commit queued without waiting for the writes ahead of it (it waits for them in the pool),
 * where Node's calls take a round trip each and the event loop's turn between them (BENCHMARKS.md, issue 17, "The
 * native one-job commit" and "Write-ahead with the one-job commit"). TempFile uses them where they are loaded;
 * without them, Node's calls do the same. DIMSE_NATIVE_COMMIT=0 turns them off (to measure the difference).
 * Loaded once, at import.
 */
import { loadNativeAddon } from '../native-addon';

/** Ties one file's writes ahead to its commit (made by `sequence()`, used for one file only). */
export type NativeSequence = { readonly __nativeSequence: unique symbol };

export interface NativeFiles {
  /** A new file's sequence. */
  sequence(): NativeSequence;
  /**
   * Writes `buffers` at `position` in `fd` until every byte is written; rejects with the failed call's error (code,
   * errno, syscall 'write', path). A failure also fails the sequence's commit.
   */
  write(sequence: NativeSequence, fd: number, buffers: readonly Buffer[], position: number, path: string): Promise<void>;
  /**
   * Waits for the writes of `sequence` queued before it, then writes `buffers` at `position` in `fd` until every
   * byte is written, closes `fd` whatever happens, and renames `tempPath` to `finalPath` if nothing failed (nor any
   * of those writes). Rejects with the first failed call's error (code, errno, syscall, path).
   */
  commit(fd: number, buffers: readonly Buffer[], position: number, tempPath: string, finalPath: string, sequence?: NativeSequence): Promise<void>;
}

/** The addon's calls, or null where it is not loaded. */
export const nativeFiles: NativeFiles | null = loadNativeAddon<NativeFiles>('file-commit', 'DIMSE_NATIVE_COMMIT',
  (e) => typeof e.commit === 'function' && typeof e.write === 'function' && typeof e.sequence === 'function');
