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
import { DimseError } from '../errors';
import { silentLogger, type Logger } from '../log';
import type { ReceivedObject } from '../received-object';
import { CannotUnderstand, DoesNotMatch, writePart10, type ObjectEncoder, type Part10Options } from './part10-writer';
import { dcmtkFileName } from './prefixes';
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

/** The name DCMTK gives an object's file, or the user's. */
export function objectFileName(obj: ReceivedObject, fileName?: (obj: ReceivedObject) => string): string {
  return fileName ? fileName(obj) : dcmtkFileName(obj.sopClassUid, obj.sopInstanceUid);
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

/**
 * Rejects an object whose output failed, with the reason and one log line that says whose fault it was: the
 * peer's (a transfer that broke off), the data set's, or the output's. Shared by every Part 10 sink.
 */
export function rejectFailed(obj: ReceivedObject, e: Error, name: string, log: Logger): void {
  // The sink is done with this body: whatever is still to come is dropped by the DIMSE reader.
  if (!obj.body.readableEnded) obj.body.destroy();
  if (obj.body.errored) {
    log.warn(`incomplete object discarded (${e.message}): ${name}`);
    obj.reject('out-of-resources');
  } else if (e instanceof DoesNotMatch) {
    log.error(`data set does not match its C-STORE request, not stored: ${name}: ${e.message}`);
    obj.reject('does-not-match', e.message);
  } else if (e instanceof CannotUnderstand || (e instanceof DimseError && e.code.startsWith('DATASET_'))) {
    log.error(`bad DICOM data set, not stored: ${name}: ${e.message}`);
    obj.reject('cannot-understand', e.message);
  } else {
    // Includes a conversion the writer refuses (encapsulated pixel data to an uncompressed syntax): DCMTK's
    // saveFile fails there too, and movescu answers it as a write failure (0xA700).
    log.error(`cannot write DICOM file: ${name}: ${e.message}`);
    obj.reject('out-of-resources');
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
