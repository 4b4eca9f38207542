/**
 * File calls through libuv's thread pool as promises, for the layers that write files (sinks, the CLI's log files):
 * one checked way to write, so that a short write is never taken for a success.
 */
import { writev as fsWritev } from 'node:fs';
import { DimseError } from './errors';

/** A Node callback call as a promise. */
export function call<T>(fn: (cb: (e: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((e, v) => (e ? reject(e) : resolve(v as T))));
}

/**
 * writev at `position` until every byte is written (a TempFile's writes all say where: bytes go after those before
 * them, whichever write started first), or with `position` null where the file is (a log file, which may be a pipe
 * such as /dev/stderr). libuv already loops over partial writes and stops at the first error, so a count short of
 * the total means the next write fails (EFBIG past a size limit, ENOSPC): write the rest once more to get that
 * error, and refuse a write that makes no progress.
 */
export async function writevFully(fd: number, chunks: readonly Buffer[], path: string, position: number | null): Promise<void> {
  let pending = chunks.filter((c) => c.length > 0);
  while (pending.length > 0) {
    const total = pending.reduce((n, c) => n + c.length, 0);
    const at = position;
    const bytesWritten = await call<number>((cb) => fsWritev(fd, pending, at, cb));
    if (bytesWritten === total) return;
    if (bytesWritten <= 0) throw new DimseError('FILE_SHORT_WRITE', `short write: 0 of ${total} bytes written`, { file: path });
    pending = skipBytes(pending, bytesWritten);
    if (position !== null) position += bytesWritten;
  }
}

/** The chunks after the first `n` bytes (sliced, not copied). */
function skipBytes(chunks: readonly Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) {
    if (n >= c.length) { n -= c.length; continue; }
    out.push(n > 0 ? c.subarray(n) : c);
    n = 0;
  }
  return out;
}
