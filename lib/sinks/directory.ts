/**
 * The directory sink: writes each received object as DCMTK's movescu does (Part 10 file meta, then the data set,
 * under PREFIX.SOPInstanceUID in the output directory; see output-mode.ts for when the bytes are re-encoded), but
 * safely: the bytes go to a hidden
 * temporary file in the same directory as they arrive, which is renamed to the final name only when complete, and
 * only then is the object accepted (so the C-STORE-RSP says success only for a file that is really there). A failed
 * or aborted transfer leaves no file under a final name, and the object is rejected with 0xA700 as DCMTK does.
 */
import { closeSync, createReadStream, createWriteStream, existsSync, open, renameSync, writevSync, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeFileMeta } from '../dataset/file-meta';
import { convertBuffer, convertDataset, type ConvertOptions } from '../dataset/convert';
import { DatasetParser } from '../dataset/tokenizer';
import { TagOrderCheck, type TopLevelUnit } from '../dataset/sort-tokens';
import { ReencodeCheck } from '../dataset/reencode-check';
import { transferSyntaxInfo } from '../dataset/transfer-syntax';
import type { WriteOptions } from '../dataset/writer';
import { Status } from '../dimse/status';
import { DimseError } from '../errors';
import { planFor, type OutputMode } from './output-mode';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';
import { silentLogger, type Logger } from '../log';
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

/**
 * Reads chunks until `limit` bytes or the end of the stream; the rest stays in the stream, unread. Flowing mode
 * ('data') hands over each chunk as it was pushed: read() on a paused byte stream joins everything buffered into
 * one new Buffer, a copy of every object.
 */
async function readUpTo(body: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer): void => {
      chunks.push(c);
      size += c.length;
      if (size >= limit) {
        body.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    const onError = (e: Error): void => { cleanup(); reject(e); };
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const finish = (ended: boolean): void => { cleanup(); resolve({ chunks, ended }); };
    body.on('data', onData);
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

/** The chunks already read, then the rest of `body`, as one stream. */
function prepend(chunks: Buffer[], body: Readable): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    yield* chunks;
    for await (const c of body) yield c as Buffer;
  }
  return Readable.from(all(), { objectMode: false });
}

/**
 * The temporary file of an object, opened as soon as the object arrives: creating a file costs about a millisecond
 * on an ordinary file system, which the thread pool spends while the data set is still coming in, instead of the
 * main thread after it.
 */
class EarlyFile {
  private readonly fd: Promise<number>;
  /** Set once the descriptor is closed or handed to a stream: never close a number the system may reuse. */
  private released = false;

  constructor(readonly path: string) {
    this.fd = new Promise((resolve, reject) => open(path, 'w', (err, fd) => (err ? reject(err) : resolve(fd))));
    this.fd.catch(() => {});
  }

  /** Writes `chunks` in one synchronous writev (to the page cache: far below a millisecond) and closes. */
  async writeAll(chunks: Buffer[]): Promise<void> {
    const fd = await this.fd;
    this.released = true;
    try { writevSync(fd, chunks); } finally { closeSync(fd); }
  }

  /** Hands the open file to a write stream, which closes it (large objects). */
  async stream(): Promise<WriteStream> {
    const fd = await this.fd;
    this.released = true;
    return createWriteStream(this.path, { fd, highWaterMark: 256 * 1024 });
  }

  /** Closes the file if it was opened and nobody took it over. */
  async discard(): Promise<void> {
    const fd = await this.fd.catch(() => null);
    if (fd !== null && !this.released) {
      this.released = true;
      closeSync(fd);
    }
  }
}

/** Streams `head` then `body` into `file`. */
async function streamTo(file: EarlyFile | string, head: Buffer[], body: Readable): Promise<void> {
  const out = typeof file === 'string' ? createWriteStream(file, { highWaterMark: 256 * 1024 }) : await file.stream();
  for (const c of head) out.write(c);
  await pipeline(body, out);
}

/**
 * Converts a small object held in memory and writes it in one synchronous writev: the same conversion as
 * convertTo, run synchronously (convertBuffer) instead of as a pipeline of streams per object, whose set-up and
 * thread-pool round trips (write stream, zlib stream) cost more than the conversion itself on a CT image.
 * Deflated input (rare; its inflated size is not bounded by what arrived) takes the streaming path.
 */
async function convertSmall(file: EarlyFile, obj: ReceivedObject, fromTs: string, write: WriteOptions, chunks: Buffer[], opts: DirectorySinkOptions,
  log: Logger): Promise<void> {
  if (transferSyntaxInfo(fromTs).deflated) {
    await convertTo(file, obj, fromTs, write, Readable.from(chunks), opts);
    return;
  }
  const meta = metaFor(obj, write.transferSyntax, opts);
  const fileOffset = meta.reduce((n, b) => n + b.length, 0);
  // The chunks as they arrived: large values leave as slices of them (joining them first would copy the whole
  // object into a fresh allocation, which costs more than the conversion).
  await file.writeAll([...meta, ...convertBuffer(chunks, fromTs, { ...write, fileOffset, strictLengths: STRICTNESS, onReorder: (w) => log.warn(w) })]);
}

/** Converts `body` (in `fromTs`) with `write` into a new file at `path`, meta first. */
async function convertTo(path: EarlyFile | string, obj: ReceivedObject, fromTs: string, write: WriteOptions, body: Readable, opts: DirectorySinkOptions,
  extra: Pick<ConvertOptions, 'sortSequences' | 'observe'> = {}): Promise<void> {
  const meta = metaFor(obj, write.transferSyntax, opts);
  const fileOffset = meta.reduce((n, b) => n + b.length, 0);
  await streamTo(path, meta, convertDataset(body, fromTs, { ...write, fileOffset, strictLengths: STRICTNESS, ...extra }));
}

/** Whether the elements complete in these first chunks are out of DCMTK's order (false if they cannot be read). */
function disorderedHead(ts: string, chunks: readonly Buffer[]): boolean {
  const order = new TagOrderCheck();
  const parser = new DatasetParser(transferSyntaxInfo(ts), (t) => order.push(t), { strictLengths: STRICTNESS });
  try { for (const c of chunks) parser.write(c); } catch { return false; }
  return order.disordered;
}

/**
 * The data set at `base` in the file at `path`, its top-level elements read in DCMTK's order (by tag, the first of
 * a repeated tag kept) from where the scan found them: a large object is put in order without holding it.
 */
function unitsInOrder(path: string, base: number, units: readonly TopLevelUnit[], length: number): Readable {
  const ends = units.map((u, i) => (units[i + 1]?.offset ?? length));
  const order = units
    .map((u, i) => ({ u, i }))
    .sort((a, b) => a.u.tag - b.u.tag || a.i - b.i)
    .filter((x, k, all) => k === 0 || (all[k - 1] as { u: TopLevelUnit }).u.tag !== x.u.tag);
  async function* read(): AsyncGenerator<Buffer> {
    for (const { u, i } of order) {
      const end = ends[i] as number;
      if (end > u.offset) yield* createReadStream(path, { start: base + u.offset, end: base + end - 1 }) as AsyncIterable<Buffer>;
    }
  }
  return Readable.from(read(), { objectMode: false });
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
  const file = new EarlyFile(tempPath);
  try {
    await writeObject(obj, opts, log, file, convertedPath);
    if (existsSync(finalPath)) log.warn(`DICOM file already exists, overwriting: ${finalPath}`);
    renameSync(tempPath, finalPath);
  } catch (err) {
    await file.discard();
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

/** Writes the object into `file` (complete when this resolves), by the path its plan says. */
async function writeObject(obj: ReceivedObject, opts: DirectorySinkOptions, log: Logger, file: EarlyFile, convertedPath: string): Promise<void> {
  const plan = planFor(opts.mode ?? { kind: 'normal' }, obj.transferSyntaxUid);
  const ts = obj.transferSyntaxUid;
  // A conversion holds more per object (tokens, output), so it gathers less before it starts streaming.
  const start = await readUpTo(obj.body, plan.path === 'convert' ? SMALL_OBJECT_BYTES / 2 : SMALL_OBJECT_BYTES);
  // The body may have ended just as the limit was reached ('end' is emitted on a later tick than the last read).
  const small = start.ended || obj.body.readableEnded;
  if (plan.path === 'convert') {
    if (small) {
      await convertSmall(file, obj, ts, plan.write, start.chunks, opts, log);
      return;
    }
    // A large object converts as it streams in: one pass. Elements out of order in its head (where they are in
    // practice) send it the two-pass way below instead, which puts them in order; disorder found only later (or
    // in deflated input, which cannot be read back by offset) is written as received, with DCMTK's warnings and
    // one saying so.
    if (transferSyntaxInfo(ts).deflated || !disorderedHead(ts, start.chunks)) {
      const order = new TagOrderCheck();
      await convertTo(file, obj, ts, plan.write, prepend(start.chunks, obj.body), opts, { observe: (t) => order.push(t) });
      if (order.disordered) {
        for (const w of order.warnings) log.warn(w);
        log.warn(`elements out of tag order found after the first ${SMALL_OBJECT_BYTES / 2} bytes of a converted object: kept in the order received (DCMTK sorts them): ${file.path}`);
      }
      return;
    }
  }
  // The check path, and large conversions whose head is out of order (conversion forced).
  const check = plan.path === 'raw' ? null : new ScanningCheck(ts, plan.write, plan.path === 'convert');
  check?.scan(start.chunks);
  const head = metaFor(obj, ts, opts);
  if (small) {
    check?.end();
    // Most images: one writev of the bytes as received; if DCMTK would re-encode them, converted from memory.
    if (check?.reason) await convertSmall(file, obj, ts, check.write, start.chunks, opts, log);
    else await file.writeAll([...head, ...start.chunks]);
    return;
  }
  // Large object: the bytes go to the file as they come, checked on the way; if DCMTK would have re-encoded them,
  // a second pass converts the file just written (bounded memory, no second transfer).
  await streamTo(file, [...head, ...start.chunks], check ? check.tee(obj.body) : obj.body);
  check?.end();
  if (check?.reason) {
    const offset = head.reduce((n, b) => n + b.length, 0);
    let source: Readable = createReadStream(file.path, { start: offset });
    const order = check.order;
    if (order.disordered) {
      for (const w of order.warnings) log.warn(w);
      if (order.overflow) {
        log.warn(`more than ${order.units.length} elements in one data set or item: kept in the order received (DCMTK sorts them): ${file.path}`);
      } else {
        // Top-level elements read back from the file in order; sequences sorted inside as they pass.
        source = unitsInOrder(file.path, offset, order.units, check.length);
      }
    }
    await convertTo(convertedPath, obj, ts, check.write, source, opts, { sortSequences: order.disordered && !order.overflow });
    renameSync(convertedPath, file.path);
  }
}

/**
 * The re-encode check of the fast path: feeds a tokenizer with the bytes as they pass, to the end (the check
 * follows the elements' order to the end, see ReencodeCheck).
 */
class ScanningCheck {
  private readonly check = new ReencodeCheck();
  private readonly parser: DatasetParser;

  /** The options the object is converted with when the check says DCMTK would re-encode it (or always: `forced`). */
  constructor(transferSyntaxUid: string, readonly write: WriteOptions, private readonly forced = false) {
    this.parser = new DatasetParser(transferSyntaxInfo(transferSyntaxUid), (t) => this.check.push(t), { strictLengths: STRICTNESS });
  }

  /** The elements' order, followed to the end of the data set. */
  get order(): TagOrderCheck {
    return this.check.order;
  }

  /** Why DCMTK would re-encode these bytes; null while it would not. */
  get reason(): string | null {
    return this.check.reason ?? (this.forced ? 'output options' : null);
  }

  /** Data set bytes scanned so far. */
  get length(): number {
    return this.parser.position;
  }

  scan(chunks: Buffer[]): void {
    try { for (const c of chunks) this.parser.write(c); } catch (e) { throw new CannotUnderstand((e as Error).message); }
  }

  end(): void {
    try { this.parser.end(); } catch (e) { throw new CannotUnderstand((e as Error).message); }
  }

  /** `body` passed on unchanged, scanned on the way; a scan failure fails the stream. */
  tee(body: Readable): Readable {
    const out = new Readable({ read() { body.resume(); } });
    body.on('data', (c: Buffer) => {
      try { this.scan([c]); } catch (e) { out.destroy(e as Error); return; }
      if (!out.push(c)) body.pause();
    });
    if (body.readableEnded) out.push(null);
    else body.on('end', () => out.push(null));
    body.on('error', (e) => out.destroy(e));
    return out;
  }
}
