/**
 * A small, non-streaming encoder for SMALL datasets (query identifiers, command-like datasets, test fixtures).
 * Objects of any size go through the streaming writer instead. Elements are written sorted by tag, odd values
 * padded per VR, binary values swapped for big endian, sequences and items with explicit lengths by default.
 */
import { deflateRawSync } from 'node:zlib';
import { DimseError, formatTag } from '../../errors';
import { isEncapsulated, isItems, type DataElement } from './element';
import { ITEM_DELIMITATION_TAG, ITEM_TAG, SEQUENCE_DELIMITATION_TAG, UNDEFINED_LENGTH } from './tokens';
import { IMPLICIT_LE, transferSyntaxInfo, type DatasetSyntax } from './transfer-syntax';
import { headerSize, writeElementHeader } from './element-header';
import { padValue } from './values';
import { hasLongLength, isVr, swapCopy, swapWidth } from './vr';

export interface EncodeOptions {
  /** Length encoding of sequences (default 'explicit'). Undefined-length UN sequences are always undefined. */
  sequenceLength?: 'explicit' | 'undefined';
  /** Length encoding of items (default 'explicit'). */
  itemLength?: 'explicit' | 'undefined';
  /** Deflate the result when the transfer syntax is deflated (default true). */
  deflate?: boolean;
}

export function encodeDataset(
  elements: readonly DataElement[],
  transferSyntax: string | DatasetSyntax,
  options: EncodeOptions = {},
): Buffer {
  const ts = typeof transferSyntax === 'string' ? transferSyntaxInfo(transferSyntax) : null;
  const syntax: DatasetSyntax = ts ?? (transferSyntax as DatasetSyntax);
  const parts: Buffer[] = [];
  encodeList(elements, syntax, options, parts);
  const body = Buffer.concat(parts);
  return ts?.deflated && options.deflate !== false ? deflateRawSync(body) : body;
}

function encodeList(elements: readonly DataElement[], syntax: DatasetSyntax, options: EncodeOptions, out: Buffer[]): void {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (const el of sorted) encodeElement(el, syntax, options, out);
}

function encodeElement(el: DataElement, syntax: DatasetSyntax, options: EncodeOptions, out: Buffer[]): void {
  const { tag, vr } = el;
  if (!isVr(vr)) throw new DimseError('ENCODE_BAD_VR', `${formatTag(tag)}: cannot encode VR "${vr}"`, { tag });
  const value = el.value;
  if (isItems(value)) {
    if (vr !== 'SQ' && vr !== 'UN') {
      throw new DimseError('ENCODE_BAD_VALUE', `${formatTag(tag)} ${vr}: items are only allowed for SQ (or UN)`, { tag });
    }
    // PS3.5 6.2.2: a UN sequence is undefined length with implicit VR LE content, or it reads back as bytes.
    const inner = vr === 'UN' ? IMPLICIT_LE : syntax;
    const undefinedSeq = vr === 'UN' || options.sequenceLength === 'undefined';
    const undefinedItem = options.itemLength === 'undefined';
    const body: Buffer[] = [];
    for (const item of value) {
      const content: Buffer[] = [];
      encodeList(item, inner, options, content);
      const len = content.reduce((n, b) => n + b.length, 0);
      body.push(itemHeader(ITEM_TAG, undefinedItem ? UNDEFINED_LENGTH : len, inner), ...content);
      if (undefinedItem) body.push(itemHeader(ITEM_DELIMITATION_TAG, 0, inner));
    }
    if (undefinedSeq) body.push(itemHeader(SEQUENCE_DELIMITATION_TAG, 0, inner));
    const len = body.reduce((n, b) => n + b.length, 0);
    out.push(elementHeader(tag, vr, undefinedSeq ? UNDEFINED_LENGTH : len, syntax), ...body);
    return;
  }
  if (isEncapsulated(value)) {
    if (vr !== 'OB' && vr !== 'OW') {
      throw new DimseError('ENCODE_BAD_VALUE', `${formatTag(tag)} ${vr}: fragments are only allowed for OB/OW pixel data`, { tag });
    }
    out.push(elementHeader(tag, vr, UNDEFINED_LENGTH, syntax));
    for (const f of value.fragments) {
      const data = padValue(f, 'OB');
      out.push(itemHeader(ITEM_TAG, data.length, syntax), data);
    }
    out.push(itemHeader(SEQUENCE_DELIMITATION_TAG, 0, syntax));
    return;
  }
  if (vr === 'SQ') throw new DimseError('ENCODE_BAD_VALUE', `${formatTag(tag)} SQ: value must be a list of items`, { tag });
  let data = padValue(value, vr);
  if (!syntax.littleEndian && swapWidth(vr) > 0) data = swapCopy(data, swapWidth(vr));
  if (syntax.explicitVr && !hasLongLength(vr) && data.length > 0xffff) {
    throw new DimseError('ENCODE_VALUE_TOO_LONG', `${formatTag(tag)} ${vr}: value of ${data.length} bytes does not fit a 16-bit length`, { tag });
  }
  out.push(elementHeader(tag, vr, data.length, syntax), data);
}

/**
 * Bytes `el` takes encoded with explicit lengths (header, padded value, items; a UN sequence counted as an SQ
 * one): what DCMTK's calcElementLength counts, and what its logs print in the length column.
 */
export function encodedLength(el: DataElement, syntax: DatasetSyntax): number {
  const value = el.value;
  const header = headerSize(syntax, el.vr);
  if (isItems(value)) return header + sequenceContentLength(value, syntax);
  if (isEncapsulated(value)) {
    // Undefined length: an item header per fragment (padded to even), then the sequence delimiter.
    return header + value.fragments.reduce((n, f) => n + ITEM_HEADER_SIZE + f.length + (f.length % 2), 0) + ITEM_HEADER_SIZE;
  }
  return header + value.length + (value.length % 2);
}

/** The explicit length of an item: its elements. */
export function itemContentLength(item: readonly DataElement[], syntax: DatasetSyntax): number {
  return item.reduce((n, e) => n + encodedLength(e, syntax), 0);
}

/** The explicit length of a sequence: its items, each with its header. */
export function sequenceContentLength(items: readonly (readonly DataElement[])[], syntax: DatasetSyntax): number {
  return items.reduce((n, item) => n + ITEM_HEADER_SIZE + itemContentLength(item, syntax), 0);
}

/** Item and delimitation headers: a tag and a 32-bit length (PS3.5 7.5). */
const ITEM_HEADER_SIZE = 8;

/** The header of a data element in the given syntax (PS3.5 7.1.1 / 7.1.2 / 7.1.3), as a Buffer of its own. */
export function elementHeader(tag: number, vr: string, length: number, syntax: DatasetSyntax): Buffer {
  const h = Buffer.alloc(headerSize(syntax, vr));
  writeElementHeader(h, 0, tag, vr, length, syntax);
  return h;
}

/** Item and delimitation item headers: tag and 32-bit length, never a VR. */
export function itemHeader(tag: number, length: number, syntax: DatasetSyntax): Buffer {
  const h = Buffer.alloc(8);
  // Laid out as an implicit VR element header in the syntax's byte order (PS3.5 7.5).
  writeElementHeader(h, 0, tag, '', length, { explicitVr: false, littleEndian: syntax.littleEndian });
  return h;
}
