/**
 * An object's temporary file: created (exclusively) before the object arrives (the directory sink's spare,
 * spare-file.ts) or as soon as it does, filled in one writev or as a stream, then renamed to its final name by the
 * sink or read back and removed. All I/O is asynchronous and every write is checked: a short write (file size
 * limit, full disk) fails the object instead of leaving a truncated file that looks complete.
 *
 * Why create early: creating a file costs 0.3 ms on ext4 here (and the thread pool's round trip on top), spent
 * while the data set is still coming in instead of after it.
 *
 * Why write ahead (append): the bytes of an object written while it arrives, a batch at a time, instead of in one
 * writev after its last byte. At times the system's copy of a 0.5 MB image into the page cache costs several times
 * more when made in one piece after the whole image has arrived than in batches as it comes (in `perf`, 22-25% of a
 * 1000-image retrieval's samples against 4%; on `7cfc697`, the last 150-250 images of every retrieval: 2 ms a copy
 * instead of 0.3), and the archive waits for that copy before it sends the next object. At other times the batches
 * cost 3-5% more. So a file committed in one job writes ahead too: only the rest waits for the commit
 * (BENCHMARKS.md, "Writing while the object arrives" and "Write-ahead with the one-job commit").
 */
import { close as fsClose, createWriteStream, fsync as fsFsync, ftruncate as fsFtruncate, open as fsOpen, rename as fsRename, type WriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { DimseError } from '../errors';
import { call, writevFully } from '../file-calls';
import { nativeFiles, type NativeFiles, type NativeSequence } from './native-commit';

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
  /**
   * The file will be committed (the directory sink's): where the native file calls are loaded (native-commit.ts)
   * and fsync is off, appended bytes are written ahead by them, and bytes given to writeAll(), or appended and not
   * yet written, wait for commit(), which writes them, closes and renames in one thread-pool job queued at once
   * (the pool waits for the writes ahead). Without the addon this changes nothing.
   */
  commitInOneJob?: boolean;
}

/** Appended bytes are written once this many wait and no write is in flight (an object's batch, see append()). */
export const APPEND_BATCH = 256 * 1024;

export class TempFile {
  private readonly fd: Promise<number>;
  private closed = false;
  /** Where the next appended bytes go: everything before has been written or is waiting in `waiting`. */
  private end = 0;
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** The append write in flight (its handlers have run once it settles; it never rejects). */
  private inFlight: Promise<void> | null = null;
  /** The first append write that failed: reported by the next flush(). */
  private appendError: Error | null = null;
  /**
   * The native file calls, for a file committed in one job (TempFileOptions.commitInOneJob), and the sequence that
   * ties this file's writes ahead to its commit. restart() puts a new pair here, so a write holds the pair it was
   * queued under.
   */
  private native: { readonly calls: NativeFiles; readonly sequence: NativeSequence } | null;

  constructor(readonly path: string, private readonly options: TempFileOptions = {}) {
    // 'wx': never follow or reuse something already there (a planted link, another writer's file). A plain
    // descriptor and the callback API: a FileHandle and its promises cost measurably more per object.
    this.fd = new Promise((resolve, reject) => fsOpen(path, 'wx', (e, fd) => (e ? reject(e) : resolve(fd))));
    this.fd.catch(() => { /* reported by whichever call awaits it */ });
    this.native = options.commitInOneJob && !options.fsync && nativeFiles ? { calls: nativeFiles, sequence: nativeFiles.sequence() } : null;
  }

  /**
   * Writes `chunks` (a whole small object, after anything appended) in as few calls as the system allows, or, for a
   * file committed in one job (commitInOneJob, with the addon), leaves them for commit(). The file stays open:
   * commit() or discard() closes it (commit closes while it renames: one wait on the thread pool fewer
   * per object, which the archive feels, since it waits for each response before it sends the next object).
   */
  async writeAll(chunks: readonly Buffer[]): Promise<void> {
    for (const c of chunks) this.enqueue(c);
    if (!this.native) await this.flush();
  }

  /**
   * The next bytes of the file, written after those appended before. They are written in batches while more are
   * appended (one write at a time, at least APPEND_BATCH bytes each); flush(), or in a file committed in one job
   * commit(), writes the rest. A failed write is reported by flush() (or by stream() or commit()), and nothing more
   * is written after it. The file holds on to `chunk` until it is written.
   */
  append(chunk: Buffer): void {
    this.enqueue(chunk);
    this.writeWaiting(APPEND_BATCH);
  }

  /** Writes every byte appended and waits for it (and fsyncs if asked); throws the first failed write's error. */
  async flush(): Promise<void> {
    await this.drain();
    if (this.options.fsync) {
      const fd = await this.fd;
      await call<void>((cb) => fsFsync(fd, cb));
    }
  }

  /**
   * Forgets everything appended (what waits is dropped, what was written is truncated away): the file is empty
   * again, for content that replaces it (an object converted after all).
   */
  async restart(): Promise<void> {
    this.takeWaiting();
    await this.settled();
    this.appendError = null;
    // A new sequence too: the native commit must not fail for a write whose bytes are now truncated away.
    if (this.native) this.native = { calls: this.native.calls, sequence: this.native.calls.sequence() };
    this.end = 0;
    const fd = await this.fd;
    await call<void>((cb) => fsFtruncate(fd, 0, cb));
  }

  /**
   * A write stream on the open file (large objects), after what was appended (written first). It does not close
   * the file: call finish() once the stream has finished, or discard(). Node's write stream retries short writes
   * and fails with the system's error. `writeBuffer`: what it gathers while a write is in flight
   * (LARGE_OBJECT_WRITE_BUFFER for received bytes).
   */
  async stream(writeBuffer = 256 * 1024): Promise<WriteStream> {
    await this.drain();
    const fd = await this.fd;
    return createWriteStream(this.path, { fd, autoClose: false, highWaterMark: writeBuffer, start: this.end });
  }

  /** After stream(): flushes (fsync, if asked) and closes. */
  async finish(): Promise<void> {
    const fd = await this.fd;
    try {
      await this.flush();
    } finally {
      await this.close(fd);
    }
  }

  /**
   * Renames the complete file to `finalPath` (replacing what is there, as DCMTK overwrites) and closes it, both at
   * once (renaming an open file is fine; its bytes were all written). A failure of either fails the commit. Bytes
   * appended and not yet flushed are written first: no file gets its final name with a byte missing. With the native
   * commit (commitInOneJob), the rest is written, the file closed and renamed in one job, the rename only if the
   * write and the close succeeded.
   */
  async commit(finalPath: string): Promise<void> {
    if (this.native && !this.closed) {
      if (this.appendError) throw this.appendError;
      const fd = await this.fd;
      // Not after the write in flight, if one is: the job waits for it in the pool (and fails if it failed), which
      // saves the event loop's turn between the two. Throws at once, with nothing queued, only on arguments of the
      // wrong type: the file is then still open.
      const { calls, sequence } = this.native;
      const done = calls.commit(fd, this.takeWaiting(), this.end, this.path, finalPath, sequence);
      // Once queued, the job closes the descriptor whatever happens: it is never closed here again.
      this.closed = true;
      await done;
      return;
    }
    await this.drain();
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
    // Never close a number twice, nor while a write is in flight on it: the system may have given it to another
    // file meanwhile.
    if (this.closed) return;
    this.closed = true;
    if (this.waitingBytes > 0) this.appendError ??= closedShortWrite(this.waitingBytes, this.path);
    this.takeWaiting();
    await this.settled();
    await call<void>((cb) => fsClose(fd, cb));
  }

  private enqueue(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.closed) {
      // Discarded: nothing more is written or kept, and a flush() must not report the bytes written.
      this.appendError ??= closedShortWrite(chunk.length, this.path);
      return;
    }
    this.waiting.push(chunk);
    this.waitingBytes += chunk.length;
  }

  /** What waits to be written, taken out of the queue. */
  private takeWaiting(): Buffer[] {
    const chunks = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    return chunks;
  }

  /** Starts writing what waits, if at least `min` (> 0) bytes wait and no write is in flight (or has failed). */
  private writeWaiting(min: number): void {
    if (this.inFlight || this.appendError || this.closed || this.waitingBytes < min) return;
    const at = this.end;
    this.end += this.waitingBytes;
    const chunks = this.takeWaiting();
    const native = this.native;
    this.inFlight = this.fd
      .then((fd) => (native ? native.calls.write(native.sequence, fd, chunks, at, this.path) : writevFully(fd, chunks, this.path, at)))
      .then(() => {
        this.inFlight = null;
        this.writeWaiting(APPEND_BATCH);
      }, (e: Error) => {
        this.inFlight = null;
        this.appendError = e;
      });
  }

  /** Until no append write is in flight. */
  private async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Writes everything waiting and waits for it; throws the first failed write's error. */
  private async drain(): Promise<void> {
    for (;;) {
      await this.settled();
      if (this.appendError) throw this.appendError;
      if (this.waitingBytes === 0) return;
      this.writeWaiting(1);
    }
  }
}

/** Bytes a closed (discarded) file will never write: a short write, not a success. */
function closedShortWrite(bytes: number, path: string): DimseError {
  return new DimseError('FILE_SHORT_WRITE', `short write: ${bytes} bytes not written, the file was closed`, { file: path });
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

/** fsync a directory, so that a rename in it survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}
