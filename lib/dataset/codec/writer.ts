/**
 * DatasetWriter: DatasetTokens in, dataset bytes out, re-encoded the way DCMTK 3.6.7 writes a dataset it has read
 * (DcmDataset::write after computeGroupLengthAndPadding), so that a converted object is byte for byte the one
 * DCMTK's movescu / dcmconv would write with the same output options.
 *
 * Memory stays bounded: top-level elements are written as they arrive and large values (pixel data) pass through
 * in chunks. Only what needs a length before its content is held:
 * - one top-level sequence at a time (explicit lengths, group lengths and item padding inside it need its size);
 * - with group lengths (+g, or +g= on a group that has one), the current top-level group; a large value in such a
 *   group is not held: its length is known from its header, and it is taken to be the last element of its group
 *   (pixel data is, in practice); an element of the same group after it is refused (WRITER_GROUP_LENGTH_UNKNOWN);
 * - character-string values, whole (DCMTK may shorten them, see fixString, so their length is known only at the end);
 * - encapsulated pixel data inside a group whose length is needed (its length is the sum of its fragments).
 *
 * What DCMTK changes while it reads and writes, reproduced here (measured with dcmconv, see the tests):
 * - odd lengths: strings get a NUL then lose trailing padding (fixString); OB and UN get a NUL pad byte; OW and the
 *   fixed-size binary VRs keep their odd length (DcmOtherByteOtherWord::alignValue skips OW);
 * - undefined-length UN (CP-246) is written as SQ, its items re-encoded in the output syntax;
 * - VRs from the dictionary (implicit input, items of UN sequences): 'US or SS' and 'OB or OW' are resolved as
 *   DcmItem::checkAndUpdateVR and DcmVR::getValidEVR do (Pixel Representation, Waveform Bits Allocated);
 * - -u: UN UT UC UR OF OD OL OV SV UV are written as OB (values still swapped as their own VR);
 * - a value over 64 KiB in a VR with a 16-bit length is written as UN (OB with -u);
 * - (FFFC,FFFC) padding is always removed, then recreated with +p; group lengths removed / created / recomputed.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DimseError, formatTag } from '../../errors';
import { lookupKeyword, lookupTag } from '../dictionary/dictionary';
import { elementHeader, itemHeader } from './encode';
import {
  ITEM_DELIMITATION_TAG,
  ITEM_TAG,
  PIXEL_DATA_TAG,
  SEQUENCE_DELIMITATION_TAG,
  UNDEFINED_LENGTH,
  type DatasetToken,
} from './tokens';
import { normalizeUid, transferSyntaxInfo, type DatasetSyntax } from './transfer-syntax';
import { hasLongLength, isStringVr, swapCopy, swapWidth, type Vr } from './vr';
import type { ErrorCode } from '../../error-codes';

export interface WriteOptions {
  /** Output transfer syntax UID: one of the four uncompressed ones, or the input's own (encapsulated) syntax. */
  transferSyntax: string;
  /** +g= (recalc, DCMTK's default), +g (create), -g (remove). */
  groupLength: 'recalc' | 'create' | 'remove';
  /** +e (explicit, default) / -e (undefined) lengths of sequences and items. */
  sequenceLength: 'explicit' | 'undefined';
  /** +p f i: align the file on f bytes and items on i bytes; absent = -p (no padding, existing padding removed). */
  padding?: { file: number; item: number };
  /** +u (true, default) / -u (false: the post-1993 VRs are written as OB). */
  enableNewVr: boolean;
  /** +cl 0..9 (default 6), for deflated output (used by convertDataset; the writer itself never deflates). */
  compressionLevel: number;
  /** Bytes in the file before the dataset (preamble, "DICM", meta group): +p f aligns the whole file, as DCMTK. */
  fileOffset?: number;
}

export interface DatasetWriterOptions extends WriteOptions {
  /** The tokens' VRs come from the dictionary (implicit VR input): resolve multi-VR tags as DCMTK does. */
  implicitInput?: boolean;
  /** Transfer syntax of the input: encapsulated pixel data is only written back into this same syntax. */
  inputTransferSyntax?: string;
  /** Values longer than this are streamed through instead of held (default 256 KiB). */
  maxHeldValue?: number;
  /** File name for errors. */
  file?: string;
}

const DEFAULT_MAX_HELD_VALUE = 256 * 1024;
const PADDING_TAG = 0xfffcfffc;

/** DcmVR::getValidEVR with the generation of post-1993 VRs disabled (-u): all of these become OB. */
const NEW_VRS: ReadonlySet<string> = new Set(['UN', 'UT', 'UC', 'UR', 'OF', 'OD', 'OL', 'OV', 'SV', 'UV']);

function tagsOf(...keywords: string[]): ReadonlySet<number> {
  const out = new Set<number>();
  for (const k of keywords) {
    const e = lookupKeyword(k);
    if (e) out.add(e.tag);
  }
  return out;
}

/** Tags DcmItem::checkAndUpdateVR resolves from another element of the same item (looked up once, at import). */
const SPECIAL_TAGS: { xs: ReadonlySet<number>; waveform: ReadonlySet<number>; pixelRep: number; waveBits: number } = {
  xs: tagsOf('PixelPaddingValue', 'PixelPaddingRangeLimit', 'HistogramFirstBinValue', 'HistogramLastBinValue',
    'ZeroVelocityPixelValue', 'SmallestImagePixelValue', 'LargestImagePixelValue', 'SmallestPixelValueInSeries',
    'LargestPixelValueInSeries', 'LUTDescriptor', 'RealWorldValueLastValueMapped', 'RealWorldValueFirstValueMapped'),
  waveform: tagsOf('WaveformData', 'WaveformPaddingValue', 'ChannelMinimumValue', 'ChannelMaximumValue'),
  pixelRep: lookupKeyword('PixelRepresentation')?.tag ?? 0x00280103,
  waveBits: lookupKeyword('WaveformBitsAllocated')?.tag ?? 0x54001004,
};


/** What an item knows that decides the VR of a later element of the same item (implicit input only). */
interface VrContext {
  inferred: boolean;
  pixelRep?: number;
  waveBits?: number;
}

/** The VR DCMTK gives an element read in implicit VR whose dictionary entry allows several. */
function resolveInferredVr(tag: number, vr: Vr, ctx: VrContext): Vr {
  const vrs = lookupTag(tag)?.vrs;
  if (!vrs || vrs.length < 2) return vr;
  const s = SPECIAL_TAGS;
  if (vrs.length === 2 && vrs.includes('OB') && vrs.includes('OW')) {
    if (tag === PIXEL_DATA_TAG || ((tag & 0xff00ffff) >>> 0) === 0x60003000) return 'OW';
    if (s.waveform.has(tag) && ctx.waveBits !== undefined) return ctx.waveBits === 8 ? 'OB' : 'OW';
    return 'OB'; // 'ox' left unresolved: getValidEVR writes OB
  }
  if (vrs.length === 2 && vrs.includes('US') && vrs.includes('SS')) {
    return s.xs.has(tag) && ctx.pixelRep === 1 ? 'SS' : 'US';
  }
  if (vrs.includes('OW')) return 'OW'; // 'lt' (US, SS or OW): getValidEVR writes OW
  return vr;
}

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/**
 * A character-string value as DCMTK writes it back: an odd value is first read with a NUL added
 * (DcmByteString::newValueField), then trailing padding is stripped (makeMachineByteString: spaces; for UI, NULs
 * after all white space anywhere was removed) and an odd result gets one padding character (makeDicomByteString).
 */
export function fixString(value: Buffer, vr: string): Buffer {
  let d = value.length % 2 === 1 ? Buffer.concat([value, Buffer.of(0)]) : value;
  let n = d.length;
  let pad = 0x20;
  if (vr === 'UI') {
    pad = 0x00;
    if (d.some(isSpace)) d = Buffer.from(d.filter((b) => !isSpace(b)));
    n = d.length;
  }
  while (n > 0 && d[n - 1] === pad) n--;
  if (n % 2 === 1) return Buffer.concat([d.subarray(0, n), Buffer.of(pad)]);
  return n === d.length ? d : d.subarray(0, n);
}

interface ElementNode {
  kind: 'element';
  tag: number;
  /** The VR the value is (swapped as); the VR written may differ (-u, long values). */
  vr: Vr;
  /** Output bytes (fixed, padded, in the output byte order). */
  data: Buffer;
}

interface ItemNode {
  nodes: Node[];
}

interface SequenceNode {
  kind: 'sequence';
  tag: number;
  items: ItemNode[];
}

interface EncapsulatedNode {
  kind: 'encapsulated';
  tag: number;
  vr: 'OB' | 'OW';
  fragments: Buffer[];
}

type Node = ElementNode | SequenceNode | EncapsulatedNode;

/** A sequence, item or encapsulated pixel data being held (built) until its end. */
type BuildFrame =
  | { kind: 'sequence'; node: SequenceNode; childInferred: boolean }
  | { kind: 'item'; item: ItemNode; ctx: VrContext }
  | { kind: 'encapsulated'; node: EncapsulatedNode };

interface CurrentValue {
  tag: number;
  vr: Vr;
  /** Held parts (null: streamed through). */
  parts: Buffer[] | null;
  skip: boolean;
  fragment: boolean;
  /** Streaming: bytes of a unit split across chunks, waiting to be swapped. */
  carry: Buffer | null;
  /** Streaming: the value had an odd length and gets a NUL pad byte at its end. */
  padOdd: boolean;
  /** Streaming: size of the units swapped for big endian (0: none). */
  swap: number;
  oddSeen: number;
}

/**
 * The synchronous core of the writer: write() tokens, end() at the end; output bytes go to `out` as they are ready.
 * Errors are thrown as DimseError. DatasetWriter wraps it in a Transform; convertBuffer (convert.ts) runs it directly
 * on an object held in memory, without a stream per object.
 */
export class DatasetEncoder {
  private readonly syntax: DatasetSyntax;
  private readonly undefinedLengths: boolean;
  private readonly groupMode: WriteOptions['groupLength'];
  private readonly filePad: number;
  private readonly itemPad: number;
  private readonly enableNewVr: boolean;
  private readonly fileOffset: number;
  private readonly maxHeld: number;
  private readonly outEncapsulated: boolean;
  private readonly outUid: string;
  private readonly inUid: string | null;
  private readonly file: string | undefined;

  private readonly build: BuildFrame[] = [];
  /** The top-level sequence or encapsulated pixel data being built (the root of `build`). */
  private cur: CurrentValue | null = null;
  private readonly top: VrContext;
  /** Top-level group bookkeeping for group lengths. */
  private group = -1;
  private groupNodes: Node[] | null = null;
  private groupHadLength = false;
  private sealedGroup = -1;
  private streamingEncapsulated = false;
  private written = 0;
  private anyEntry = false;
  private lastOffset = 0;
  private lastTag = 0;
  private held = 0;
  private peak = 0;

  constructor(options: DatasetWriterOptions, private readonly out: (data: Buffer) => void) {
    const ts = transferSyntaxInfo(options.transferSyntax);
    this.syntax = { explicitVr: ts.explicitVr, littleEndian: ts.littleEndian };
    this.outEncapsulated = ts.encapsulated;
    this.outUid = ts.uid;
    this.inUid = options.inputTransferSyntax !== undefined ? normalizeUid(options.inputTransferSyntax) : null;
    this.undefinedLengths = options.sequenceLength === 'undefined';
    this.groupMode = options.groupLength;
    this.filePad = options.padding?.file ?? 0;
    this.itemPad = options.padding?.item ?? 0;
    this.enableNewVr = options.enableNewVr;
    this.fileOffset = options.fileOffset ?? 0;
    this.maxHeld = options.maxHeldValue ?? DEFAULT_MAX_HELD_VALUE;
    this.file = options.file;
    this.top = { inferred: options.implicitInput ?? false };
    for (const p of [this.filePad, this.itemPad]) {
      if (!Number.isInteger(p) || p < 0 || p % 2 === 1 || p > 0xffffffff) {
        throw new DimseError('WRITER_BAD_OPTION', `padding ${p} must be an even number of bytes (DCMTK: EC_IllegalCall)`,
          { offset: 0, file: options.file });
      }
    }
  }

  /** Value bytes held right now (values of held sequences, groups and strings). */
  get heldBytes(): number {
    return this.held;
  }

  /** The most value bytes ever held at once: what the memory bound is about. */
  get peakHeldBytes(): number {
    return this.peak;
  }

  /** Dataset bytes written so far (before any deflate). */
  get bytesWritten(): number {
    return this.written;
  }

  write(token: DatasetToken): void {
    this.token(token);
  }

  /** The end of the token stream: the last group length and the dataset padding are written. */
  end(): void {
    if (this.cur || this.build.length > 0 || this.streamingEncapsulated) {
      throw this.error('WRITER_TRUNCATED', 'token stream ended inside an element, sequence or pixel data: expected its end token');
    }
    this.flushGroup(0);
    this.datasetPadding();
  }

  private error(code: ErrorCode, message: string, tag = this.lastTag): DimseError {
    const where = this.file ? `${this.file}: ` : '';
    return new DimseError(code, `${where}${message} (${formatTag(tag)}, at input offset ${this.lastOffset})`,
      { tag, offset: this.lastOffset, file: this.file });
  }

  private send(buf: Buffer): void {
    if (buf.length === 0) return;
    this.written += buf.length;
    this.out(buf);
  }

  private hold(n: number): void {
    this.held += n;
    if (this.held > this.peak) this.peak = this.held;
  }

  private token(t: DatasetToken): void {
    if ('offset' in t) this.lastOffset = t.offset;
    switch (t.type) {
      case 'element':
        this.lastTag = t.tag;
        return this.element(t.tag, t.vr, t.length);
      case 'value':
        return this.value(t.data);
      case 'elementEnd':
        return this.elementEnd(false);
      case 'sequenceStart':
        this.lastTag = t.tag;
        return this.sequenceStart(t.tag, t.vr);
      case 'itemStart':
        return this.itemStart();
      case 'itemEnd':
        return this.itemEnd();
      case 'sequenceEnd':
        return this.sequenceEnd();
      case 'encapsulatedStart':
        this.lastTag = t.tag;
        return this.encapsulatedStart(t.tag, t.vr);
      case 'fragmentStart':
        return this.fragmentStart(t.length);
      case 'fragmentEnd':
        return this.elementEnd(true);
      case 'encapsulatedEnd':
        return this.encapsulatedEnd();
    }
  }

  private inner(): BuildFrame | undefined {
    return this.build[this.build.length - 1];
  }

  private expectNoValue(what: string): void {
    if (this.cur) throw this.error('WRITER_BAD_TOKEN', `${what} inside the value of ${formatTag(this.cur.tag)}: expected its end`);
  }

  /** The context an element's VR is resolved in: the innermost item, or the dataset. */
  private context(): VrContext {
    const f = this.inner();
    if (!f) return this.top;
    if (f.kind !== 'item') throw this.error('WRITER_BAD_TOKEN', `data element directly inside a ${f.kind}: expected an item`);
    return f.ctx;
  }

  /** Whether an element is dropped: old padding always, group lengths unless they are recalculated. */
  private dropped(tag: number): boolean {
    return tag === PADDING_TAG || ((tag & 0xffff) === 0 && this.groupMode !== 'recalc');
  }

  private element(tag: number, vr0: Vr, length: number): void {
    this.expectNoValue('element');
    const ctx = this.context();
    const vr = ctx.inferred ? resolveInferredVr(tag, vr0, ctx) : vr0;
    const skip = this.dropped(tag);
    const cur: CurrentValue = { tag, vr, parts: [], skip, fragment: false, carry: null, padOdd: false, swap: 0, oddSeen: 0 };
    this.cur = cur;
    if (skip) return;
    if (tag === PIXEL_DATA_TAG && this.outEncapsulated) {
      throw this.error('WRITER_CANNOT_CHANGE_REPRESENTATION',
        `Pixel representation cannot be changed: native pixel data cannot be written in ${this.outUid} (no codec)`);
    }
    if (this.build.length > 0) return;
    this.topEntry(tag);
    // A large value is streamed through: never strings (their length is only known at their end).
    if (length > this.maxHeld && !isStringVr(vr)) {
      cur.parts = null;
      cur.padOdd = length % 2 === 1 && (vr === 'OB' || vr === 'UN');
      const outLen = length + (cur.padOdd ? 1 : 0);
      const outVr = this.outVr(vr, outLen);
      cur.swap = this.swapOf(outVr);
      const header = elementHeader(tag, outVr, outLen, this.syntax);
      if (this.groupNodes !== null) {
        // Its length is known now: close the group's length as if it were the group's last element.
        this.flushGroup(header.length + outLen);
        this.sealedGroup = tag >>> 16;
      }
      this.send(header);
    }
  }

  private value(data: Buffer): void {
    const cur = this.cur;
    if (!cur) throw this.error('WRITER_BAD_TOKEN', 'value token outside an element or fragment');
    if (cur.skip) return;
    if (cur.parts) {
      cur.parts.push(data);
      this.hold(data.length);
      return;
    }
    // Streamed: swap whole units for big endian, keeping a unit split across tokens for the next one.
    cur.oddSeen += data.length;
    const w = cur.swap;
    if (w <= 1) {
      this.send(data);
      return;
    }
    const d = cur.carry ? Buffer.concat([cur.carry, data]) : data;
    const n = d.length - (d.length % w);
    if (n > 0) this.send(swapCopy(d.subarray(0, n), w));
    cur.carry = n < d.length ? Buffer.from(d.subarray(n)) : null;
  }

  private elementEnd(fragment: boolean): void {
    const cur = this.cur;
    if (!cur || cur.fragment !== fragment) {
      throw this.error('WRITER_BAD_TOKEN', `${fragment ? 'fragmentEnd' : 'elementEnd'} without its start token`);
    }
    this.cur = null;
    if (cur.skip) return;
    if (!cur.parts) {
      if (cur.carry) this.send(cur.carry); // a trailing partial unit is written as it is (DCMTK does the same)
      if (cur.padOdd || (fragment && cur.oddSeen % 2 === 1)) this.send(Buffer.of(0));
      return;
    }
    const raw = cur.parts.length === 1 ? (cur.parts[0] as Buffer) : Buffer.concat(cur.parts);
    if (fragment) {
      const data = raw.length % 2 === 1 ? Buffer.concat([raw, Buffer.of(0)]) : raw;
      const f = this.inner();
      if (f?.kind === 'encapsulated') f.node.fragments.push(data);
      return;
    }
    const data = this.outputValue(cur.tag, cur.vr, raw);
    const node: ElementNode = { kind: 'element', tag: cur.tag, vr: cur.vr, data };
    const ctx = this.context();
    if (ctx.inferred && raw.length >= 2) {
      // DcmItem::checkAndUpdateVR looks these up in the same item for later elements.
      const s = SPECIAL_TAGS;
      if (cur.tag === s.pixelRep) ctx.pixelRep = raw.readUInt16LE(0);
      else if (cur.tag === s.waveBits) ctx.waveBits = raw.readUInt16LE(0);
    }
    const f = this.inner();
    if (f?.kind === 'item') {
      f.item.nodes.push(node);
      return;
    }
    this.topNode(node);
  }

  /** A value as DCMTK writes it: strings fixed, OB/UN padded to even with NUL, binary VRs swapped for BE. */
  private outputValue(tag: number, vr: Vr, raw: Buffer): Buffer {
    let d = raw;
    if (isStringVr(vr)) d = fixString(d, vr);
    else if ((vr === 'OB' || vr === 'UN') && d.length % 2 === 1) d = Buffer.concat([d, Buffer.of(0)]);
    const w = this.swapOf(this.outVr(vr, d.length));
    if (w > 1) d = swapCopy(d, w);
    return d;
  }

  /**
   * Size of the units a value is swapped in (the tokens are little endian): none for little endian output, the VR
   * written's for big endian (with -u an OF written as OB is not swapped: dcmconv -u +tb). An OB value is never
   * swapped, whatever its element: OB Pixel or Overlay Data read from big endian and written in implicit VR (where
   * DCMTK relabels it OW) keeps its bytes (DcmPolymorphOBOW::write marks it little endian as it is), as DCMTK's
   * movescu writes it. dcmconv swaps an odd-length one read from a file (a quirk of its file reader, not of a
   * received data set).
   */
  private swapOf(outVr: string): number {
    return this.syntax.littleEndian ? 0 : swapWidth(outVr);
  }

  /** The VR written in the header (explicit VR). */
  private outVr(vr: string, length: number): string {
    let v = vr;
    if (!this.enableNewVr && NEW_VRS.has(v)) v = 'OB';
    if (length > 0xffff && !hasLongLength(v)) v = this.enableNewVr ? 'UN' : 'OB'; // DcmObject::writeTagAndLength
    return v;
  }

  // ---- top level: groups, streaming ----

  /** A top-level entry starts: close the previous group, start holding this one if its length is needed. */
  private topEntry(tag: number): void {
    const group = tag >>> 16;
    if (group === this.sealedGroup) {
      throw this.error('WRITER_GROUP_LENGTH_UNKNOWN',
        `${formatTag(tag)} follows a large streamed value of the same group: the group length written before that ` +
        `value did not count it (held values are limited to ${this.maxHeld} bytes)`, tag);
    }
    if (group !== this.group) {
      this.flushGroup(0);
      this.group = group;
      this.sealedGroup = -1;
      const hasLength = (tag & 0xffff) === 0;
      if (this.groupMode === 'create' || (this.groupMode === 'recalc' && hasLength)) {
        this.groupNodes = [];
        this.groupHadLength = hasLength;
      }
    }
    this.anyEntry = true;
  }

  /** A complete top-level entry: held with its group, or written now. */
  private topNode(node: Node): void {
    if (node.kind === 'element' && (node.tag & 0xffff) === 0 && this.groupNodes !== null && this.groupNodes.length === 0
      && this.groupHadLength) {
      return; // the group's own length element: rewritten with the computed value when the group ends
    }
    if (this.groupNodes !== null) {
      this.groupNodes.push(node);
      return;
    }
    const out: Buffer[] = [];
    this.serialize(node, out);
    this.send(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    this.held = 0;
  }

  /** Writes the held group with its length element first; `extra` is a streamed element that follows it. */
  private flushGroup(extra: number): void {
    const nodes = this.groupNodes;
    if (nodes === null) return;
    this.groupNodes = null;
    const out: Buffer[] = [];
    if (this.groupMode === 'create' || this.groupHadLength) {
      const length = nodes.reduce((n, x) => n + this.lengthOf(x), 0) + extra;
      out.push(elementHeader(((this.group << 16) | 0) >>> 0, 'UL', 4, this.syntax), this.u32(length));
    }
    for (const n of nodes) this.serialize(n, out);
    this.send(Buffer.concat(out));
    this.held = 0;
  }

  private datasetPadding(): void {
    if (this.filePad === 0 || !this.anyEntry) return;
    // DcmItem::computeGroupLengthAndPadding: the whole file (meta included) up to here, then the element's size.
    const pad = this.paddingElement(this.filePad, (this.fileOffset + this.written) % this.filePad);
    if (pad) {
      const out: Buffer[] = [];
      this.serialize(pad, out);
      this.send(Buffer.concat(out));
    }
  }

  /** The (FFFC,FFFC) element that brings a length (mod padlen) to a multiple of padlen, or null. */
  private paddingElement(padlen: number, remainder: number): ElementNode | null {
    let padding = padlen - remainder;
    if (padding === padlen) return null;
    const header = this.syntax.explicitVr ? 12 : 8;
    while (header > padding) padding += padlen;
    // An odd size (only after an odd-length OW) gets one more byte: the OB value is aligned when written
    // (DcmOtherByteOtherWord::alignValue), so the file ends one byte past the boundary, as with dcmconv.
    const size = padding - header;
    return { kind: 'element', tag: PADDING_TAG, vr: 'OB', data: Buffer.alloc(size + (size % 2)) };
  }

  private u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.syntax.littleEndian) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }

  // ---- sequences and encapsulated pixel data ----

  private sequenceStart(tag: number, vr: 'SQ' | 'UN'): void {
    this.expectNoValue('sequence');
    const parent = this.inner();
    let inferred: boolean;
    if (!parent) {
      this.topEntry(tag);
      inferred = this.top.inferred;
    } else if (parent.kind === 'item') {
      inferred = parent.ctx.inferred;
    } else {
      throw this.error('WRITER_BAD_TOKEN', `sequence ${formatTag(tag)} directly inside a ${parent.kind}: expected an item`, tag);
    }
    // CP-246: the items of an undefined-length UN are implicit VR (their VRs came from the dictionary).
    const node: SequenceNode = { kind: 'sequence', tag, items: [] };
    this.build.push({ kind: 'sequence', node, childInferred: inferred || vr === 'UN' });
  }

  private itemStart(): void {
    this.expectNoValue('item');
    const f = this.inner();
    if (f?.kind !== 'sequence') throw this.error('WRITER_BAD_TOKEN', 'item outside a sequence');
    const item: ItemNode = { nodes: [] };
    f.node.items.push(item);
    this.build.push({ kind: 'item', item, ctx: { inferred: f.childInferred } });
  }

  private itemEnd(): void {
    this.expectNoValue('itemEnd');
    if (this.inner()?.kind !== 'item') throw this.error('WRITER_BAD_TOKEN', 'itemEnd without an open item');
    this.build.pop();
  }

  private sequenceEnd(): void {
    this.expectNoValue('sequenceEnd');
    const f = this.inner();
    if (f?.kind !== 'sequence') throw this.error('WRITER_BAD_TOKEN', 'sequenceEnd without an open sequence');
    this.build.pop();
    const parent = this.inner();
    if (parent?.kind === 'item') {
      parent.item.nodes.push(f.node);
      return;
    }
    // A complete top-level sequence: compute its items' group lengths and padding now, once.
    for (const it of f.node.items) it.nodes = this.prepareItem(it.nodes, this.itemPad);
    this.topNode(f.node);
  }

  private encapsulatedStart(tag: number, receivedVr: 'OB' | 'OW'): void {
    this.expectNoValue('pixel data');
    // PS3.5 A.4: encapsulated pixel data is OB. DCMTK reads an OW one as OB (with a warning) and writes OB.
    const vr = receivedVr === 'OW' ? 'OB' : receivedVr;
    if (!this.outEncapsulated || (this.inUid !== null && this.inUid !== this.outUid)) {
      throw this.error('WRITER_CANNOT_CHANGE_REPRESENTATION',
        `Pixel representation cannot be changed: no conversion of encapsulated pixel data ` +
        `${this.inUid ? `from ${this.inUid} ` : ''}to transfer syntax ${this.outUid} possible`, tag);
    }
    const parent = this.inner();
    if (parent) {
      if (parent.kind !== 'item') throw this.error('WRITER_BAD_TOKEN', 'pixel data directly inside a sequence', tag);
      this.build.push({ kind: 'encapsulated', node: { kind: 'encapsulated', tag, vr, fragments: [] } });
      return;
    }
    this.topEntry(tag);
    if (this.groupNodes !== null) {
      // Its group length needs the sum of its fragments: held (the one case that holds pixel data).
      this.build.push({ kind: 'encapsulated', node: { kind: 'encapsulated', tag, vr, fragments: [] } });
      return;
    }
    this.streamingEncapsulated = true;
    this.send(elementHeader(tag, vr, UNDEFINED_LENGTH, this.syntax));
  }

  private fragmentStart(length: number): void {
    this.expectNoValue('fragment');
    const f = this.inner();
    const cur: CurrentValue = { tag: this.lastTag, vr: 'OB', parts: [], skip: false, fragment: true, carry: null, padOdd: false, swap: 0, oddSeen: 0 };
    if (f?.kind === 'encapsulated') {
      this.cur = cur;
      return;
    }
    if (!this.streamingEncapsulated || f) throw this.error('WRITER_BAD_TOKEN', 'fragment outside encapsulated pixel data');
    cur.parts = null;
    this.cur = cur;
    this.send(itemHeader(ITEM_TAG, length + (length % 2), this.syntax));
  }

  private encapsulatedEnd(): void {
    this.expectNoValue('encapsulatedEnd');
    const f = this.inner();
    if (f?.kind === 'encapsulated') {
      this.build.pop();
      const parent = this.inner();
      if (parent?.kind === 'item') parent.item.nodes.push(f.node);
      else this.topNode(f.node);
      return;
    }
    if (!this.streamingEncapsulated) throw this.error('WRITER_BAD_TOKEN', 'encapsulatedEnd without its start');
    this.streamingEncapsulated = false;
    this.send(itemHeader(SEQUENCE_DELIMITATION_TAG, 0, this.syntax));
  }

  // ---- held structures: group lengths, padding, lengths, bytes ----

  /**
   * An item's elements as DCMTK writes them (DcmItem::computeGroupLengthAndPadding): nested items first, then a
   * group length at the start of each group (created, or recomputed where there was one), then item padding.
   */
  private prepareItem(nodes: Node[], padlen: number): Node[] {
    const out: Node[] = [];
    let lastGroup = -1;
    let gl: ElementNode | null = null;
    let length = 0;
    const close = (): void => {
      if (gl) gl.data = this.u32(length);
    };
    for (const n of nodes) {
      if (n.kind === 'sequence') for (const it of n.items) it.nodes = this.prepareItem(it.nodes, this.itemPad);
      if (this.groupMode !== 'remove') {
        const group = n.tag >>> 16;
        if (group !== lastGroup) {
          close();
          gl = null;
          length = 0;
          if (n.kind === 'element' && (n.tag & 0xffff) === 0) {
            gl = { kind: 'element', tag: n.tag, vr: 'UL', data: this.u32(0) };
            out.push(gl);
            lastGroup = group;
            continue;
          }
          if (this.groupMode === 'create') {
            gl = { kind: 'element', tag: ((group << 16) | 0) >>> 0, vr: 'UL', data: this.u32(0) };
            out.push(gl);
            length += this.lengthOf(n);
          }
          lastGroup = group;
        } else {
          length += this.lengthOf(n);
        }
      }
      out.push(n);
    }
    close();
    if (padlen > 0 && nodes.length > 0) {
      const total = out.reduce((s, x) => s + this.lengthOf(x), 0);
      const pad = this.paddingElement(padlen, total % padlen);
      if (pad) out.push(pad);
    }
    return out;
  }

  private headerLength(vr: string, length: number): number {
    return !this.syntax.explicitVr ? 8 : hasLongLength(this.outVr(vr, length)) ? 12 : 8;
  }

  private itemContentLength(it: ItemNode): number {
    return it.nodes.reduce((s, x) => s + this.lengthOf(x), 0);
  }

  private lengthOf(n: Node): number {
    switch (n.kind) {
      case 'element':
        return this.headerLength(n.vr, n.data.length) + n.data.length;
      case 'sequence': {
        const extra = this.undefinedLengths ? 8 : 0;
        const items = n.items.reduce((s, it) => s + 8 + this.itemContentLength(it) + extra, 0);
        return (this.syntax.explicitVr ? 12 : 8) + items + extra;
      }
      case 'encapsulated':
        return (this.syntax.explicitVr ? 12 : 8) + n.fragments.reduce((s, f) => s + 8 + f.length, 0) + 8;
    }
  }

  private serialize(n: Node, out: Buffer[]): void {
    const s = this.syntax;
    switch (n.kind) {
      case 'element':
        out.push(elementHeader(n.tag, this.outVr(n.vr, n.data.length), n.data.length, s), n.data);
        return;
      case 'sequence': {
        const u = this.undefinedLengths;
        const items = n.items.map((it) => this.itemContentLength(it));
        const length = u ? UNDEFINED_LENGTH : items.reduce((a, l) => a + 8 + l, 0);
        out.push(elementHeader(n.tag, 'SQ', length, s));
        n.items.forEach((it, i) => {
          out.push(itemHeader(ITEM_TAG, u ? UNDEFINED_LENGTH : (items[i] as number), s));
          for (const x of it.nodes) this.serialize(x, out);
          if (u) out.push(itemHeader(ITEM_DELIMITATION_TAG, 0, s));
        });
        if (u) out.push(itemHeader(SEQUENCE_DELIMITATION_TAG, 0, s));
        return;
      }
      case 'encapsulated':
        out.push(elementHeader(n.tag, n.vr, UNDEFINED_LENGTH, s));
        for (const f of n.fragments) out.push(itemHeader(ITEM_TAG, f.length, s), f);
        out.push(itemHeader(SEQUENCE_DELIMITATION_TAG, 0, s));
        return;
    }
  }
}

/** DatasetEncoder as a stream: DatasetTokens in (object mode), dataset bytes out. */
export class DatasetWriter extends Transform {
  private readonly encoder: DatasetEncoder;

  constructor(options: DatasetWriterOptions) {
    // Few tokens queued: each value token may keep a whole socket chunk alive (see the tokenizer).
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 16 });
    this.encoder = new DatasetEncoder(options, (b) => this.push(b));
  }

  /** Value bytes held right now (values of held sequences, groups and strings). */
  get heldBytes(): number {
    return this.encoder.heldBytes;
  }

  /** The most value bytes ever held at once: what the memory bound is about. */
  get peakHeldBytes(): number {
    return this.encoder.peakHeldBytes;
  }

  /** Dataset bytes written so far (before any deflate). */
  get bytesWritten(): number {
    return this.encoder.bytesWritten;
  }

  override _transform(token: DatasetToken, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.encoder.write(token);
      callback();
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.encoder.end();
      callback();
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
