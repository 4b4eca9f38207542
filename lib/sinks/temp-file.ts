/**
 * An object's temporary file: created (exclusively) as soon as the object arrives, filled in one writev or as a
 * stream, then renamed to its final name by the sink or read back and removed. All I/O is asynchronous and every
 * write is checked: a short write (file size limit, full disk) fails the object instead of leaving a truncated
 * file that looks complete.
 *
 * Why create early: creating a file costs about a millisecond on an ordinary file system, which the thread pool
 * spends while the data set is still coming in instead of after it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { DimseError } from '../errors';

/** The suffix of every temporary file a sink creates: `.NAME.PID-RANDOM.part`. */
export const TEMP_SUFFIX = '.part';

/**
 * A temporary name beside `finalPath`, unique across sinks and processes: the process id (so a later run can
 * tell a dead writer's leftovers, see leftovers.ts) and random bytes (two sinks of one process, same object).
 */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

export interface TempFileOptions {
  /** fsync the file before it is closed (see README, "What a power cut can lose"). */
  fsync?: boolean;
}

export class TempFile {
  private readonly handle: Promise<FileHandle>;
  private closed = false;

  constructor(readonly path: string, private readonly options: TempFileOptions = {}) {
    // 'wx': never follow or reuse something already there (a planted link, another writer's file).
    this.handle = open(path, 'wx');
    this.handle.catch(() => { /* reported by whichever call awaits it */ });
  }

  /** Writes `chunks` (a whole small object) in as few calls as the system allows, then closes the file. */
  async writeAll(chunks: readonly Buffer[]): Promise<void> {
    const fh = await this.handle;
    try {
      await writevFully(fh, chunks, this.path);
      if (this.options.fsync) await fh.sync();
    } finally {
      await this.close(fh);
    }
  }

  /**
   * A write stream on the open file (large objects). It does not close the file: call finish() once the stream
   * has finished, or discard(). Node's write stream retries short writes and fails with the system's error.
   */
  async stream(): Promise<WriteStream> {
    const fh = await this.handle;
    // The descriptor number, not the handle: a stream given the handle holds a reference that only its own close
    // releases, and fh.close() would wait for it forever.
    return createWriteStream(this.path, { fd: fh.fd, autoClose: false, highWaterMark: 256 * 1024 });
  }

  /** After stream(): flushes (fsync, if asked) and closes. */
  async finish(): Promise<void> {
    const fh = await this.handle;
    try {
      if (this.options.fsync) await fh.sync();
    } finally {
      await this.close(fh);
    }
  }

  /** Renames the complete file to `finalPath` (replacing what is there, as DCMTK overwrites). */
  async commit(finalPath: string): Promise<void> {
    await rename(this.path, finalPath);
    if (this.options.fsync) await syncDirectory(dirname(finalPath));
  }

  /** Closes the file if still open and removes it; never throws. */
  async discard(): Promise<void> {
    const fh = await this.handle.catch(() => null);
    if (fh) await this.close(fh).catch(() => {});
    await unlink(this.path).catch(() => {});
  }

  private async close(fh: FileHandle): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await fh.close();
  }
}

/**
 * writev until every byte is written. libuv already loops over partial writes and stops at the first error, so a
 * count short of the total means the next write fails (EFBIG past a size limit, ENOSPC): write the rest once more
 * to get that error, and refuse a write that makes no progress.
 */
async function writevFully(fh: FileHandle, chunks: readonly Buffer[], path: string): Promise<void> {
  let pending = chunks.filter((c) => c.length > 0);
  while (pending.length > 0) {
    const total = pending.reduce((n, c) => n + c.length, 0);
    const { bytesWritten } = await fh.writev(pending);
    if (bytesWritten === total) return;
    if (bytesWritten <= 0) throw new DimseError('FILE_SHORT_WRITE', `short write: 0 of ${total} bytes written`, { file: path });
    pending = skipBytes(pending, bytesWritten);
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

/** fsync a directory, so that a rename in it survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}
