/**
 * Where a stream sink puts an object's Part 10 bytes before it hands them on: a stream format needs the size first
 * (a tar header), and DCMTK's normal mode may decide only at the end of a large object that it must be re-encoded.
 * A small object stays in memory (as received, no copy); a large one goes to a temporary file in the spool
 * directory, read back once and removed. Memory stays bounded whatever the object size.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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

  /** The object's bytes, once written. */
  source(): Readable {
    if (this.chunks) return Readable.from(this.chunks, { objectMode: false });
    return this.temp ? createReadStream(this.temp.path, { highWaterMark: 256 * 1024 }) : Readable.from([]);
  }

  /** Removes the temporary file, if there is one. */
  async discard(): Promise<void> {
    this.chunks = null;
    await this.temp?.discard();
  }
}
