/**
 * The directory sink: each received object as a file named as DCMTK's movescu names it (PREFIX.SOPInstanceUID), but
 * safely: the bytes go to a hidden temporary file in the same directory as they arrive (part10-writer.ts), which is
 * renamed to the final name only when complete, and only then is the object accepted (so the C-STORE-RSP says
 * success only for a file that is really there). Any failure (a short write, a full disk, a read-only or vanished
 * directory, a broken-off transfer, an unreadable data set) removes the temporary file and rejects the object.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { objectSink } from './object-sink';
import { removeLeftovers } from './leftovers';
import { silentLogger, type Logger } from '../log';
import type { ReceivedObject } from '../received-object';
import { writePart10, type ObjectEncoder, type Part10Options } from './part10-writer';
import { objectFileName, rejectFailed } from './settle';
import { TempFile, tempPathFor } from './temp-file';

export interface DirectorySinkOptions extends Part10Options {
  directory: string;
  /** The final file name of an object; DCMTK's PREFIX.SOPInstanceUID by default. */
  fileName?(obj: ReceivedObject): string;
  logger?: Logger;
  /** Called after each object is safely stored, with its final path. */
  onStored?(path: string, obj: ReceivedObject): void;
  /** fsync each file and its directory before the object is accepted (README: "What a power cut can lose"). */
  fsync?: boolean;
  /** What each file holds: its Part 10 file by default. */
  encode?: ObjectEncoder;
  /** Objects written at once (default 4): a stalled transfer does not hold up the others. */
  concurrency?: number;
}

export function directorySink(opts: DirectorySinkOptions): Writable {
  const log = opts.logger ?? silentLogger;
  // Alongside the retrieval, not before it: the sink must not delay the first object.
  const cleaned = removeLeftovers(opts.directory, log);
  return objectSink((obj) => storeObject(obj, opts, log), opts.concurrency, async () => { await cleaned; });
}

async function storeObject(obj: ReceivedObject, opts: DirectorySinkOptions, log: Logger): Promise<void> {
  const finalPath = join(opts.directory, objectFileName(obj, opts.fileName));
  const file = new TempFile(tempPathFor(finalPath), { fsync: opts.fsync });
  try {
    const encode = opts.encode ?? ((o, l, t) => writePart10(o, opts, l, t));
    await encode(obj, log, { writeAll: (chunks) => file.writeAll(chunks), file: () => file });
    if (await exists(finalPath)) log.warn(`DICOM file already exists, overwriting: ${finalPath}`);
    await file.commit(finalPath);
  } catch (err) {
    await file.discard();
    rejectFailed(obj, err as Error, finalPath, log);
    return;
  }
  obj.accept();
  opts.onStored?.(finalPath, obj);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
