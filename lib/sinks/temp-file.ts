/**
 * An object's temporary file: created (exclusively) before the object arrives (the directory sink's spare,
 * spare-file.ts) or as soon as it does, filled in one writev or as a stream, then renamed to its final name by the
 * sink or read back and removed. All I/O is asynchronous and every write is checked: a short write (file size
 * limit, full disk) fails the object instead of leaving a truncated file that looks complete.
 *
 * Why create early: creating a file costs 0.3 ms on ext4 here (and the thread pool's round trip on top), spent
 * while the data set is still coming in instead of after it.
 */
import { close as fsClose, createWriteStream, fsync as fsFsync, open as fsOpen, rename as fsRename, writev as fsWritev, type WriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { DimseError } from '../errors';

/** The suffix of every temporary file a sink creates: `.BASE.PID-N.part`. */
const TEMP_SUFFIX = '.part';

/** Where this process's temporary names start: random once, then counted (a random draw per object cost 20 µs). */
let nextTempId = randomBytes(4).readUInt32BE(0);

/**
 * A temporary name beside `finalPath`, unique across sinks and processes: the process id (so a later run can
 * tell a dead writer's leftovers, see leftovers.ts) and a number no other name of this process has had (two sinks
 * of one process, same object).
 */
export function tempPathFor(finalPath: string): string {
  const id = nextTempId;
  nextTempId = (nextTempId + 1) >>> 0;
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${id.toString(16).padStart(8, '0')}${TEMP_SUFFIX}`);
}

export interface TempFileOptions {
  /** fsync the file before it is closed (see README, "What a power cut can lose"). */
  fsync?: boolean;
}

export class TempFile {
  private readonly fd: Promise<number>;
  private closed = false;

  constructor(readonly path: string, private readonly options: TempFileOptions = {}) {
    // 'wx': never follow or reuse something already there (a planted link, another writer's file). A plain
    // descriptor and the callback API: a FileHandle and its promises cost measurably more per object.
    this.fd = new Promise((resolve, reject) => fsOpen(path, 'wx', (e, fd) => (e ? reject(e) : resolve(fd))));
    this.fd.catch(() => { /* reported by whichever call awaits it */ });
  }

  /**
   * Writes `chunks` (a whole small object) in as few calls as the system allows. The file stays open: commit() or
   * discard() closes it (commit closes while it renames: one wait on the thread pool fewer per object, which the
   * archive feels, since it waits for each response before it sends the next object).
   */
  async writeAll(chunks: readonly Buffer[]): Promise<void> {
    const fd = await this.fd;
    await writevFully(fd, chunks, this.path);
    if (this.options.fsync) await call<void>((cb) => fsFsync(fd, cb));
  }

  /**
   * A write stream on the open file (large objects). It does not close the file: call finish() once the stream
   * has finished, or discard(). Node's write stream retries short writes and fails with the system's error.
   * `writeBuffer`: what it gathers while a write is in flight (LARGE_OBJECT_WRITE_BUFFER for received bytes).
   */
  async stream(writeBuffer = 256 * 1024): Promise<WriteStream> {
    const fd = await this.fd;
    return createWriteStream(this.path, { fd, autoClose: false, highWaterMark: writeBuffer });
  }

  /** After stream(): flushes (fsync, if asked) and closes. */
  async finish(): Promise<void> {
    const fd = await this.fd;
    try {
      if (this.options.fsync) await call<void>((cb) => fsFsync(fd, cb));
    } finally {
      await this.close(fd);
    }
  }

  /**
   * Renames the complete file to `finalPath` (replacing what is there, as DCMTK overwrites) and closes it, both at
   * once (renaming an open file is fine; its bytes were all written). A failure of either fails the commit.
   */
  async commit(finalPath: string): Promise<void> {
    const fd = await this.fd;
    await Promise.all([this.close(fd), call<void>((cb) => fsRename(this.path, finalPath, cb))]);
    if (this.options.fsync) await syncDirectory(dirname(finalPath));
  }

  /** Closes the file if still open and removes it; never throws. */
  async discard(): Promise<void> {
    const fd = await this.fd.catch(() => null);
    if (fd !== null) await this.close(fd).catch(() => {});
    await unlink(this.path).catch(() => {});
  }

  private async close(fd: number): Promise<void> {
    // Never close a number twice: the system may have given it to another file meanwhile.
    if (this.closed) return;
    this.closed = true;
    await call<void>((cb) => fsClose(fd, cb));
  }
}

/** A Node callback call as a promise. */
function call<T>(fn: (cb: (e: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((e, v) => (e ? reject(e) : resolve(v as T))));
}

/**
 * What the write stream of a large object's received bytes gathers while a write is in flight. Each time it is full
 * the socket is paused until the write completes: the 900 MB object took 3.2 s with 256 KiB (about 3000 pauses and
 * as many writes through the thread pool), 2.0-2.2 s with 1 MiB, 1.8 s with 2 MiB and 1.6-1.7 s with 4 MiB, peak
 * RSS 77, 80, 83 and 88 MB (pairs of runs, BENCHMARKS.md). 2 MiB: most of the time for a little memory.
 * Not for JSON text, which batches its own writes (spill.ts): with this buffer there it was not faster (3.7-3.8 s in
 * unpaired runs).
 */
export const LARGE_OBJECT_WRITE_BUFFER = 2 * 1024 * 1024;

/**
 * writev until every byte is written. libuv already loops over partial writes and stops at the first error, so a
 * count short of the total means the next write fails (EFBIG past a size limit, ENOSPC): write the rest once more
 * to get that error, and refuse a write that makes no progress.
 */
async function writevFully(fd: number, chunks: readonly Buffer[], path: string): Promise<void> {
  let pending = chunks.filter((c) => c.length > 0);
  while (pending.length > 0) {
    const total = pending.reduce((n, c) => n + c.length, 0);
    const bytesWritten = await call<number>((cb) => fsWritev(fd, pending, cb));
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
