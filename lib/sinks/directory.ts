/**
 * The directory sink: each received object as a file named as DCMTK's movescu names it (PREFIX.SOPInstanceUID), but
 * safely: the bytes go to a hidden temporary file in the same directory (created before the object comes,
 * spare-file.ts), which is renamed to the final name only when complete, and only then is the object accepted (so
 * the C-STORE-RSP says success only for a file that is really there). Any failure (a short write, a full disk, a
 * read-only or vanished directory, a broken-off transfer, an unreadable data set) removes the temporary file and
 * rejects the object.
 */
import { access as fsAccess } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { objectSink } from './object-sink';
import { removeLeftovers } from './leftovers';
import { silentLogger, type Logger } from '../log';
import type { ReceivedObject } from '../received-object';
import { writePart10, type ObjectEncoder, type Part10Options } from './part10-writer';
import { objectFileName, rejectFailed } from './settle';
import { SpareFile } from './spare-file';

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
  const names = new ExistingNames(opts.directory);
  const spare = new SpareFile(opts.directory, { fsync: opts.fsync, commitInOneJob: true });
  return objectSink((obj) => storeObject(obj, opts, log, names, spare), opts.concurrency, async () => {
    await cleaned;
    await spare.discard();
  }, () => spare.discard());
}

async function storeObject(obj: ReceivedObject, opts: DirectorySinkOptions, log: Logger, names: ExistingNames, spare: SpareFile): Promise<void> {
  const name = objectFileName(obj, opts.fileName);
  const finalPath = join(opts.directory, name);
  const file = spare.take();
  // Asked while the object arrives, not after it: DCMTK's "already exists" warning must not delay the response.
  const existed = names.has(name);
  try {
    const encode = opts.encode ?? ((o, l, t) => writePart10(o, opts, l, t));
    await encode(obj, log, { writeAll: (chunks) => file.writeAll(chunks), file: () => file, writesAhead: true });
    if (await existed) log.warn(`DICOM file already exists, overwriting: ${finalPath}`);
    await file.commit(finalPath);
    names.add(name);
  } catch (err) {
    await file.discard();
    rejectFailed(obj, err as Error, finalPath, log);
    return;
  }
  obj.accept();
  opts.onStored?.(finalPath, obj);
}

/**
 * The names in the output directory, for DCMTK's "DICOM file already exists, overwriting" warning: listed once when
 * the sink starts, then kept up to date with the files it writes. Asking the file system for each object cost more
 * CPU than writing the object (fs/promises' access builds and rejects an Error for every absent file: 0.6 ms each in
 * a profile of a 1000-image retrieval). A file another process creates meanwhile goes unnoticed (the warning is
 * all that depends on it); a directory of more than LISTED names, or a name in a subfolder, is asked about each time.
 */
class ExistingNames {
  private static readonly LISTED = 200_000;
  private readonly listed: Promise<Set<string> | null>;

  constructor(private readonly directory: string) {
    this.listed = readdir(directory).then((n) => (n.length > ExistingNames.LISTED ? null : new Set(n)), () => new Set<string>());
  }

  async has(name: string): Promise<boolean> {
    const set = await this.listed;
    if (set && !name.includes('/')) return set.has(name);
    return new Promise((resolve) => fsAccess(join(this.directory, name), (e) => resolve(!e)));
  }

  add(name: string): void {
    void this.listed.then((set) => set?.add(name));
  }
}
