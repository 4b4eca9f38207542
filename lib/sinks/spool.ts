/**
 * Where a stream sink puts an object's Part 10 bytes before it hands them on: a stream format needs the size first
 * (a tar header), and DCMTK's normal mode may decide only at the end of a large object that it must be re-encoded.
 * A small object stays in memory (as received, no copy); a large one goes to a temporary file in the spool
 * directory, read back once and removed. Memory stays bounded whatever the object size.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { copyInto, writeAndWait } from './copy';
import type { Part10Target } from './part10-writer';
import { TempFile, tempPathFor } from './temp-file';

export class Spool implements Part10Target {
  private chunks: readonly Buffer[] | null = null;
  private temp: TempFile | null = null;

  constructor(private readonly directory: string) {}

  async writeAll(chunks: readonly Buffer[]): Promise<void> {
    this.chunks = chunks;
  }

  file(): TempFile {
    this.temp ??= new TempFile(tempPathFor(join(this.directory, 'dimse-stream-spool')));
    return this.temp;
  }

  /** The object's size in bytes, once written. */
  async size(): Promise<number> {
    if (this.chunks) return this.chunks.reduce((n, c) => n + c.length, 0);
    return this.temp ? (await stat(this.temp.path)).size : 0;
  }

  /** The object's bytes, once written, as a stream (for an output that keeps what it is given, e.g. a tar packer). */
  source(): Readable {
    if (this.chunks) return Readable.from(this.chunks, { objectMode: false });
    return this.temp ? createReadStream(this.temp.path, { highWaterMark: COPY_CHUNK }) : Readable.from([]);
  }

  /**
   * The object's bytes written into `out`; resolves once the last write has completed. From a temporary file into
   * an output that is done with each chunk when its write completes (a file, a pipe, a socket: what -od - writes
   * to), one buffer is read into again and again: reading 900 MB back in fresh 256 KiB buffers left up to 64 MB
   * of them waiting for the garbage collector (V8 collects on external memory growth), half our peak RSS.
   */
  async copyTo(out: Writable): Promise<void> {
    const reused = writesInPlace(out) ? this.reusedChunks() : null;
    if (!reused) {
      await copyInto(out, this.chunks ?? (this.source() as AsyncIterable<Buffer>));
      return;
    }
    // Each chunk written before the next is read into the same buffer.
    for await (const chunk of reused) await writeAndWait(out, chunk);
  }

  /** The object's bytes if they are held in memory (a small object), else null. */
  held(): readonly Buffer[] | null {
    return this.chunks;
  }

  /**
   * A spooled (large) object's bytes read into one buffer again and again, each chunk valid only until the next is
   * asked for; null for an object held in memory (use source()). For an output that tells when it is done with a
   * chunk (tar-stream keeps what it is given until its output takes it): see copyTo for why.
   */
  reusedChunks(): AsyncIterable<Buffer> | null {
    const temp = this.temp;
    if (this.chunks || !temp) return null;
    return (async function* () {
      const fh = await open(temp.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(COPY_CHUNK);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (bytesRead === 0) return;
          yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
    })();
  }

  /**
   * After copyTo(out): the chunks held in memory if `out` is done with them once written (see writesInPlace), so
   * that their owner may use them again; none otherwise.
   */
  writtenChunks(out: Writable): readonly Buffer[] {
    return this.chunks && writesInPlace(out) ? this.chunks : [];
  }

  /** Removes the temporary file, if there is one. */
  async discard(): Promise<void> {
    this.chunks = null;
    await this.temp?.discard();
  }
}

/**
 * One read buffer of 4 MiB: copying 1.2 GB (the JSON of the 900 MB object) from the page cache to /dev/null took
 * 885 ms in 256 KiB reads and 314-328 ms in 4 MiB ones, each read being a hop to the thread pool and back.
 */
const COPY_CHUNK = 4 * 1024 * 1024;

/**
 * Whether `out` is done with a chunk once its write callback has run: a socket or pipe (the kernel has it), a file
 * write stream, or a synchronous file stream (process.stdout redirected to a file has an `fd`). Not a PassThrough
 * or a Transform, which hand the very same Buffer on to their readers.
 */
export function writesInPlace(out: Writable): boolean {
  return out instanceof Socket || out instanceof WriteStream || typeof (out as { fd?: unknown }).fd === 'number';
}
