/**
 * The directory sink: writes each received object as DCMTK's movescu does (Part 10 file meta, then the data set,
 * under PREFIX.SOPInstanceUID in the output directory; see output-mode.ts for when the bytes are re-encoded), but
 * safely: the bytes go to a hidden
 * temporary file in the same directory as they arrive, which is renamed to the final name only when complete, and
 * only then is the object accepted (so the C-STORE-RSP says success only for a file that is really there). A failed
 * or aborted transfer leaves no file under a final name, and the object is rejected with 0xA700 as DCMTK does.
 */
import { closeSync, createReadStream, createWriteStream, existsSync, openSync, renameSync, writevSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeFileMeta } from '../dataset/file-meta';
import { convertDataset } from '../dataset/convert';
import { DatasetParser } from '../dataset/tokenizer';
import { ReencodeCheck } from '../dataset/reencode-check';
import { transferSyntaxInfo } from '../dataset/transfer-syntax';
import type { WriteOptions } from '../dataset/writer';
import { Status } from '../dimse/status';
import { DimseError } from '../errors';
import { planFor, type OutputMode } from './output-mode';
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
  /** DCMTK's -B (default: normal, re-encoding only what needs it) or +B (the bytes as received). */
  mode?: OutputMode;
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


/** The Part 10 header of an object written in `transferSyntaxUid`, or nothing for -F. */
function metaFor(obj: ReceivedObject, transferSyntaxUid: string, opts: DirectorySinkOptions): Buffer[] {
  return opts.fileMeta === false ? [] : [encodeFileMeta({
    mediaStorageSopClassUid: obj.sopClassUid,
    mediaStorageSopInstanceUid: obj.sopInstanceUid,
    transferSyntaxUid,
    implementationClassUid: IMPLEMENTATION_CLASS_UID,
    implementationVersionName: IMPLEMENTATION_VERSION_NAME,
    sourceApplicationEntityTitle: obj.callingAeTitle,
  })];
}

/** Writes `chunks` in one synchronous writev: to the page cache that is well under a millisecond (see above). */
function writeAll(path: string, chunks: Buffer[]): void {
  const fd = openSync(path, 'w');
  try { writevSync(fd, chunks); } finally { closeSync(fd); }
}

/** Streams `head` then `body` into a new file at `path`. */
async function streamTo(path: string, head: Buffer[], body: Readable): Promise<void> {
  const file = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  for (const c of head) file.write(c);
  await pipeline(body, file);
}

/** Converts `body` (in `fromTs`) with `write` into a new file at `path`, meta first. */
async function convertTo(path: string, obj: ReceivedObject, fromTs: string, write: WriteOptions, body: Readable, opts: DirectorySinkOptions): Promise<void> {
  const meta = metaFor(obj, write.transferSyntax, opts);
  const fileOffset = meta.reduce((n, b) => n + b.length, 0);
  await streamTo(path, meta, convertDataset(body, fromTs, { ...write, fileOffset, strictLengths: STRICTNESS }));
}

/**
 * Received data sets are refused when a value cannot be decoded (a US of 3 bytes): DCMTK stores it with a warning
 * and a made-up byte; we answer 0xC000 naming the element. Odd-length strings are padded as DCMTK does.
 */
const STRICTNESS = 'value-size' as const;

/** A data set our tokenizer cannot read is one DCMTK's normal mode cannot read either: 0xC000, no file. */
class CannotUnderstand extends Error {}

async function storeObject(obj: ReceivedObject, opts: DirectorySinkOptions, log: Logger, serial: number): Promise<void> {
  const name = (opts.fileName ?? ((o: ReceivedObject) => dcmtkFileName(o.sopClassUid, o.sopInstanceUid)))(obj);
  const finalPath = join(opts.directory, name);
  const tempPath = join(opts.directory, `.${name}.${process.pid}-${serial}.part`);
  const convertedPath = `${tempPath}.conv`;
  const plan = planFor(opts.mode ?? { kind: 'normal' }, obj.transferSyntaxUid);
  try {
    if (plan.path === 'convert') {
      await convertTo(tempPath, obj, obj.transferSyntaxUid, plan.write, obj.body, opts);
    } else {
      const check = plan.path === 'check' ? new ReencodeCheck() : null;
      const parser = check ? new DatasetParser(transferSyntaxInfo(obj.transferSyntaxUid), (t) => check.push(t), { strictLengths: STRICTNESS }) : null;
      const scan = (chunks: Buffer[]): void => {
        if (!parser || check!.reason) return;
        try { for (const c of chunks) parser.write(c); } catch (e) { throw new CannotUnderstand((e as Error).message); }
      };
      const head = metaFor(obj, obj.transferSyntaxUid, opts);
      const start = await readUpTo(obj.body, SMALL_OBJECT_BYTES);
      scan(start.chunks);
      // The body may have ended just as the limit was reached ('end' is emitted on a later tick than the last read).
      if (start.ended || obj.body.readableEnded) {
        if (parser && !check!.reason) try { parser.end(); } catch (e) { throw new CannotUnderstand((e as Error).message); }
        // Small object (most images): one synchronous writev. Needs re-encoding: converted from memory instead.
        if (check?.reason) await convertTo(tempPath, obj, obj.transferSyntaxUid, (plan as { write: WriteOptions }).write, Readable.from(start.chunks), opts);
        else writeAll(tempPath, [...head, ...start.chunks]);
      } else {
        // Large object: the bytes go to the file as they come, checked on the way; if DCMTK would have re-encoded
        // them, a second pass converts the file just written (bounded memory, no second transfer).
        const body = obj.body;
        const tee = new Readable({ read() { body.resume(); } });
        body.on('data', (c: Buffer) => {
          try { scan([c]); } catch (e) { tee.destroy(e as Error); return; }
          if (!tee.push(c)) body.pause();
        });
        if (body.readableEnded) tee.push(null);
        else body.on('end', () => tee.push(null));
        body.on('error', (e) => tee.destroy(e));
        await streamTo(tempPath, [...head, ...start.chunks], tee);
        if (parser && !check!.reason) try { parser.end(); } catch (e) { throw new CannotUnderstand((e as Error).message); }
        if (check?.reason) {
          const offset = head.reduce((n, b) => n + b.length, 0);
          await convertTo(convertedPath, obj, obj.transferSyntaxUid, (plan as { write: WriteOptions }).write, createReadStream(tempPath, { start: offset }), opts);
          renameSync(convertedPath, tempPath);
        }
      }
    }
    if (existsSync(finalPath)) log.warn(`DICOM file already exists, overwriting: ${finalPath}`);
    renameSync(tempPath, finalPath);
  } catch (err) {
    await unlink(tempPath).catch(() => {});
    await unlink(convertedPath).catch(() => {});
    const e = err as Error;
    // The sink is done with this body: whatever is still to come is dropped by the DIMSE reader.
    if (!obj.body.readableEnded) obj.body.destroy();
    if (obj.body.errored) {
      // A transfer that broke off is the peer's failure, not the disk's: say which, so the log is not misleading.
      log.warn(`incomplete object discarded (${e.message}): ${finalPath}`);
      obj.reject();
    } else if (e instanceof CannotUnderstand || (e instanceof DimseError && e.code.startsWith('DATASET_'))) {
      log.error(`bad DICOM data set, not stored: ${finalPath}: ${e.message}`);
      obj.reject(Status.StoreCannotUnderstand, e.message);
    } else {
      // Includes a conversion the writer refuses (encapsulated pixel data to an uncompressed syntax): DCMTK's
      // saveFile fails there too, and movescu answers it as a write failure (0xA700).
      log.error(`cannot write DICOM file: ${finalPath}: ${e.message}`);
      obj.reject();
    }
    return;
  }
  obj.accept();
  opts.onStored?.(finalPath, obj);
}
