/**
 * The Part 10 bytes of one received object, as DCMTK's movescu would write its file (file meta, then the data set;
 * see output-mode.ts for when the bytes are re-encoded): the choice of write path is made here, once per object,
 * for every sink that writes Part 10 (directory, part10 and tar streams, multipart).
 *
 * The bytes go to a Part10Target: a small object (up to 2 MiB, every CT and MR image) is handed over in one piece,
 * a large one is streamed into the target's temporary file (memory stays bounded whatever the size), and read back
 * from it when DCMTK would have re-encoded it (a second pass, no second transfer).
 */
import { createReadStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeFileMeta } from '../dataset/part10/file-meta';
import { convertBuffer, convertDataset, type ConvertOptions } from '../dataset/codec/convert';
import { DatasetParser } from '../dataset/codec/tokenizer';
import { TagOrderCheck, type TopLevelUnit } from '../dataset/codec/sort-tokens';
import { ReencodeCheck } from '../dataset/codec/reencode-check';
import { FramingCheck } from '../dataset/codec/framing-check';
import { transferSyntaxInfo } from '../dataset/codec/transfer-syntax';
import type { WriteOptions } from '../dataset/codec/writer';
import { planFor, type OutputMode, type Plan } from './output-mode';
import { SopIdentity } from '../dataset/part10/sop-identity';
import type { DatasetToken } from '../dataset/codec/tokens';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';
import type { Logger } from '../log';
import type { ReceivedObject } from '../received-object';
import { LARGE_OBJECT_WRITE_BUFFER, TempFile } from './temp-file';
import { UidSpaces } from '../dcmtk/uid-spaces';
import { DimseError, formatTag } from '../errors';
import { parserWarning, uidSpacesWarning } from '../dcmtk/parser-warnings';

export interface Part10Options {
  /** Write the Part 10 file meta information (DCMTK +F, the default); false writes the bare data set (-F). */
  fileMeta?: boolean;
  /** DCMTK's -B (default: normal, re-encoding only what needs it) or +B (the bytes as received). */
  mode?: OutputMode;
}

/**
 * Writes one object's output into a target: its Part 10 file by default (writePart10), or another form of it (a
 * DICOM JSON line, json-writer.ts). Every sink that writes objects takes one.
 */
export type ObjectEncoder = (obj: ReceivedObject, log: Logger, target: Part10Target) => Promise<void>;

/** Where the Part 10 bytes (or another encoding) of one object go. */
export interface Part10Target {
  /** A small object, whole: write it and close. */
  writeAll(chunks: readonly Buffer[]): Promise<void>;
  /** The temporary file a large object streams into (and is read back from for a second pass). */
  file(): TempFile;
  /**
   * True where file() is where every object ends up (the directory sink): the bytes as received are then appended
   * to it while they arrive. A target that keeps a small object in memory (a stream sink's spool) leaves it out.
   */
  readonly writesAhead?: boolean;
}

/**
 * Objects up to this size are gathered in memory and written in one call: bounded (one object at a time per
 * sink), and it saves the thread-pool round trip of a write per PDV that dominates the cost of small images.
 */
const SMALL_OBJECT_BYTES = 2 * 1024 * 1024;

/**
 * Reads chunks until `limit` bytes or the end of the stream; the rest stays in the stream, unread. `each` sees
 * every chunk as it comes (a check that would otherwise run after the last byte, when the peer waits for our
 * answer). Flowing mode ('data') hands over each chunk as it was pushed: read() on a paused byte stream joins
 * everything buffered into one new Buffer, a copy of every object.
 */
async function readUpTo(body: Readable, limit: number, each?: (chunk: Buffer) => void): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    // A body can fail before anyone reads it (the peer aborted in the same socket read as its request): its 'error'
    // and 'close' are then past, and waiting for them would wait for ever.
    const gone = (): Error => body.errored ?? new DimseError('DIMSE_INCOMPLETE_DATASET', 'the data set was closed before its end');
    if (body.destroyed) {
      reject(gone());
      return;
    }
    const onData = (c: Buffer): void => {
      chunks.push(c);
      size += c.length;
      each?.(c);
      if (size >= limit) {
        body.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    const onError = (e: Error): void => { cleanup(); reject(e); };
    const onClose = (): void => { cleanup(); reject(gone()); };
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const finish = (ended: boolean): void => { cleanup(); resolve({ chunks, ended }); };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

/** The Part 10 header of an object written in `transferSyntaxUid`, or nothing for -F. */
function metaFor(obj: ReceivedObject, transferSyntaxUid: string, opts: Part10Options): Buffer[] {
  return opts.fileMeta === false ? [] : [encodeFileMeta({
    mediaStorageSopClassUid: obj.sopClassUid,
    mediaStorageSopInstanceUid: obj.sopInstanceUid,
    transferSyntaxUid,
    implementationClassUid: IMPLEMENTATION_CLASS_UID,
    implementationVersionName: IMPLEMENTATION_VERSION_NAME,
    sourceApplicationEntityTitle: obj.callingAeTitle,
  })];
}

/**
 * The chunks already read, then the rest of `body`, as one stream. It takes the chunks out of `chunks` as it
 * yields them: held there, the first 1-2 MiB of a large object would stay in memory until its last byte.
 */
function prepend(chunks: Buffer[], body: Readable): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    for (let c = chunks.shift(); c !== undefined; c = chunks.shift()) yield c;
    for await (const c of body) yield c as Buffer;
  }
  return Readable.from(all(), { objectMode: false });
}

/**
 * Streams `head` then `body` into `file`, and closes it. `head` is emptied: its chunks belong to the write stream
 * from here, which lets them go once written (not at the object's last byte).
 */
async function streamTo(file: TempFile, head: Buffer[], body: Readable): Promise<void> {
  const out = await file.stream(LARGE_OBJECT_WRITE_BUFFER);
  for (const c of head.splice(0)) out.write(c);
  await pipeline(body, out);
  await file.finish();
}

/**
 * Converts a small object held in memory and writes it in one synchronous writev: the same conversion as
 * convertTo, run synchronously (convertBuffer) instead of as a pipeline of streams per object, whose set-up and
 * thread-pool round trips (write stream, zlib stream) cost more than the conversion itself on a CT image.
 * Deflated input (rare; its inflated size is not bounded by what arrived) takes the streaming path.
 */
async function convertSmall(target: Part10Target, obj: ReceivedObject, fromTs: string, write: WriteOptions, chunks: Buffer[], opts: Part10Options,
  log: Logger, identity: TokenObserver, seen: Seen, onWarning?: (w: DimseError) => void): Promise<void> {
  const observe = (t: DatasetToken): void => identity.push(t);
  if (transferSyntaxInfo(fromTs).deflated) {
    await convertTo(target.file(), obj, fromTs, write, Readable.from(chunks), opts, { observe, onWarning });
    return;
  }
  // DCMTK warns of a UID's spaces as it writes the data set it holds, sorted: follow the order written.
  const observeWritten = seen.followWritten();
  const meta = metaFor(obj, write.transferSyntax, opts);
  const fileOffset = meta.reduce((n, b) => n + b.length, 0);
  // The chunks as they arrived: large values leave as slices of them (joining them first would copy the whole
  // object into a fresh allocation, which costs more than the conversion).
  await target.writeAll([...meta, ...convertBuffer(chunks, fromTs, { ...write, fileOffset, strictLengths: STRICTNESS, onReorder: (w) => log.warn(w), observe, observeWritten, onWarning })]);
}

/** Converts `body` (in `fromTs`) with `write` into `file`, meta first. */
async function convertTo(file: TempFile, obj: ReceivedObject, fromTs: string, write: WriteOptions, body: Readable, opts: Part10Options,
  extra: Pick<ConvertOptions, 'sortSequences' | 'observe' | 'observeWritten' | 'onWarning'> = {}): Promise<void> {
  const meta = metaFor(obj, write.transferSyntax, opts);
  const fileOffset = meta.reduce((n, b) => n + b.length, 0);
  await streamTo(file, meta, convertDataset(body, fromTs, { ...write, fileOffset, strictLengths: STRICTNESS, ...extra }));
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
export class CannotUnderstand extends Error {}

/** A data set that names another SOP class or instance than its C-STORE request: 0xA900 (DCMTK's), no file. */
export class DoesNotMatch extends Error {}

/**
 * Writes the object into `target` (complete when this resolves), by the path its plan says. In normal mode the data
 * set must name itself as its request does (DCMTK's movescu checks the same after reading it; with +B it reads
 * nothing and neither do we); DCMTK writes the file all the same, we do not store an object we refuse.
 */
export async function writePart10(obj: ReceivedObject, opts: Part10Options, log: Logger, target: Part10Target): Promise<void> {
  const plan = planFor(opts.mode ?? { kind: 'normal' }, obj.transferSyntaxUid);
  const seen = new Seen(plan.path === 'raw' ? null : new UidSpaces({
    fileMeta: opts.fileMeta !== false, groupLength: plan.write.groupLength, itemPadding: (plan.write.padding?.item ?? 0) > 0,
  }), !transferSyntaxInfo(obj.transferSyntaxUid).encapsulated);
  try {
    await writeByPlan(obj, plan, opts, log, target, seen);
  } catch (e) {
    // Whatever a conversion made of it, DCMTK's writing fails on this value first.
    throw seen.unwritable ?? e;
  } finally {
    // Printed by DCMTK's parser as it reads the data set, whatever becomes of it.
    for (const w of seen.warnings) {
      const line = parserWarning(w);
      if (line) log.warn(line);
    }
  }
  if (plan.path === 'raw') return;
  // Printed as DCMTK writes the file, in the order it first converts each value (see UidSpaces).
  for (const t of seen.uids?.tags ?? []) log.warn(uidSpacesWarning(t));
  if (seen.unwritable) throw seen.unwritable;
  checkIdentity(obj, seen.identity);
}

/** For a second reading of a data set whose tokens the check has already seen. */
const SEEN_ALREADY: TokenObserver = { push: () => {} };

/** Sees the tokens of a received data set once, as it is first read. */
interface TokenObserver {
  push(t: DatasetToken): void;
}

/**
 * What the first reading of a data set finds: its identity, its UIDs with spaces, the parser's warnings, and a value
 * DCMTK cannot write.
 */
class Seen implements TokenObserver {
  readonly identity = new SopIdentity();
  readonly warnings: DimseError[] = [];
  readonly warn = (w: DimseError): void => { this.warnings.push(w); };
  /** Pixel data of undefined length in a native syntax (below), once seen. */
  unwritable: DimseError | null = null;
  private depth = 0;
  /** The UIDs with spaces are noted as the data set is read (false: as it is written, see followWritten). */
  private readOrder = true;

  /**
   * `uids`: null where nothing is converted (+B). `native`: the data set's transfer syntax is not an encapsulated
   * one; DCMTK then reads a top-level Pixel Data of undefined length as a plain value of 0xFFFFFFFF bytes, which its
   * normal mode cannot write (0xA700, no file; +B stores the bytes).
   */
  constructor(public uids: UidSpaces | null, private readonly native = false) {}

  /**
   * From now on the UIDs with spaces are noted from the tokens as written (a small object converted in memory, its
   * elements sorted as DCMTK holds them), not as read: what was noted so far is dropped.
   */
  followWritten(): ((t: DatasetToken) => void) | undefined {
    if (!this.uids) return undefined;
    const uids = this.uids.fresh();
    this.uids = uids;
    this.readOrder = false;
    return (t) => uids.push(t);
  }

  push(t: DatasetToken): void {
    this.identity.push(t);
    if (this.readOrder) this.uids?.push(t);
    if (t.type === 'sequenceStart') this.depth++;
    else if (t.type === 'sequenceEnd') this.depth--;
    else if (t.type === 'encapsulatedStart' && this.native && this.depth === 0 && this.uids && !this.unwritable) {
      this.unwritable = new DimseError('WRITER_PIXEL_DATA_UNDEFINED_LENGTH',
        `${formatTag(t.tag)} has an undefined length in a native transfer syntax (encapsulated pixel data needs an encapsulated one)`, { tag: t.tag, offset: t.offset });
    }
  }
}

function checkIdentity(obj: ReceivedObject, id: SopIdentity): void {
  const cls = id.sopClassUid;
  const inst = id.sopInstanceUid;
  if (cls === null || inst === null) throw new CannotUnderstand('the data set has no SOP Class UID or SOP Instance UID (bad DICOM file)');
  const strip = (u: string): string => u.replace(/\0+$/, '');
  if (cls !== strip(obj.sopClassUid) || inst !== strip(obj.sopInstanceUid)) {
    throw new DoesNotMatch(`the data set is SOP instance ${inst} of class ${cls}; its C-STORE request said ${strip(obj.sopInstanceUid)} of ${strip(obj.sopClassUid)}`);
  }
}

async function writeByPlan(obj: ReceivedObject, plan: Plan, opts: Part10Options, log: Logger, target: Part10Target, identity: Seen): Promise<void> {
  const ts = obj.transferSyntaxUid;
  // Everything that can be done before the last byte is done before it (the peer waits for our answer from then
  // on): the file meta of the bytes as received, which depends on the request alone (a conversion writes its own),
  // and the checks of those bytes, which read them as they come; a check's failure is thrown once the chunks are
  // read, as it was when they ran after.
  const asReceivedMeta = plan.path === 'convert' ? null : metaFor(obj, ts, opts);
  let check = plan.path === 'check' ? new ScanningCheck(ts, plan.write, false, identity, identity.warn) : null;
  // +B: the bytes are stored untouched, but only if their elements hold together (headers only, see FramingCheck).
  const framing = plan.path === 'raw' && !transferSyntaxInfo(ts).deflated ? new RawFraming(ts) : null;
  const asReceived = check ?? framing;
  // The bytes as received go to the file while they arrive (temp-file.ts says why): the meta first. A small object
  // that turns out to need re-encoding starts its file again.
  const ahead = target.writesAhead && asReceivedMeta ? target.file() : null;
  for (const b of asReceivedMeta ?? []) ahead?.append(b);
  let scanFailure: Error | null = null;
  const scanEach = asReceived || ahead ? (c: Buffer): void => {
    if (scanFailure) return;
    try { asReceived?.scan(c); } catch (e) { scanFailure = e as Error; return; }
    ahead?.append(c);
  } : undefined;
  // A conversion holds more per object (tokens, output), so it gathers less before it starts streaming.
  const start = await readUpTo(obj.body, plan.path === 'convert' ? SMALL_OBJECT_BYTES / 2 : SMALL_OBJECT_BYTES, scanEach);
  if (scanFailure) throw scanFailure;
  // The body may have ended just as the limit was reached ('end' is emitted on a later tick than the last read).
  const small = start.ended || obj.body.readableEnded;
  if (plan.path === 'convert') {
    if (small) {
      await convertSmall(target, obj, ts, plan.write, start.chunks, opts, log, identity, identity, identity.warn);
      return;
    }
    // A large object converts as it streams in: one pass. Elements out of order in its head (where they are in
    // practice) send it the two-pass way below instead, which puts them in order; disorder found only later (or
    // in deflated input, which cannot be read back by offset) is written as received, with DCMTK's warnings and
    // one saying so.
    if (transferSyntaxInfo(ts).deflated || !disorderedHead(ts, start.chunks)) {
      const file = target.file();
      const order = new TagOrderCheck();
      await convertTo(file, obj, ts, plan.write, prepend(start.chunks, obj.body), opts, { observe: (t) => { order.push(t); identity.push(t); }, onWarning: identity.warn });
      if (order.disordered) {
        for (const w of order.warnings) log.warn(w);
        log.warn(`elements out of tag order found after the first ${SMALL_OBJECT_BYTES / 2} bytes of a converted object: kept in the order received (DCMTK sorts them): ${file.path}`);
      }
      return;
    }
  }
  // The check path, and large conversions whose head is out of order (conversion forced: checked from here, and
  // written as received first).
  if (plan.path === 'convert') {
    check = new ScanningCheck(ts, plan.write, true, identity, identity.warn);
    for (const c of start.chunks) check.scan(c);
  }
  const head = asReceivedMeta ?? metaFor(obj, ts, opts);
  if (small) {
    check?.end();
    framing?.end();
    // Most images: the bytes as received (appended while they came, or in one writev); if DCMTK would re-encode
    // them, converted from memory. Appended bytes are not waited for here: the sink's commit writes what waits first
    // (in the same thread-pool job as the close and rename, where the native commit is loaded).
    if (check?.reason) {
      await ahead?.restart();
      await convertSmall(target, obj, ts, check.write, start.chunks, opts, log, SEEN_ALREADY, identity);
    } else if (!ahead) {
      await target.writeAll([...head, ...start.chunks]);
    }
    return;
  }
  // Large object: the bytes go to the file as they come, checked on the way; if DCMTK would have re-encoded them,
  // a second pass converts the file just written (bounded memory, no second transfer).
  const file = target.file();
  const scanner = check ?? framing;
  // Nothing here may keep the first chunks: written (or appended), they must be free to go.
  const first = ahead ? [] : [...head, ...start.chunks];
  start.chunks.length = 0;
  await streamTo(file, first, scanner ? scanned(obj.body, (c) => scanner.scan(c)) : obj.body);
  check?.end();
  framing?.end();
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
    const converted = new TempFile(`${file.path}.conv`);
    // Put in order, the data set's UIDs are warned of in the order written, as DCMTK's are.
    const sorted = order.disordered && !order.overflow;
    try {
      await convertTo(converted, obj, ts, check.write, source, opts, { sortSequences: sorted, observeWritten: sorted ? identity.followWritten() : undefined });
      await rename(converted.path, file.path);
    } catch (e) {
      await converted.discard();
      throw e;
    }
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
  constructor(transferSyntaxUid: string, readonly write: WriteOptions, private readonly forced: boolean, identity: TokenObserver,
    warn: (w: DimseError) => void) {
    this.parser = new DatasetParser(transferSyntaxInfo(transferSyntaxUid), (t) => { this.check.push(t); identity.push(t); }, { strictLengths: STRICTNESS }, warn);
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

  scan(chunk: Buffer): void {
    try { this.parser.write(chunk); } catch (e) { throw new CannotUnderstand((e as Error).message); }
  }

  end(): void {
    try { this.parser.end(); } catch (e) { throw new CannotUnderstand((e as Error).message); }
  }

}

/** The framing check of +B: a data set whose elements do not hold together is refused (0xC000), not stored. */
class RawFraming {
  private readonly framing: FramingCheck;

  constructor(transferSyntaxUid: string) {
    this.framing = new FramingCheck(transferSyntaxInfo(transferSyntaxUid));
  }

  scan(chunk: Buffer): void {
    try { this.framing.write(chunk); } catch (e) { throw new CannotUnderstand((e as Error).message); }
  }

  end(): void {
    try { this.framing.end(); } catch (e) { throw new CannotUnderstand((e as Error).message); }
  }
}

/** `body` passed on unchanged, scanned on the way; a scan failure fails the stream. */
function scanned(body: Readable, scan: (chunk: Buffer) => void): Readable {
  const out = new Readable({ read() { body.resume(); } });
  body.on('data', (c: Buffer) => {
    try { scan(c); } catch (e) { out.destroy(e as Error); return; }
    if (!out.push(c)) body.pause();
  });
  if (body.readableEnded) out.push(null);
  else body.on('end', () => out.push(null));
  body.on('error', (e) => out.destroy(e));
  return out;
}
