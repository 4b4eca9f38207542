/**
 * DicomJsonEncoder: DatasetTokens in, one DICOM JSON object (PS3.18 annex F.2) out, followed by "\n" (so a
 * caller writing one dataset after another produces JSON lines). The JSON text is made by stream-json's Stringer
 * from stream-json tokens, so no value is ever held whole: binary values stream out as base64 chunks, long
 * strings as string chunks, long numeric values number by number. What is held at any time is bounded: one
 * value of at most SMALL_VALUE (64 KiB) for PN/DS/IS (whose JSON form needs the whole value), a block of up to
 * B64_BLOCK (48 KiB) binary bytes awaiting base64, a partial number, a run of trailing padding, up to OUT_CHUNK
 * (64 KiB) of JSON text awaiting a push, and the Stringer's and this stream's buffers.
 *
 * Decisions (PS3.18 F.2 leaves them open, or DCMTK and pydicom differ):
 * - Groups 0000 (command) and 0002 (file meta) are left out, at every level, with everything nested in them.
 *   Other elements are written in the order received; (0008,0005) is written as received.
 * - Strings: padding (trailing spaces and NULs, plus leading spaces for AE CS DS IS LO SH) is removed as
 *   bytesToString does. LT ST UT UR are single-valued; every other string VR (UC too) is split on backslash.
 *   An empty value among several is null; an element whose only value is empty after trimming has no "Value".
 * - Character sets: SH LO UC ST LT UT PN are decoded per (0008,0005) of their data set or item (items inherit
 *   it): none / ISO_IR 6 / ISO_IR 100 as latin1 (what pydicom does with the default repertoire), ISO_IR 192 as
 *   UTF-8, ISO_IR 101/109/110/144/127/126/138/148/203/166 and GB18030/GBK with the WHATWG decoders. Other sets
 *   (ISO 2022 code extensions, ISO_IR 13) are refused (JSON_CHARSET_UNSUPPORTED) only when a value actually
 *   holds a byte above 0x7F or ESC; plain ASCII is written whatever the declared set. Other VRs: latin1.
 * - PN: each value is an object of its non-empty component groups (Alphabetic, Ideographic, Phonetic; groups
 *   past the third are ignored); a value with no non-empty group is null, as an empty value is (F.2.5).
 * - IS, DS: the trimmed text is a JSON number when it matches JSON's number grammar, else a JSON string
 *   ("1.", "+1", ".5", "NaN" stay strings); never a bare NaN or Infinity.
 * - FL, FD: JSON numbers; NaN, Infinity, -Infinity as the strings "NaN", "Infinity", "-Infinity" (valid JSON,
 *   and what Python's float() reads back); -0 as -0. SV, UV: decimal strings (64-bit). AT: "GGGGEEEE".
 *   A trailing partial value (a length that is not a multiple of the value size) is dropped, as decodeNumbers does.
 * - OB OD OF OL OV OW UN: "InlineBinary", the little-endian bytes as the tokens carry them (a UN from big-endian
 *   input is passed on as received: the tokenizer does not swap UN).
 * - An undefined-length UN read as a sequence (SequenceStartToken.vr 'UN') is written with "vr":"SQ": its
 *   content is items (PS3.5 6.2.2), and JSON has no way to carry a UN value as items.
 * - Encapsulated pixel data: "InlineBinary" of the item stream in explicit VR little endian: the Basic Offset
 *   Table item, then each fragment item, each with its (FFFE,E000) tag and 32-bit length, no sequence
 *   delimiter. That is the value pydicom's dcmread gives (and its from_json then restores), and it keeps the
 *   fragment boundaries.
 * - Bulk data (options.bulkData): OB OD OF OL OV OW UN values longer than `threshold` bytes, and encapsulated
 *   pixel data whatever its length (its length is unknown when its JSON must be written), go to a file of their
 *   own in `directory` (the same bytes InlineBinary would carry); the element gets "BulkDataURI", by default the
 *   absolute file:// URL of the file, or what uriFor(name, path) returns (e.g. a relative URI).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { resolve as resolvePath, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import Stringer = require('stream-json/Stringer');
import { DimseError, formatTag } from '../../errors';
import { ITEM_TAG, type DatasetToken } from './tokens';
import { transferSyntaxInfo, type TransferSyntaxInfo } from './transfer-syntax';
import { isStringVr, type Vr } from './vr';
import type { ErrorCode } from '../../error-codes';

export interface JsonBulkDataOptions {
  /** Directory the bulk data files are written to (it must exist). */
  directory: string;
  /** Values longer than this many bytes go to a file instead of InlineBinary. */
  threshold: number;
  /** The BulkDataURI for a file: `name` is its file name in `directory`, `path` its absolute path. */
  uriFor?(name: string, path: string): string;
}

/**
 * Where the encoder gets the Buffers it writes its text into (JSON_OUTPUT_CHUNK bytes each), so that a caller who
 * knows when the output is done with them can hand them out again instead of leaving them to the garbage
 * collector. Each Buffer taken is pushed once (whole or a part of it from its start) and never touched again by
 * the encoder; one it took and did not push it gives back.
 */
export interface JsonOutputBuffers {
  take(): Buffer;
  give(buffer: Buffer): void;
}

export interface DicomJsonEncoderOptions {
  /** Transfer syntax UID of the data set the tokens come from (for messages; tokens are little endian anyway). */
  inputTransferSyntax: string;
  /** Write large binary values to files and refer to them with BulkDataURI (default: all InlineBinary). */
  bulkData?: JsonBulkDataOptions;
  /** The Buffers the JSON text is written into (default: new ones). */
  outputBuffers?: JsonOutputBuffers;
}

/** A stream-json token as Stringer consumes it. */
interface JsonToken {
  name: string;
  value?: string;
}

/** PN, DS and IS values are held whole up to this many characters (their JSON form needs the whole value). */
const SMALL_VALUE = 64 * 1024;
/**
 * Binary values are written as base64 in chunks of this many input bytes (a multiple of 3). Its base64 (64 Ki
 * characters) stays below V8's large-object size: strings of 128 KiB and more were measured 2x slower to make.
 */
const B64_BLOCK = 48 * 1024;
/** The JSON text is handed on in Buffers of this size (fewer, larger writes downstream). */
export const JSON_OUTPUT_CHUNK = 64 * 1024;
const OUT_CHUNK = JSON_OUTPUT_CHUNK;
/**
 * Blocks of encoders that have finished, for the next ones: a retrieval of 1000 small images would otherwise
 * leave 1000 of them (48 MB) to the garbage collector. A block never leaves its encoder, so reuse is safe.
 */
const spareBlocks: Buffer[] = [];
const MAX_SPARE_BLOCKS = 8;

const newBuffers: JsonOutputBuffers = { take: () => Buffer.allocUnsafe(OUT_CHUNK), give: () => {} };
/** A run of trailing padding is held until we know whether it is trailing; beyond this it is an error. */
const MAX_PADDING_RUN = 1024 * 1024;

const BINARY_VRS: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const SINGLE_VALUED: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);
const TRIM_LEADING: ReadonlySet<string> = new Set(['AE', 'CS', 'DS', 'IS', 'LO', 'SH']);
/** VRs whose text depends on Specific Character Set (PS3.5 6.1.2.3); the others are the default repertoire. */
const CHARSET_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'UC', 'ST', 'LT', 'UT', 'PN']);
const UNIT_WIDTH: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };
const PN_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;
/** RFC 8259's number grammar: the only IS/DS texts written as JSON numbers. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const SPECIFIC_CHARACTER_SET_TAG = 0x00080005;

/** Single-byte and GB character sets that a WHATWG TextDecoder reads; ISO_IR 100 and the default are latin1. */
const DECODER_LABELS: Readonly<Record<string, string>> = {
  'ISO_IR 192': 'utf-8',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** How the text of one data set or item is decoded: a decoder label, 'latin1', or the unsupported set's name. */
type Charset = { kind: 'latin1' } | { kind: 'decoder'; label: string } | { kind: 'unsupported'; name: string };
const LATIN1: Charset = { kind: 'latin1' };

function charsetOf(text: string): Charset {
  const terms = text.split('\\').map((t) => t.trim());
  if (terms.length === 1) {
    const t = terms[0] as string;
    if (t === '' || t === 'ISO_IR 6' || t === 'ISO_IR 100') return LATIN1;
    const label = DECODER_LABELS[t];
    if (label) return { kind: 'decoder', label };
  }
  return { kind: 'unsupported', name: text };
}

/** A decoder for the bytes of one element, keeping partial characters between chunks. */
type TextDecode = (bytes: Buffer, final: boolean) => string;

function textDecoder(charset: Charset, vr: string, tag: number): TextDecode {
  if (!CHARSET_VRS.has(vr) || charset.kind === 'latin1') return (b) => b.toString('latin1');
  if (charset.kind === 'decoder') {
    // ignoreBOM: a BOM is a character of the value as stored (pydicom keeps it too).
    const d = new TextDecoder(charset.label, { ignoreBOM: true });
    return (b, final) => d.decode(b, { stream: !final });
  }
  return (b) => {
    const i = b.findIndex((x) => x >= 0x80 || x === 0x1b);
    if (i >= 0) {
      throw new DimseError('JSON_CHARSET_UNSUPPORTED',
        `${formatTag(tag)} ${vr}: byte 0x${(b[i] as number).toString(16)} in Specific Character Set "${charset.name}", ` +
        `which this encoder does not decode (expected ISO_IR 6/100/192, a single-byte ISO_IR set, GB18030 or GBK)`, { tag });
    }
    return b.toString('latin1');
  };
}

/** One data set level: the top-level data set, an item, or a sequence (whose "Value" array opens lazily). */
interface Frame {
  kind: 'dataset' | 'item' | 'sequence';
  charset: Charset;
  opened: boolean;
}

interface TextState {
  kind: 'text';
  tag: number;
  vr: string;
  decode: TextDecode;
  multi: boolean;
  trimLeading: boolean;
  /** PN, DS, IS: each value is collected, then written. */
  whole: boolean;
  /** "Value": [ written. */
  opened: boolean;
  /** Values finished so far. */
  count: number;
  /** Streaming: a string of the current value is open. */
  inString: boolean;
  /** No character of the current value kept yet (leading spaces are still being dropped). */
  atStart: boolean;
  /** Trailing padding seen but not yet known to be trailing. */
  pad: string;
  /** Whole mode: the current value's text. */
  acc: string;
  /** (0008,0005): its whole text, to set the frame's character set. */
  capture: string | null;
}

interface UnitState {
  kind: 'units';
  vr: string;
  width: number;
  carry: Buffer | null;
  opened: boolean;
}

interface BinaryState {
  kind: 'binary';
  /** Encapsulated pixel data: fragments are written with their item headers. */
  encapsulated: boolean;
  /** Bytes of the value gathered in the encoder's block, not yet written as base64. */
  fill: number;
  opened: boolean;
}

interface BulkState {
  kind: 'bulk';
  tag: number;
  encapsulated: boolean;
  /** Expected byte count (regular elements), or -1 (encapsulated: not known in advance). */
  expected: number;
  file: FileHandle | null;
  path: string;
  written: number;
}

type ValueState = TextState | UnitState | BinaryState | BulkState;

/**
 * Object-mode Transform: DatasetTokens of ONE data set in, its DICOM JSON text out (one object, then "\n").
 * Errors are DimseErrors: JSON_CHARSET_UNSUPPORTED, JSON_VALUE_TOO_LONG, JSON_BAD_TOKEN, JSON_BULK_WRITE,
 * JSON_BULK_SHORT_WRITE.
 */
export class DicomJsonEncoder extends Transform {
  private readonly stringer: Stringer;
  private readonly syntax: TransferSyntaxInfo;
  private readonly bulk: JsonBulkDataOptions | undefined;
  private readonly bulkPrefix = randomUUID();
  private bulkCount = 0;
  private readonly frames: Frame[] = [{ kind: 'dataset', charset: LATIN1, opened: false }];
  private state: ValueState | null = null;
  /** >0 while inside an element of group 0000/0002 that is being left out (counts nested sequences). */
  private skipping = 0;
  private skipSimple = false;
  private queue: JsonToken[] = [];
  private started = false;
  /** The binary value's block (base64Bytes), allocated on the first binary value. */
  private block: Buffer | null = null;
  /** The JSON text not yet handed on, and how many bytes of it there are. */
  private out: Buffer | null = null;
  private outLength = 0;
  private readonly buffers: JsonOutputBuffers;
  /** Files written so far (absolute paths), for callers that clean up. */
  readonly bulkFiles: string[] = [];

  constructor(options: DicomJsonEncoderOptions) {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 16 });
    this.syntax = transferSyntaxInfo(options.inputTransferSyntax);
    this.bulk = options.bulkData;
    this.buffers = options.outputBuffers ?? newBuffers;
    // Keys and numbers are small: written whole. Strings always as start/chunk/end so long ones can stream.
    this.stringer = new Stringer({ useKeyValues: true, useNumberValues: true });
    // As strings: the Stringer pushes dozens of tiny pieces per element ('{', '"vr":', ...), which as Buffers
    // would each be an allocation and a write downstream; they are gathered into OUT_CHUNK Buffers instead.
    this.stringer.setEncoding('utf8');
    this.stringer.on('data', (d: string) => this.gather(d));
    this.stringer.on('error', (e: Error) => this.destroy(e));
  }

  override _read(size: number): void {
    if (this.stringer.isPaused()) this.stringer.resume();
    super._read(size);
  }

  override _transform(token: DatasetToken, _encoding: BufferEncoding, callback: TransformCallback): void {
    let pending: Promise<void> | void;
    try {
      if (!this.started) {
        this.started = true;
        this.emitJson({ name: 'startObject' });
      }
      pending = this.handle(token);
    } catch (e) {
      callback(e as Error);
      return;
    }
    if (pending) pending.then(() => this.drainQueue(callback), (e: unknown) => callback(e as Error));
    else this.drainQueue(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.state || this.frames.length > 1 || this.skipping > 0) {
      callback(new DimseError('JSON_BAD_TOKEN', 'token stream ended inside an element, sequence or item', {}));
      return;
    }
    if (!this.started) this.emitJson({ name: 'startObject' });
    this.emitJson({ name: 'endObject' });
    this.drainQueue((err) => {
      if (err) return callback(err);
      this.stringer.once('end', () => {
        this.gather('\n');
        this.handOn();
        callback();
      });
      this.stringer.end();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.block && spareBlocks.length < MAX_SPARE_BLOCKS) spareBlocks.push(this.block);
    this.block = null;
    if (this.out) this.buffers.give(this.out);
    this.out = null;
    const s = this.state;
    this.state = null;
    this.stringer.destroy();
    if (s?.kind === 'bulk' && s.file) {
      s.file.close().then(() => callback(error), () => callback(error));
    } else {
      callback(error);
    }
  }

  /**
   * Adds the Stringer's text to the output Buffer, handing each on when full (pausing the Stringer if asked).
   * ASCII text (all base64, most of the rest) is cut to fill every Buffer; other text goes whole into one.
   */
  private gather(text: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 unit: only a text that may not fit is measured.
    const bytes = text.length * 3 <= OUT_CHUNK - this.outLength ? -1 : Buffer.byteLength(text, 'utf8');
    if (bytes === text.length) {
      for (let i = 0; i < text.length;) {
        const out = (this.out ??= this.buffers.take());
        const n = Math.min(text.length - i, OUT_CHUNK - this.outLength);
        out.write(i === 0 ? text : text.slice(i, i + n), this.outLength, n, 'latin1');
        this.outLength += n;
        i += n;
        if (this.outLength === OUT_CHUNK) this.handOn();
      }
      return;
    }
    if (bytes > OUT_CHUNK - this.outLength) this.handOn();
    if (bytes > OUT_CHUNK) {
      if (!this.push(Buffer.from(text, 'utf8'))) this.stringer.pause();
      return;
    }
    const out = (this.out ??= this.buffers.take());
    this.outLength += out.write(text, this.outLength, 'utf8');
  }

  /**
   * Pushes the gathered text: the Buffer itself, or a copy when the text fills little of it (the end of a line),
   * so that no 64 KiB is held for a few bytes; the Buffer is then kept for the next text.
   */
  private handOn(): void {
    const out = this.out;
    if (!out || this.outLength === 0) return;
    let chunk: Buffer;
    if (this.outLength < OUT_CHUNK / 2) {
      chunk = Buffer.from(out.subarray(0, this.outLength));
    } else {
      chunk = out.subarray(0, this.outLength);
      this.out = null;
    }
    this.outLength = 0;
    if (!this.push(chunk)) this.stringer.pause();
  }

  /** Writes the queued stream-json tokens; `done` runs when the Stringer has taken the last (backpressure). */
  private drainQueue(done: (err?: Error | null) => void): void {
    const q = this.queue;
    if (q.length === 0) return done();
    this.queue = [];
    for (let i = 0; i < q.length - 1; i++) this.stringer.write(q[i]);
    this.stringer.write(q[q.length - 1], (err) => done(err ?? null));
  }

  private emitJson(t: JsonToken): void {
    this.queue.push(t);
  }

  private key(k: string): void {
    this.emitJson({ name: 'keyValue', value: k });
  }

  private str(s: string): void {
    this.emitJson({ name: 'startString' });
    if (s.length > 0) this.emitJson({ name: 'stringChunk', value: s });
    this.emitJson({ name: 'endString' });
  }

  private num(text: string): void {
    this.emitJson({ name: 'numberValue', value: text });
  }

  private frame(): Frame {
    return this.frames[this.frames.length - 1] as Frame;
  }

  private bad(token: DatasetToken, expected: string): DimseError {
    const tag = 'tag' in token ? token.tag : undefined;
    return new DimseError('JSON_BAD_TOKEN', `unexpected ${token.type} token${tag === undefined ? '' : ` ${formatTag(tag)}`}: expected ${expected}`,
      tag === undefined ? {} : { tag });
  }

  private handle(t: DatasetToken): Promise<void> | void {
    if (this.skipping > 0 || this.skipSimple) return this.skip(t);
    switch (t.type) {
      case 'element': {
        if (this.state) throw this.bad(t, 'the end of the current element');
        if (leftOut(t.tag)) {
          this.skipSimple = true;
          return;
        }
        this.elementHead(t.tag, t.vr);
        return this.startValue(t.tag, t.vr, t.length);
      }
      case 'value': {
        const s = this.state;
        if (!s) throw this.bad(t, 'an element or fragment before a value');
        return this.valueBytes(s, t.data);
      }
      case 'elementEnd': {
        const s = this.state;
        if (!s || (s.kind === 'binary' && s.encapsulated) || (s.kind === 'bulk' && s.encapsulated)) throw this.bad(t, 'a value or fragment token');
        this.state = null;
        return this.finishValue(s, () => this.emitJson({ name: 'endObject' }));
      }
      case 'sequenceStart': {
        if (this.state) throw this.bad(t, 'the end of the current element');
        if (leftOut(t.tag)) {
          this.skipping = 1;
          return;
        }
        // An undefined-length UN holds items (PS3.5 6.2.2): JSON can only carry them as SQ.
        this.elementHead(t.tag, 'SQ');
        this.frames.push({ kind: 'sequence', charset: this.frame().charset, opened: false });
        return;
      }
      case 'itemStart': {
        const f = this.frame();
        if (f.kind !== 'sequence' || this.state) throw this.bad(t, 'an item only directly inside a sequence');
        if (!f.opened) {
          f.opened = true;
          this.key('Value');
          this.emitJson({ name: 'startArray' });
        }
        this.frames.push({ kind: 'item', charset: f.charset, opened: false });
        this.emitJson({ name: 'startObject' });
        return;
      }
      case 'itemEnd': {
        if (this.frame().kind !== 'item' || this.state) throw this.bad(t, 'the end of the current element');
        this.frames.pop();
        this.emitJson({ name: 'endObject' });
        return;
      }
      case 'sequenceEnd': {
        const f = this.frame();
        if (f.kind !== 'sequence' || this.state) throw this.bad(t, 'an item or the end of an item');
        this.frames.pop();
        if (f.opened) this.emitJson({ name: 'endArray' });
        this.emitJson({ name: 'endObject' });
        return;
      }
      case 'encapsulatedStart': {
        if (this.state) throw this.bad(t, 'the end of the current element');
        if (leftOut(t.tag)) {
          this.skipping = 1;
          return;
        }
        this.elementHead(t.tag, t.vr);
        this.state = this.bulk
          ? this.bulkState(t.tag, -1, true)
          : { kind: 'binary', encapsulated: true, fill: 0, opened: false };
        return;
      }
      case 'fragmentStart': {
        const s = this.state;
        if (!s || (s.kind !== 'binary' && s.kind !== 'bulk') || !s.encapsulated) throw this.bad(t, 'a fragment only inside encapsulated pixel data');
        // The item header as explicit VR little endian writes it (PS3.5 A.4): tag (FFFE,E000), 32-bit length.
        const h = Buffer.alloc(8);
        h.writeUInt16LE(ITEM_TAG >>> 16, 0);
        h.writeUInt16LE(ITEM_TAG & 0xffff, 2);
        h.writeUInt32LE(t.length, 4);
        return this.valueBytes(s, h);
      }
      case 'fragmentEnd':
        if (!this.state) throw this.bad(t, 'a fragment to end');
        return;
      case 'encapsulatedEnd': {
        const s = this.state;
        if (!s || (s.kind !== 'binary' && s.kind !== 'bulk') || !s.encapsulated) throw this.bad(t, 'encapsulated pixel data to end');
        this.state = null;
        return this.finishValue(s, () => this.emitJson({ name: 'endObject' }));
      }
    }
  }

  /** Tokens of a left-out element (group 0000/0002), with whatever is nested in it. */
  private skip(t: DatasetToken): void {
    if (this.skipSimple) {
      if (t.type === 'elementEnd') this.skipSimple = false;
      return;
    }
    if (t.type === 'sequenceStart' || t.type === 'encapsulatedStart') this.skipping++;
    else if (t.type === 'sequenceEnd' || t.type === 'encapsulatedEnd') this.skipping--;
  }

  /** `"GGGGEEEE": { "vr": "XX"` */
  private elementHead(tag: number, vr: string): void {
    this.key(tag.toString(16).toUpperCase().padStart(8, '0'));
    this.emitJson({ name: 'startObject' });
    this.key('vr');
    this.str(vr);
  }

  private startValue(tag: number, vr: Vr, length: number): Promise<void> | void {
    if (BINARY_VRS.has(vr)) {
      this.state = this.bulk && length > this.bulk.threshold
        ? this.bulkState(tag, length, false)
        : { kind: 'binary', encapsulated: false, fill: 0, opened: false };
      return;
    }
    const width = UNIT_WIDTH[vr];
    if (width !== undefined) {
      this.state = { kind: 'units', vr, width, carry: null, opened: false };
      return;
    }
    if (isStringVr(vr)) {
      this.state = {
        kind: 'text', tag, vr,
        decode: textDecoder(this.frame().charset, vr, tag),
        multi: !SINGLE_VALUED.has(vr),
        trimLeading: TRIM_LEADING.has(vr),
        whole: vr === 'PN' || vr === 'DS' || vr === 'IS',
        opened: false, count: 0, inString: false, atStart: true, pad: '', acc: '',
        capture: tag === SPECIFIC_CHARACTER_SET_TAG && this.frame().kind !== 'sequence' ? '' : null,
      };
      return;
    }
    // SQ with a value token stream cannot occur (the tokenizer makes SQ a sequence); anything else is bytes.
    this.state = { kind: 'binary', encapsulated: false, fill: 0, opened: false };
  }

  private valueBytes(s: ValueState, data: Buffer): Promise<void> | void {
    switch (s.kind) {
      case 'binary': return this.base64Bytes(s, data);
      case 'bulk': return this.bulkBytes(s, data);
      case 'units': return this.unitBytes(s, data);
      case 'text': return this.text(s, s.decode(data, false));
    }
  }

  private finishValue(s: ValueState, then: () => void): Promise<void> | void {
    switch (s.kind) {
      case 'binary':
        if (s.fill > 0) this.base64Block(s);
        if (s.opened) this.emitJson({ name: 'endString' });
        break;
      case 'units':
        if (s.opened) this.emitJson({ name: 'endArray' });
        break;
      case 'text': {
        const rest = s.decode(Buffer.alloc(0), true);
        if (rest) this.text(s, rest);
        this.endTextValue(s, true);
        if (s.opened) this.emitJson({ name: 'endArray' });
        if (s.capture !== null) this.frame().charset = charsetOf(s.capture);
        break;
      }
      case 'bulk':
        return this.closeBulk(s).then(then);
    }
    then();
  }

  // ---- binary: base64 of the value gathered in blocks ------------------------------------------------------------

  /**
   * Value bytes arrive in P-DATA-sized pieces (16 KiB from dcmqrscp) whose lengths are rarely multiples of 3: they
   * are copied into one block of B64_BLOCK bytes (a multiple of 3), and each full block becomes one base64 chunk.
   * Fewer, larger chunks cost less per byte (one token, one string, one output write each).
   */
  private base64Bytes(s: BinaryState, data: Buffer): void {
    if (data.length === 0) return;
    if (!s.opened) {
      s.opened = true;
      this.key('InlineBinary');
      this.emitJson({ name: 'startString' });
    }
    this.block ??= spareBlocks.pop() ?? Buffer.allocUnsafe(B64_BLOCK);
    let from = 0;
    while (from < data.length) {
      const n = Math.min(data.length - from, B64_BLOCK - s.fill);
      data.copy(this.block, s.fill, from, from + n);
      s.fill += n;
      from += n;
      if (s.fill === B64_BLOCK) this.base64Block(s);
    }
  }

  /**
   * The gathered bytes as one base64 chunk. Base64 text never needs JSON escaping, so it goes to the Stringer as a
   * `numberChunk`, which the Stringer writes as it is: a `stringChunk` is run through its escaping regular
   * expression, which took 40% of the encoder's time on a 900 MB value. The string itself is opened and closed with
   * startString/endString tokens as any other.
   */
  private base64Block(s: BinaryState): void {
    this.emitJson({ name: 'numberChunk', value: (this.block as Buffer).toString('base64', 0, s.fill) });
    s.fill = 0;
  }

  // ---- numbers, AT, SV/UV: value by value, a partial value carried -------------------------------------------

  private unitBytes(s: UnitState, data: Buffer): void {
    let d = data;
    if (s.carry) {
      d = Buffer.concat([s.carry, d]);
      s.carry = null;
    }
    const n = d.length - (d.length % s.width);
    for (let o = 0; o < n; o += s.width) {
      if (!s.opened) {
        s.opened = true;
        this.key('Value');
        this.emitJson({ name: 'startArray' });
      }
      this.unit(s.vr, d, o);
    }
    if (n < d.length) s.carry = Buffer.from(d.subarray(n));
  }

  private unit(vr: string, d: Buffer, o: number): void {
    switch (vr) {
      case 'US': return this.num(String(d.readUInt16LE(o)));
      case 'SS': return this.num(String(d.readInt16LE(o)));
      case 'UL': return this.num(String(d.readUInt32LE(o)));
      case 'SL': return this.num(String(d.readInt32LE(o)));
      case 'FL': return this.float(d.readFloatLE(o));
      case 'FD': return this.float(d.readDoubleLE(o));
      case 'SV': return this.str(d.readBigInt64LE(o).toString());
      case 'UV': return this.str(d.readBigUInt64LE(o).toString());
      case 'AT': {
        const tag = ((d.readUInt16LE(o) << 16) | d.readUInt16LE(o + 2)) >>> 0;
        return this.str(tag.toString(16).toUpperCase().padStart(8, '0'));
      }
    }
  }

  private float(v: number): void {
    if (Number.isFinite(v)) this.num(Object.is(v, -0) ? '-0' : String(v));
    else this.str(Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
  }

  // ---- strings: split on backslash, padding trimmed, streamed unless the VR needs the whole value ---------------

  private text(s: TextState, chunk: string): void {
    if (s.capture !== null) s.capture += chunk;
    let from = 0;
    for (;;) {
      const bs = s.multi ? chunk.indexOf('\\', from) : -1;
      const piece = chunk.slice(from, bs < 0 ? chunk.length : bs);
      this.textPiece(s, piece);
      if (bs < 0) return;
      this.endTextValue(s, false);
      from = bs + 1;
    }
  }

  private openValue(s: TextState): void {
    if (s.opened) return;
    s.opened = true;
    this.key('Value');
    this.emitJson({ name: 'startArray' });
  }

  /** Adds text to the current value, holding back a run of possible trailing padding. */
  private textPiece(s: TextState, piece: string): void {
    let p = piece;
    if (s.atStart && s.trimLeading) p = p.replace(/^ +/, '');
    if (p.length === 0) return;
    if (s.whole) {
      s.acc += p;
      s.atStart = false;
      if (s.acc.length > SMALL_VALUE) {
        throw new DimseError('JSON_VALUE_TOO_LONG',
          `${formatTag(s.tag)} ${s.vr}: a value longer than ${SMALL_VALUE} characters, expected a short ${s.vr} value`, { tag: s.tag });
      }
      return;
    }
    let end = p.length;
    while (end > 0 && (p.charCodeAt(end - 1) === 0x20 || p.charCodeAt(end - 1) === 0)) end--;
    if (end === 0) {
      s.pad += p;
      if (s.pad.length > MAX_PADDING_RUN) {
        throw new DimseError('JSON_VALUE_TOO_LONG',
          `${formatTag(s.tag)} ${s.vr}: a run of more than ${MAX_PADDING_RUN} spaces/NULs in a value`, { tag: s.tag });
      }
      return;
    }
    if (!s.inString) {
      this.openValue(s);
      s.inString = true;
      this.emitJson({ name: 'startString' });
    }
    this.emitJson({ name: 'stringChunk', value: s.pad + p.slice(0, end) });
    s.pad = p.slice(end);
    s.atStart = false;
  }

  /** Ends the current value: at the end of the element (`last`) or at a backslash. */
  private endTextValue(s: TextState, last: boolean): void {
    const first = s.count === 0;
    s.count++;
    s.pad = '';
    s.atStart = true;
    if (s.inString) {
      s.inString = false;
      this.emitJson({ name: 'endString' });
      return;
    }
    if (s.whole) {
      const text = s.acc.replace(/[ \0]+$/, '');
      s.acc = '';
      if (text.length > 0 && this.wholeValue(s, text)) return;
    }
    // An empty value: null among several; an element whose only value is empty has no "Value" (F.2.5).
    if (last && first) return;
    this.openValue(s);
    this.emitJson({ name: 'nullValue' });
  }

  /** Writes a PN, DS or IS value; false if it is empty in JSON terms (a PN with no non-empty group). */
  private wholeValue(s: TextState, text: string): boolean {
    if (s.vr === 'PN') {
      const groups = text.split('=');
      const present = PN_GROUPS.filter((_, i) => (groups[i] ?? '') !== '');
      if (present.length === 0) return false;
      this.openValue(s);
      this.emitJson({ name: 'startObject' });
      PN_GROUPS.forEach((g, i) => {
        const v = groups[i] ?? '';
        if (v === '') return;
        this.key(g);
        this.str(v);
      });
      this.emitJson({ name: 'endObject' });
      return true;
    }
    this.openValue(s);
    if (JSON_NUMBER.test(text)) this.num(text);
    else this.str(text);
    return true;
  }

  // ---- bulk data files -------------------------------------------------------------------------------------------

  private bulkState(tag: number, expected: number, encapsulated: boolean): BulkState {
    const b = this.bulk as JsonBulkDataOptions;
    const name = `${this.bulkPrefix}-${++this.bulkCount}-${tag.toString(16).toUpperCase().padStart(8, '0')}.bin`;
    return { kind: 'bulk', tag, encapsulated, expected, file: null, path: join(resolvePath(b.directory), name), written: 0 };
  }

  private async bulkBytes(s: BulkState, data: Buffer): Promise<void> {
    if (data.length === 0) return;
    if (!s.file) await this.openBulk(s);
    const file = s.file as FileHandle;
    let result: { bytesWritten: number };
    try {
      result = await file.write(data, 0, data.length, null);
    } catch (e) {
      throw this.bulkError('JSON_BULK_WRITE', s, `cannot write ${s.path}: ${(e as Error).message}`, e);
    }
    if (result.bytesWritten !== data.length) {
      throw this.bulkError('JSON_BULK_SHORT_WRITE', s, `short write to ${s.path}: ${result.bytesWritten} of ${data.length} byte(s)`);
    }
    s.written += data.length;
  }

  private async openBulk(s: BulkState): Promise<void> {
    try {
      s.file = await open(s.path, 'wx'); // 'wx': a name clash is an error, never an overwrite
    } catch (e) {
      throw this.bulkError('JSON_BULK_WRITE', s, `cannot create ${s.path}: ${(e as Error).message}`, e);
    }
    this.bulkFiles.push(s.path);
    const b = this.bulk as JsonBulkDataOptions;
    const name = s.path.slice(resolvePath(b.directory).length + 1);
    this.key('BulkDataURI');
    this.str(b.uriFor ? b.uriFor(name, s.path) : pathToFileURL(s.path).href);
  }

  private async closeBulk(s: BulkState): Promise<void> {
    const file = s.file;
    if (!file) return; // nothing written: no value, as for an empty element
    s.file = null;
    try {
      await file.close();
    } catch (e) {
      throw this.bulkError('JSON_BULK_WRITE', s, `cannot close ${s.path}: ${(e as Error).message}`, e);
    }
    if (s.expected >= 0 && s.written !== s.expected) {
      throw this.bulkError('JSON_BULK_SHORT_WRITE', s, `${s.path}: wrote ${s.written} of ${s.expected} byte(s)`);
    }
  }

  private bulkError(code: ErrorCode, s: BulkState, message: string, cause?: unknown): DimseError {
    return new DimseError(code, `${formatTag(s.tag)} (input ${this.syntax.uid}): ${message}`, { tag: s.tag, file: s.path },
      cause === undefined ? undefined : { cause });
  }
}

/** Groups 0000 (command) and 0002 (file meta) are not part of a data set's JSON (PS3.18 F.2). */
function leftOut(tag: number): boolean {
  const group = tag >>> 16;
  return group === 0x0000 || group === 0x0002;
}

/** Encodes the tokens of one data set to its JSON line (the object and "\n"): for tests and small data sets. */
export async function datasetToJson(
  tokens: Iterable<DatasetToken> | AsyncIterable<DatasetToken>,
  options: DicomJsonEncoderOptions,
): Promise<string> {
  const encoder = new DicomJsonEncoder(options);
  const parts: Buffer[] = [];
  const source = Readable.from(tokens, { objectMode: true });
  source.on('error', (e) => encoder.destroy(e));
  source.pipe(encoder);
  for await (const chunk of encoder) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts).toString('utf8');
}
