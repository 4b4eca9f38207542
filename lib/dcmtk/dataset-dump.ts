/**
 * A small data set printed as DCMTK 3.6.7's DcmObject::print prints it (dcmdump's element lines, and the
 * "Request Identifiers:" block of movescu's log):
 *   (0008,0052) CS [STUDY]                                  #   6, 1 QueryRetrieveLevel
 * Line: 2 spaces per nesting level, tag, VR, the value text padded to 40, " # ", the length in 3, ",", the VM in 2,
 * " ", DCMTK's tag name. The per-VR value texts, the "..." truncation rules and the float formatting follow
 * dcmdata's print methods (dcbytstr, dcvrui, dcvrus..., dcvrfd/fl with OFStandard::ftoa, dcvrat, dcvrobow,
 * dcsequen, dcitem, dcpixseq).
 *
 * Truncation to 70 characters (PF_shortenLongTagValues) is what dcmdump does by default; movescu's log prints
 * with no flags, so the whole value: hence `shortenLongValues` defaults to false here.
 *
 * What DataElement cannot tell, and so is assumed: every sequence and item has an explicit length (its length
 * column is the encoded length in the data set's transfer syntax; DCMTK prints "u/l" and "undefined length" for
 * one read with undefined length). A private element is named from private.dic when its creator is known in its
 * item, as DCMTK does; otherwise "Unknown Tag & Data".
 */
import { formatTag } from '../errors';
import { ftoaG } from './ftoa';
import { itemContentLength, sequenceContentLength } from '../dataset/codec/encode';
import { lookupTag } from '../dataset/dictionary/dictionary';
import { PrivateCreators } from '../dataset/dictionary/private-dictionary';
import { isEncapsulated, isItems, type DataElement } from '../dataset/codec/element';
import { dcmtkUidName, uidEntry } from '../dataset/dictionary/uids';
import { isStringVr } from '../dataset/codec/vr';

/** DCM_OptPrintValueLength: the value column's width. */
const VALUE_COLUMN = 40;
/** DCM_OptPrintLineLength: the longest value text when long values are shortened. */
const LINE_LENGTH = 70;

export interface DumpOptions {
  /** dcmdump's default (-L); movescu's log does not shorten (false, the default here). */
  shortenLongValues?: boolean;
  /** Whether the data set is in explicit VR: it decides the length printed for sequences and items. Default true. */
  explicitVr?: boolean;
}

interface Ctx {
  shorten: boolean;
  explicitVr: boolean;
  out: string[];
}

/**
 * DCMTK's tag name: the dictionary keyword, "RETIRED_" before a retired one, as DCMTK's dicom.dic spells them; a
 * private element whose creator is known in its item: private.dic's name.
 */
function tagName(tag: number, creators?: PrivateCreators): string {
  const e = lookupTag(tag);
  if (!e) return creators?.lookup(tag)?.name ?? 'Unknown Tag & Data';
  return e.retired ? `RETIRED_${e.keyword}` : e.keyword;
}

/** The bytes of a value text: DCMTK counts bytes (strlen), and prints raw bytes. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** printInfoLineStart + text + printInfoLineEnd. `text` is already cut as the VR's printer cuts it. */
function infoLine(c: Ctx, level: number, tag: number, vr: string, text: string, printed: number, length: number | 'u/l', vm: number, name: string): void {
  const pad = printed < VALUE_COLUMN ? ' '.repeat(VALUE_COLUMN - printed) : '';
  const len = length === 'u/l' ? 'u/l' : String(length).padStart(3);
  c.out.push(`${'  '.repeat(level - 1)}${formatTag(tag)} ${vr} ${text}${pad} # ${len},${String(vm).padStart(2)} ${name}`);
}

/**
 * DcmObject::printInfoLine for a fixed info text ("(no value available)", "=CTImageStorage", ...): with shortening
 * on, a text longer than 70 is cut to 67 and "..." added.
 */
function fixedLine(c: Ctx, level: number, tag: number, vr: string, info: string, length: number | 'u/l', vm: number, name: string): void {
  let text = info;
  let printed = byteLength(info);
  if (printed > VALUE_COLUMN && c.shorten && printed > LINE_LENGTH) {
    text = `${cutBytes(info, LINE_LENGTH - 3)}...`;
    printed = LINE_LENGTH;
  }
  infoLine(c, level, tag, vr, text, printed, length, vm, name);
}

/** The first `n` bytes of a string (as text; a multi-byte character cut in two is dropped). */
function cutBytes(s: string, n: number): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= n ? s : b.subarray(0, n).toString('utf8').replace(/\uFFFD$/, '');
}

/** Value bytes as text: UTF-8 when they are valid UTF-8 (what a terminal shows for DCMTK's raw bytes), else Latin-1. */
function bytesAsText(b: Buffer): string {
  const s = b.toString('utf8');
  return Buffer.from(s, 'utf8').equals(b) ? s : b.toString('latin1');
}

/**
 * The string DcmByteString::getString returns: trailing padding characters removed (NUL for UI, space otherwise);
 * for UI every white-space character first (DcmUniqueIdentifier::makeMachineByteString).
 */
function machineString(vr: string, value: Buffer): Buffer {
  let b = value;
  if (vr === 'UI') b = Buffer.from([...b].filter((x) => !(x === 0x20 || (x >= 0x09 && x <= 0x0d))));
  const pad = vr === 'UI' ? 0x00 : 0x20;
  let n = b.length;
  while (n > 0 && b[n - 1] === pad) n--;
  return b.subarray(0, n);
}

/** LT, ST, UT, UR are one value whatever backslashes they hold (getVM overridden in dcvrlt etc.). */
const SINGLE_VALUE_STRINGS: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);

function stringLine(c: Ctx, level: number, el: DataElement, value: Buffer, name: string): void {
  const s = machineString(el.vr, value);
  if (s.length === 0) {
    fixedLine(c, level, el.tag, el.vr, '(no value available)', value.length, 0, name);
    return;
  }
  const vm = SINGLE_VALUE_STRINGS.has(el.vr) ? 1 : s.filter((x) => x === 0x5c).length + 1;
  const text = bytesAsText(s);
  if (el.vr === 'UI') {
    // DcmUniqueIdentifier::print: a UID DCMTK knows is printed as "=" and its name.
    const uidName = dcmtkUidName(text);
    if (uidName !== text && uidName !== '') {
      fixedLine(c, level, el.tag, el.vr, `=${uidName}`, value.length, vm, name);
      return;
    }
  }
  // DcmByteString::print: "[value]"; shortened, at most 70 characters: "[" + 66 + "...".
  let printed = s.length + 2;
  let shown = `[${text}]`;
  if (c.shorten && printed > LINE_LENGTH) {
    shown = `[${bytesAsText(s.subarray(0, LINE_LENGTH - 4))}...`;
    printed = LINE_LENGTH;
  }
  infoLine(c, level, el.tag, el.vr, shown, printed, value.length, vm, name);
}

/**
 * The per-value printers of US, SS, UL, SL, UV, SV, FL, FD (and OF, OD, OL, OV): values joined by "\"; shortened,
 * a value is printed only if it fits in 70 and, unless it is the last, leaves room for "...".
 */
function numbersLine(c: Ctx, level: number, el: DataElement, texts: string[], length: number, vm: number, name: string): void {
  const max = c.shorten ? LINE_LENGTH : Number.POSITIVE_INFINITY;
  let printed = 0;
  let shown = '';
  for (let i = 0; i < texts.length; i++) {
    const piece = i === 0 ? (texts[i] as string) : `\\${texts[i] as string}`;
    const next = printed + piece.length;
    if (next <= max && (i + 1 === texts.length || next + 3 <= max)) {
      shown += piece;
      printed = next;
    } else {
      if (i + 1 < texts.length) {
        shown += '...';
        printed += 3;
      }
      break;
    }
  }
  infoLine(c, level, el.tag, el.vr, shown, printed, length, vm, name);
}

/**
 * Hex printers of OB/UN (2 digits per byte), OW (4 per word) and AT ("(gggg,eeee)"): all values, or, shortened
 * and longer than 70, as many as fit in 67 followed by "...".
 */
function hexLine(c: Ctx, level: number, el: DataElement, texts: string[], width: number, length: number, vm: number, name: string): void {
  const count = texts.length;
  const expected = count * (width + 1) - 1;
  const printCount = c.shorten && expected > LINE_LENGTH ? Math.floor((LINE_LENGTH - 3 + 1) / (width + 1)) : count;
  let shown = texts.slice(0, printCount).join('\\');
  let printed = printCount * (width + 1) - 1;
  if (printCount < count) {
    shown += '...';
    printed += 3;
  }
  infoLine(c, level, el.tag, el.vr, shown, printed, length, vm, name);
}

type Reader = (b: Buffer, o: number) => string;

const NUMBER_VRS: Readonly<Record<string, { width: number; read: Reader; vmIsOne?: boolean }>> = {
  US: { width: 2, read: (b, o) => String(b.readUInt16LE(o)) },
  SS: { width: 2, read: (b, o) => String(b.readInt16LE(o)) },
  UL: { width: 4, read: (b, o) => String(b.readUInt32LE(o)) },
  SL: { width: 4, read: (b, o) => String(b.readInt32LE(o)) },
  UV: { width: 8, read: (b, o) => String(b.readBigUInt64LE(o)) },
  SV: { width: 8, read: (b, o) => String(b.readBigInt64LE(o)) },
  FL: { width: 4, read: (b, o) => ftoaG(b.readFloatLE(o), 9) },
  FD: { width: 8, read: (b, o) => ftoaG(b.readDoubleLE(o), 17) },
  // The "other" VRs print as their element VR does, but their VM is always 1 (dcvrof.cc etc.).
  xs: { width: 2, read: (b, o) => String(b.readUInt16LE(o)) },
  up: { width: 4, read: (b, o) => String(b.readUInt32LE(o)) },
  OF: { width: 4, read: (b, o) => ftoaG(b.readFloatLE(o), 9), vmIsOne: true },
  OD: { width: 8, read: (b, o) => ftoaG(b.readDoubleLE(o), 17), vmIsOne: true },
  OL: { width: 4, read: (b, o) => String(b.readUInt32LE(o)), vmIsOne: true },
  OV: { width: 8, read: (b, o) => String(b.readBigUInt64LE(o)), vmIsOne: true },
};

function valueLine(c: Ctx, level: number, el: DataElement, raw: Buffer, name = tagName(el.tag)): void {
  // DcmElement::newValueField: an odd-length value read from a stream gets a NUL byte and an even length.
  const value = raw.length % 2 === 1 ? Buffer.concat([raw, Buffer.alloc(1)]) : raw;
  const vr = el.vr;
  if (isStringVr(vr)) {
    stringLine(c, level, el, value, name);
    return;
  }
  const num = NUMBER_VRS[vr];
  if (num) {
    const count = Math.floor(value.length / num.width);
    if (value.length === 0) fixedLine(c, level, el.tag, vr, '(no value available)', 0, num.vmIsOne ? 1 : 0, name);
    else if (count === 0) fixedLine(c, level, el.tag, vr, '(invalid value)', value.length, num.vmIsOne ? 1 : 0, name);
    else {
      const texts: string[] = [];
      for (let i = 0; i < count; i++) texts.push(num.read(value, i * num.width));
      numbersLine(c, level, el, texts, value.length, num.vmIsOne ? 1 : count, name);
    }
    return;
  }
  if (vr === 'AT') {
    const count = Math.floor(value.length / 4);
    if (count === 0) {
      fixedLine(c, level, el.tag, vr, '(no value available)', value.length, 0, name);
      return;
    }
    const texts: string[] = [];
    for (let i = 0; i < count; i++) {
      const g = value.readUInt16LE(i * 4).toString(16).padStart(4, '0');
      const e = value.readUInt16LE(i * 4 + 2).toString(16).padStart(4, '0');
      texts.push(`(${g},${e})`);
    }
    hexLine(c, level, el, texts, 11, value.length, count, name);
    return;
  }
  // OB, OW, UN, ox, lt and anything unrecognised: hex, VM always 1 (DcmOtherByteOtherWord).
  const words = vr === 'OW' || vr === 'lt';
  const width = words ? 4 : 2;
  const count = words ? Math.floor(value.length / 2) : value.length;
  if (value.length === 0) {
    fixedLine(c, level, el.tag, vr, '(no value available)', 0, 1, name);
  } else if (count === 0) {
    fixedLine(c, level, el.tag, vr, '(invalid value)', value.length, 1, name);
  } else {
    const texts: string[] = [];
    for (let i = 0; i < count; i++) {
      texts.push((words ? value.readUInt16LE(i * 2) : (value[i] as number)).toString(16).padStart(width, '0'));
    }
    hexLine(c, level, el, texts, width, value.length, 1, name);
  }
}


/** dicom.dic's "up" tags (DICOMDIR offsets): DCMTK keeps that VR name even when the file says UL. */
const UP_TAGS: ReadonlySet<number> = new Set([0x00041200, 0x00041202, 0x00041400, 0x00041420, 0x00041504]);

/**
 * The VR name DCMTK prints. In implicit VR an element takes its dictionary VR, and for the tags dicom.dic gives
 * several VRs that is DCMTK's internal code: "xs" (US or SS, printed as US), "lt" (US, SS or OW, printed as OW),
 * "ox" (OB or OW, printed as OB); Pixel Data becomes OW; a tag no dictionary knows (public, or private.dic under
 * its creator) is "??" (printed as OB).
 */
function printedVr(el: DataElement, explicitVr: boolean, creators: PrivateCreators): string {
  if (el.vr === 'UL' && UP_TAGS.has(el.tag)) return 'up';
  if (explicitVr) return el.vr;
  const entry = lookupTag(el.tag);
  // A private element private.dic lists as UN is UN; one no dictionary knows is "??".
  if (!entry) return el.vr === 'UN' && !creators.lookup(el.tag) ? '??' : el.vr;
  const vrs = entry.vrs.join('|');
  if (vrs === 'US|SS') return 'xs';
  if (vrs === 'US|SS|OW') return 'lt';
  if (vrs === 'OB|OW') return el.tag === 0x7fe00010 ? 'OW' : 'ox';
  return el.vr;
}

const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;

function dumpList(c: Ctx, elements: readonly DataElement[], level: number): void {
  // Each data set and item has its own private creators (DCMTK's DcmPrivateTagCache is per item).
  const creators = new PrivateCreators();
  for (const el of elements) {
    if (isItems(el.value)) {
      const items = el.value;
      fixedLine(c, level, el.tag, el.vr, `(Sequence with explicit length #=${items.length})`, sequenceContentLength(items, { explicitVr: c.explicitVr, littleEndian: true }), 1, tagName(el.tag, creators));
      for (const item of items) {
        fixedLine(c, level + 1, ITEM, 'na', `(Item with explicit length #=${item.length})`, itemContentLength(item, { explicitVr: c.explicitVr, littleEndian: true }), 1, 'Item');
        dumpList(c, item, level + 2);
        fixedLine(c, level + 1, ITEM_DELIMITATION, 'na', '(ItemDelimitationItem for re-encoding)', 0, 0, 'ItemDelimitationItem');
      }
      fixedLine(c, level, SEQUENCE_DELIMITATION, 'na', '(SequenceDelimitationItem for re-encod.)', 0, 0, 'SequenceDelimitationItem');
    } else if (isEncapsulated(el.value)) {
      // DcmPixelSequence: always read with undefined length; its items print as OB values with VR "pi".
      const frags = el.value.fragments;
      fixedLine(c, level, el.tag, el.vr, `(PixelSequence #=${frags.length})`, 'u/l', 1, tagName(el.tag, creators));
      for (const f of frags) valueLine(c, level + 1, { tag: ITEM, vr: 'pi', value: f }, f);
      fixedLine(c, level, SEQUENCE_DELIMITATION, 'na', '(SequenceDelimitationItem)', 0, 0, 'SequenceDelimitationItem');
    } else {
      const vr = printedVr(el, c.explicitVr, creators);
      valueLine(c, level, vr === el.vr ? el : { ...el, vr }, el.value, tagName(el.tag, creators));
      if (isStringVr(el.vr)) creators.reserve(el.tag, el.value);
    }
  }
}

/** The element lines alone (dcmdump's, without its header lines), one string per line. */
export function dumpElementLines(elements: readonly DataElement[], options: DumpOptions = {}): string[] {
  const c: Ctx = { shorten: options.shortenLongValues ?? false, explicitVr: options.explicitVr ?? true, out: [] };
  dumpList(c, elements, 1);
  return c.out;
}

/**
 * DcmDataset::print as movescu logs it after "Request Identifiers:": an empty line, "# Dicom-Data-Set",
 * "# Used TransferSyntax: <DcmXfer name>", the elements, each line ending in a newline.
 */
export function dumpDataset(elements: readonly DataElement[], transferSyntaxName = 'Little Endian Explicit', options: DumpOptions = {}): string {
  const explicitVr = options.explicitVr ?? transferSyntaxName !== 'Little Endian Implicit';
  const lines = dumpElementLines(elements, { ...options, explicitVr });
  return ['', '# Dicom-Data-Set', `# Used TransferSyntax: ${transferSyntaxName}`, ...lines, ''].join('\n');
}

/** DcmXfer's name of a transfer syntax ("Little Endian Implicit", ...), as "# Used TransferSyntax:" prints it. */
export function transferSyntaxName(uid: string): string {
  const e = uidEntry(uid);
  return e && e.type === 'Transfer Syntax' ? e.name : 'Unknown Transfer Syntax';
}
