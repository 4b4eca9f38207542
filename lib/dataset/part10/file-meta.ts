/**
 * The DICOM Part 10 header (PS3.10 7.1): 128-byte preamble, "DICM", group 0002 in explicit VR little endian.
 *
 * encodeFileMeta writes it as DCMTK 3.6.7's storescp/movescu do: zero preamble; (0002,0000) UL group length;
 * (0002,0001) OB 00\01; (0002,0002), (0002,0003), (0002,0010), (0002,0012) UI padded with NUL; (0002,0013) SH
 * padded with a space; then the optional (0002,0016) AE etc. in tag order.
 *
 * parseFileMeta / readFileMeta read it as DCMTK's DcmFileFormat does (dcmdata dcmetinf.cc, dcitem.cc):
 * - "DICM" at offset 128 means a preamble; otherwise the file starts at offset 0 (no preamble).
 * - group 0002 follows if the next two bytes are 02 00 or 00 02; its byte order and VR encoding are guessed
 *   from the first 6 bytes (DcmItem::checkTransferSyntax, see detectSyntax). If (0002,0000) is present the meta
 *   ends where it says; otherwise it ends at the first element of another group.
 * - the dataset's transfer syntax is (0002,0010); without meta (or without (0002,0010)) it is guessed from the
 *   first 6 bytes of the dataset, with the same detectSyntax.
 */
import { explicitVrAt, headerSize, valueLengthAt, writeElementHeader } from '../codec/element-header';
import { Readable } from 'node:stream';
import { DimseError, formatTag } from '../../errors';
import { lookupTag } from '../dictionary/dictionary';
import type { DataElement } from '../codec/element';
import { UNDEFINED_LENGTH } from '../codec/tokens';
import {
  EXPLICIT_BE,
  EXPLICIT_LE,
  normalizeUid,
  transferSyntaxInfo,
  uidOfSyntax,
  type DatasetSyntax,
  type TransferSyntaxInfo,
} from '../codec/transfer-syntax';
import { bytesToString, padValue, paddedLength, writeString } from '../codec/values';
import { isVr, swapCopy, swapWidth } from '../codec/vr';
import { implicitVr } from '../codec/tokenizer';

export const PREAMBLE_LENGTH = 128;
export const DICM = Buffer.from('DICM', 'latin1');

export interface FileMetaInput {
  mediaStorageSopClassUid: string;
  mediaStorageSopInstanceUid: string;
  transferSyntaxUid: string;
  implementationClassUid: string;
  implementationVersionName: string;
  /** (0002,0016): DCMTK's storescp writes the calling AE title; movescu without +B writes none. */
  sourceApplicationEntityTitle?: string;
  sendingApplicationEntityTitle?: string;
  receivingApplicationEntityTitle?: string;
  privateInformationCreatorUid?: string;
  privateInformation?: Buffer;
  /** 128 bytes; zeros by default (as DCMTK writes). */
  preamble?: Buffer;
}

/** The inputs that are strings. */
type StringInput = { [K in keyof FileMetaInput]-?: FileMetaInput[K] extends string | undefined ? K : never }[keyof FileMetaInput];

/** The string elements of group 0002 in tag order, and the input each takes its value from. */
const META_STRINGS: readonly { tag: number; vr: string; key: StringInput }[] = [
  { tag: 0x00020002, vr: 'UI', key: 'mediaStorageSopClassUid' },
  { tag: 0x00020003, vr: 'UI', key: 'mediaStorageSopInstanceUid' },
  { tag: 0x00020010, vr: 'UI', key: 'transferSyntaxUid' },
  { tag: 0x00020012, vr: 'UI', key: 'implementationClassUid' },
  { tag: 0x00020013, vr: 'SH', key: 'implementationVersionName' },
  { tag: 0x00020016, vr: 'AE', key: 'sourceApplicationEntityTitle' },
  { tag: 0x00020017, vr: 'AE', key: 'sendingApplicationEntityTitle' },
  { tag: 0x00020018, vr: 'AE', key: 'receivingApplicationEntityTitle' },
  { tag: 0x00020100, vr: 'UI', key: 'privateInformationCreatorUid' },
];

export function encodeFileMeta(meta: FileMetaInput): Buffer {
  // Each value is encoded in place in one buffer: this runs once per received object, where values made apart and
  // copied cost more than the rest of a small image's fast path.
  const preamble = meta.preamble ?? null;
  if (preamble && preamble.length !== PREAMBLE_LENGTH) {
    throw new DimseError('META_BAD_PREAMBLE', `preamble must be ${PREAMBLE_LENGTH} bytes, not ${preamble.length}`, {});
  }
  const privateInformation = meta.privateInformation ? padValue(meta.privateInformation, 'OB') : null;
  let groupLength = headerSize(EXPLICIT_LE, 'OB') + META_VERSION.length;
  for (const { vr, key } of META_STRINGS) {
    const v = meta[key];
    if (v !== undefined) groupLength += headerSize(EXPLICIT_LE, vr) + paddedLength(v);
  }
  if (privateInformation) groupLength += headerSize(EXPLICIT_LE, 'OB') + privateInformation.length;
  const out = Buffer.alloc(PREAMBLE_LENGTH + 4 + 12 + groupLength);
  if (preamble) preamble.copy(out, 0);
  let p = PREAMBLE_LENGTH;
  p += DICM.copy(out, p);
  p = writeElementHeader(out, p, 0x00020000, 'UL', 4, EXPLICIT_LE);
  p = out.writeUInt32LE(groupLength, p);
  p = writeElementHeader(out, p, 0x00020001, 'OB', META_VERSION.length, EXPLICIT_LE);
  p += META_VERSION.copy(out, p);
  for (const { tag, vr, key } of META_STRINGS) {
    const v = meta[key];
    if (v === undefined) continue;
    p = writeElementHeader(out, p, tag, vr, paddedLength(v), EXPLICIT_LE);
    p = writeString(out, p, v, vr);
  }
  if (privateInformation) {
    p = writeElementHeader(out, p, 0x00020102, 'OB', privateInformation.length, EXPLICIT_LE);
    privateInformation.copy(out, p);
  }
  return out;
}

const META_VERSION = Buffer.of(0x00, 0x01);

export interface FileMeta {
  /** The 128 preamble bytes, or null if the file has none. */
  preamble: Buffer | null;
  /** Whether a group 0002 was found. */
  hasMeta: boolean;
  /** Group 0002 as read (values little endian), including (0002,0000) if present. */
  elements: DataElement[];
  mediaStorageSopClassUid?: string;
  mediaStorageSopInstanceUid?: string;
  implementationClassUid?: string;
  implementationVersionName?: string;
  sourceApplicationEntityTitle?: string;
  /** The dataset's transfer syntax: (0002,0010), or the guessed one; null for implicit VR big endian. */
  transferSyntaxUid: string | null;
  /** How to read the dataset (from the UID, or guessed). */
  syntax: DatasetSyntax;
  transferSyntax: TransferSyntaxInfo | null;
  /** True if the dataset's syntax was guessed from its first bytes (no meta, or meta without (0002,0010)). */
  guessed: boolean;
  /** Byte offset where the dataset starts. */
  datasetOffset: number;
}

/** Tags DCMTK's dictionary knows, the test of DcmItem::checkTransferSyntax (with its generic entries). */
function knownTag(tag: number): boolean {
  if (lookupTag(tag) !== undefined) return true;
  const g = tag >>> 16;
  const e = tag & 0xffff;
  if (e === 0) return true; // GenericGroupLength
  return (g & 1) === 1 && e >= 0x10 && e <= 0xff; // PrivateCreator
}

/**
 * DCMTK's DcmItem::checkTransferSyntax: from the first 6 bytes (tag and what would be an explicit VR), guess
 * implicit or explicit VR and little or big endian. A tag is "valid" if the dictionary knows it in that byte
 * order; a VR is valid if both bytes are letters naming a standard VR. With fewer than 6 bytes: explicit LE.
 */
export function detectSyntax(bytes: Buffer): DatasetSyntax {
  if (bytes.length < 6) return EXPLICIT_LE;
  const littleTag = ((bytes.readUInt16LE(0) << 16) | bytes.readUInt16LE(2)) >>> 0;
  const bigTag = ((bytes.readUInt16BE(0) << 16) | bytes.readUInt16BE(2)) >>> 0;
  const littleOk = knownTag(littleTag);
  const bigOk = knownTag(bigTag);
  const vr = bytes.toString('latin1', 4, 6);
  const explicitVr = /^[A-Za-z]{2}$/.test(vr) && isVr(vr);
  let littleEndian: boolean;
  if (!littleOk && !bigOk) littleEndian = true;
  else if (!littleOk) littleEndian = false;
  else if (!bigOk) littleEndian = true;
  // Both valid: group 0008 is likelier than 0800 as a first tag.
  else littleEndian = !((littleTag >>> 16) > 0xff && (bigTag >>> 16) <= 0xff);
  return explicitVr ? (littleEndian ? EXPLICIT_LE : EXPLICIT_BE) : { explicitVr: false, littleEndian };
}

export interface ParseFileMetaOptions {
  /** No more bytes will come: decide with what there is instead of asking for more. */
  final?: boolean;
  file?: string;
}

/**
 * Parses the Part 10 header at the start of `head`. Returns null if more bytes are needed (unless final), else
 * the meta and where the dataset starts. Throws a DimseError for a meta group that cannot be read.
 */
export function parseFileMeta(head: Buffer, options: ParseFileMetaOptions = {}): FileMeta | null {
  const final = options.final ?? false;
  const file = options.file;
  if (head.length < PREAMBLE_LENGTH + 4 && !final) return null;
  const hasPreamble = head.length >= PREAMBLE_LENGTH + 4 && head.subarray(PREAMBLE_LENGTH, PREAMBLE_LENGTH + 4).equals(DICM);
  const start = hasPreamble ? PREAMBLE_LENGTH + 4 : 0;
  if (head.length < start + 6 && !final) return null;
  const metaSyntax = detectSyntax(head.subarray(start, start + 6));
  const isMetaTag = (at: number): boolean =>
    head.length >= at + 2 && ((head[at] === 0x02 && head[at + 1] === 0x00) || (head[at] === 0x00 && head[at + 1] === 0x02));

  const elements: DataElement[] = [];
  let pos = start;
  let metaEnd = -1;
  const hasMeta = isMetaTag(start);
  if (hasMeta) {
    for (;;) {
      if (metaEnd >= 0 ? pos >= metaEnd : !isMetaTag(pos)) {
        if (metaEnd < 0 && head.length < pos + 2 && !final) return null;
        break;
      }
      const el = readMetaElement(head, pos, metaSyntax, final, file);
      if (el === null) return null;
      if (el.element.tag === 0x00020000 && elements.length === 0 && el.element.value instanceof Buffer && el.element.value.length >= 4) {
        metaEnd = el.next + el.element.value.readUInt32LE(0);
      }
      elements.push(el.element);
      pos = el.next;
    }
  }
  const text = (tag: number, vr: string): string | undefined => {
    const el = elements.find((e) => e.tag === tag);
    return el && el.value instanceof Buffer ? bytesToString(el.value, vr) : undefined;
  };
  const tsText = text(0x00020010, 'UI');
  const declared = tsText !== undefined && normalizeUid(tsText) !== '' ? normalizeUid(tsText) : null;
  if (declared === null && head.length < pos + 6 && !final) return null;
  const info = declared !== null ? transferSyntaxInfo(declared) : null;
  const syntax = info ?? detectSyntax(head.subarray(pos, pos + 6));
  const meta: FileMeta = {
    preamble: hasPreamble ? Buffer.from(head.subarray(0, PREAMBLE_LENGTH)) : null,
    hasMeta,
    elements,
    transferSyntaxUid: declared ?? uidOfSyntax(syntax),
    syntax: { explicitVr: syntax.explicitVr, littleEndian: syntax.littleEndian },
    transferSyntax: info ?? (uidOfSyntax(syntax) !== null ? transferSyntaxInfo(uidOfSyntax(syntax) as string) : null),
    guessed: declared === null,
    datasetOffset: pos,
  };
  const set = (key: 'mediaStorageSopClassUid' | 'mediaStorageSopInstanceUid' | 'implementationClassUid' | 'implementationVersionName' | 'sourceApplicationEntityTitle', tag: number, vr: string): void => {
    const v = text(tag, vr);
    if (v !== undefined) meta[key] = v;
  };
  set('mediaStorageSopClassUid', 0x00020002, 'UI');
  set('mediaStorageSopInstanceUid', 0x00020003, 'UI');
  set('implementationClassUid', 0x00020012, 'UI');
  set('implementationVersionName', 0x00020013, 'SH');
  set('sourceApplicationEntityTitle', 0x00020016, 'AE');
  return meta;
}

function readMetaElement(
  head: Buffer,
  pos: number,
  syntax: DatasetSyntax,
  final: boolean,
  file: string | undefined,
): { element: DataElement; next: number } | null {
  const where = file ? `${file}: ` : '';
  const truncated = (tag: number, what: string): DimseError =>
    new DimseError('META_TRUNCATED', `${where}file meta information ends inside ${what} (at offset ${pos})`, { tag, offset: pos, file });
  if (head.length < pos + 8) {
    if (final) throw truncated(0, 'an element header');
    return null;
  }
  const le = syntax.littleEndian;
  const tag = (((le ? head.readUInt16LE(pos) : head.readUInt16BE(pos)) << 16) | (le ? head.readUInt16LE(pos + 2) : head.readUInt16BE(pos + 2))) >>> 0;
  const vr = syntax.explicitVr ? explicitVrAt(head, pos) : implicitVr(tag);
  if (!isVr(vr)) {
    throw new DimseError('META_BAD_VR', `${where}invalid VR in file meta element ${formatTag(tag)} (at offset ${pos})`, { tag, offset: pos, file });
  }
  const size = headerSize(syntax, vr);
  if (head.length < pos + size) {
    if (final) throw truncated(tag, `the header of ${formatTag(tag)}`);
    return null;
  }
  const length = valueLengthAt(head, pos, syntax, vr);
  if (length === UNDEFINED_LENGTH) {
    throw new DimseError('META_UNDEFINED_LENGTH', `${where}file meta element ${formatTag(tag)} has an undefined length (at offset ${pos})`, { tag, offset: pos, file });
  }
  const end = pos + size + length;
  if (head.length < end) {
    if (final) throw truncated(tag, `the value of ${formatTag(tag)} (length ${length})`);
    return null;
  }
  let value: Buffer = Buffer.from(head.subarray(pos + size, end));
  if (!le && swapWidth(vr) > 0) value = swapCopy(value, swapWidth(vr));
  return { element: { tag, vr, value }, next: end };
}

export interface ReadFileMetaOptions {
  file?: string;
  /** Refuse a header longer than this (default 1 MiB): the meta group is small, a hostile one need not be. */
  maxHeaderBytes?: number;
}

/**
 * Reads the Part 10 header from a stream. Returns the meta and `body`, a stream of the dataset bytes (what was
 * read past the header, then the rest of `source`).
 */
export function readFileMeta(source: Readable, options: ReadFileMetaOptions = {}): Promise<{ meta: FileMeta; body: Readable }> {
  const max = options.maxHeaderBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let length = 0;
    const cleanup = (): void => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const attempt = (final: boolean): boolean => {
      let meta: FileMeta | null;
      const head = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
      parts.length = 0;
      parts.push(head);
      try {
        meta = parseFileMeta(head, { final, file: options.file });
      } catch (e) {
        cleanup();
        reject(e);
        return true;
      }
      if (meta === null) {
        if (length > max) {
          cleanup();
          reject(new DimseError('META_TOO_LARGE', `${options.file ? `${options.file}: ` : ''}file meta information longer than ${max} bytes`, { file: options.file }));
          return true;
        }
        return false;
      }
      cleanup();
      const rest = head.subarray(meta.datasetOffset);
      const ended = final;
      async function* body(): AsyncGenerator<Buffer> {
        if (rest.length > 0) yield rest;
        if (!ended) for await (const c of source) yield c as Buffer;
      }
      resolve({ meta, body: Readable.from(body(), { objectMode: false }) });
      return true;
    };
    const onReadable = (): void => {
      let c: Buffer | null;
      while ((c = source.read() as Buffer | null) !== null) {
        parts.push(c);
        length += c.length;
        if (attempt(false)) return;
      }
    };
    const onEnd = (): void => {
      attempt(true);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    source.on('readable', onReadable);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}

