/**
 * The directory sink: writes each received object as DCMTK's movescu does (Part 10 file meta, then the data set
 * bytes as received, under PREFIX.SOPInstanceUID in the output directory), but safely: the bytes go to a hidden
 * temporary file in the same directory as they arrive, which is renamed to the final name only when complete, and
 * only then is the object accepted (so the C-STORE-RSP says success only for a file that is really there). A failed
 * or aborted transfer leaves no file under a final name, and the object is rejected with 0xA700 as DCMTK does.
 */
import { closeSync, createWriteStream, existsSync, openSync, renameSync, writevSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeFileMeta } from '../dataset/file-meta';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { ReceivedObject } from '../services/received-object';
import { dcmtkFileName } from './prefixes';

export interface DirectorySinkOptions {
  directory: string;
  /** Write the Part 10 file meta information (DCMTK +F, the default); false writes the bare data set (-F). */
  fileMeta?: boolean;
  /** The final file name of an object; DCMTK's PREFIX.SOPInstanceUID by default. */
  fileName?(obj: ReceivedObject): string;
  logger?: Logger;
  /** Called after each object is safely stored, with its final path. */
  onStored?(path: string, obj: ReceivedObject): void;
}

export function directorySink(opts: DirectorySinkOptions): Writable {
  const log = opts.logger ?? silentLogger;
  let serial = 0;
  return new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(obj: ReceivedObject, _enc, done) {
      storeObject(obj, opts, log, ++serial).then(() => done(), (err: Error) => done(err));
    },
  });
}

/**
 * Objects up to this size are gathered in memory and written in one call: bounded (one object at a time per
 * sink), and it saves the thread-pool round trip of a write per PDV that dominates the cost of small images.
 */
const SMALL_OBJECT_BYTES = 2 * 1024 * 1024;

/** Reads chunks until `limit` bytes or the end of the stream; the rest stays in the stream, unread. */
async function readUpTo(body: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const onReadable = (): void => {
      let c: Buffer | null;
      while (size < limit && (c = body.read() as Buffer | null) !== null) {
        chunks.push(c);
        size += c.length;
      }
      if (size >= limit) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onError = (e: Error): void => { cleanup(); reject(e); };
    const cleanup = (): void => {
      body.off('readable', onReadable);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const finish = (ended: boolean): void => { cleanup(); resolve({ chunks, ended }); };
    body.on('readable', onReadable);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}


async function storeObject(obj: ReceivedObject, opts: DirectorySinkOptions, log: Logger, serial: number): Promise<void> {
  const name = (opts.fileName ?? ((o: ReceivedObject) => dcmtkFileName(o.sopClassUid, o.sopInstanceUid)))(obj);
  const finalPath = join(opts.directory, name);
  const tempPath = join(opts.directory, `.${name}.${process.pid}-${serial}.part`);
  try {
    const head: Buffer[] = opts.fileMeta === false ? [] : [encodeFileMeta({
      mediaStorageSopClassUid: obj.sopClassUid,
      mediaStorageSopInstanceUid: obj.sopInstanceUid,
      transferSyntaxUid: obj.transferSyntaxUid,
      implementationClassUid: IMPLEMENTATION_CLASS_UID,
      implementationVersionName: IMPLEMENTATION_VERSION_NAME,
      sourceApplicationEntityTitle: obj.callingAeTitle,
    })];
    const start = await readUpTo(obj.body, SMALL_OBJECT_BYTES);
    if (start.ended) {
      // Small object (most images): written in one synchronous writev, as DCMTK does. To the page cache that takes
      // well under a millisecond, and it saves the thread-pool round trips of asynchronous calls, which cost more
      // CPU than the copy itself.
      const fd = openSync(tempPath, 'w');
      try { writevSync(fd, [...head, ...start.chunks]); } finally { closeSync(fd); }
    } else {
      const file = createWriteStream(tempPath, { highWaterMark: 1024 * 1024 });
      for (const c of [...head, ...start.chunks]) file.write(c);
      await pipeline(obj.body, file);
    }
    if (existsSync(finalPath)) log.warn(`DICOM file already exists, overwriting: ${finalPath}`);
    renameSync(tempPath, finalPath);
  } catch (err) {
    await unlink(tempPath).catch(() => {});
    const e = err as Error;
    // A transfer that broke off is the peer's failure, not the disk's: say which, so the log is not misleading.
    if (obj.body.errored) log.warn(`incomplete object discarded (${e.message}): ${finalPath}`);
    else log.error(`cannot write DICOM file: ${finalPath}: ${e.message}`);
    obj.reject();
    return;
  }
  obj.accept();
  opts.onStored?.(finalPath, obj);
}
