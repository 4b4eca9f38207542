/**
 * PS3.7 section 6.3 / E.1: the command set, group 0000, always Implicit VR Little Endian, led by its group length.
 * Fields are named by their PS3.7 keywords; tags and VRs come from the generated dictionary, so this file holds
 * no table of its own.
 */
import { DimseError, formatTag } from '../errors';
import { lookupKeyword } from '../dataset/dictionary/dictionary';
import { headerSize, writeElementHeader } from '../dataset/codec/element-header';
import { IMPLICIT_LE } from '../dataset/codec/transfer-syntax';
import { paddedLength, writeString } from '../dataset/codec/values';

export interface Command {
  CommandField: number;
  MessageID?: number;
  MessageIDBeingRespondedTo?: number;
  AffectedSOPClassUID?: string;
  RequestedSOPClassUID?: string;
  AffectedSOPInstanceUID?: string;
  RequestedSOPInstanceUID?: string;
  MoveDestination?: string;
  Priority?: number;
  CommandDataSetType: number;
  Status?: number;
  OffendingElement?: number[];
  ErrorComment?: string;
  ErrorID?: number;
  NumberOfRemainingSuboperations?: number;
  NumberOfCompletedSuboperations?: number;
  NumberOfFailedSuboperations?: number;
  NumberOfWarningSuboperations?: number;
  MoveOriginatorApplicationEntityTitle?: string;
  MoveOriginatorMessageID?: number;
}

export type CommandKeyword = keyof Command;
type FieldValue = string | number | number[];

interface FieldSpec { keyword: CommandKeyword; tag: number; vr: string }

const KEYWORDS: CommandKeyword[] = [
  'CommandField', 'MessageID', 'MessageIDBeingRespondedTo', 'AffectedSOPClassUID', 'RequestedSOPClassUID',
  'AffectedSOPInstanceUID', 'RequestedSOPInstanceUID', 'MoveDestination', 'Priority', 'CommandDataSetType',
  'Status', 'OffendingElement', 'ErrorComment', 'ErrorID', 'NumberOfRemainingSuboperations',
  'NumberOfCompletedSuboperations', 'NumberOfFailedSuboperations', 'NumberOfWarningSuboperations',
  'MoveOriginatorApplicationEntityTitle', 'MoveOriginatorMessageID',
];

/** The command fields' tags and VRs from the dictionary, looked up once at import. */
const SPECS: { byKeyword: ReadonlyMap<CommandKeyword, FieldSpec>; byTag: ReadonlyMap<number, FieldSpec> } = (() => {
  const byKeyword = new Map<CommandKeyword, FieldSpec>();
  const byTag = new Map<number, FieldSpec>();
  for (const keyword of KEYWORDS) {
    const entry = lookupKeyword(keyword);
    if (!entry) throw new Error(`dictionary has no command field ${keyword}`);
    const spec: FieldSpec = { keyword, tag: entry.tag, vr: entry.vr };
    byKeyword.set(keyword, spec);
    byTag.set(entry.tag, spec);
  }
  return { byKeyword, byTag };
})();

/** The tag of a command field. */
export function commandTag(keyword: CommandKeyword): number {
  return (SPECS.byKeyword.get(keyword) as FieldSpec).tag;
}

/** A command field's value as the wire carries it (implicit VR little endian; strings padded as PS3.5 6.2 says). */
export function encodeFieldValue(vr: string, value: FieldValue): Buffer {
  const out = Buffer.allocUnsafe(fieldValueLength(vr, value));
  writeFieldValue(out, 0, vr, value);
  return out;
}

/** Bytes of a field's value as encodeFieldValue makes it (strings one byte per character, padded to even). */
function fieldValueLength(vr: string, value: FieldValue): number {
  switch (vr) {
    case 'US': return 2;
    case 'UL': return 4;
    case 'AT': return 4 * (value as number[]).length;
    default: return paddedLength(value as string, 'latin1');
  }
}

/**
 * Writes a field's value at out[o] (room for fieldValueLength bytes); returns the position after it. An integer
 * out of its VR's range is refused (RangeError), not wrapped.
 */
function writeFieldValue(out: Buffer, o: number, vr: string, value: FieldValue): number {
  switch (vr) {
    case 'US': return out.writeUInt16LE(value as number, o);
    case 'UL': return out.writeUInt32LE(value as number, o);
    case 'AT':
      for (const t of value as number[]) o = out.writeUInt16LE(t & 0xffff, out.writeUInt16LE(t >>> 16, o));
      return o;
    default: return writeString(out, o, value as string, vr, 'latin1');
  }
}

function decodeValue(vr: string, data: Buffer, tag: number, offset: number): FieldValue {
  const need = (n: number): void => {
    if (data.length % n !== 0 || data.length === 0) {
      throw new DimseError('DIMSE_BAD_COMMAND', `command element ${formatTag(tag)} ${vr} has length ${data.length}`, { tag, offset });
    }
  };
  switch (vr) {
    case 'US': need(2); return data.readUInt16LE(0);
    case 'UL': need(4); return data.readUInt32LE(0);
    case 'AT': {
      need(4);
      const out: number[] = [];
      for (let i = 0; i < data.length; i += 4) out.push(((data.readUInt16LE(i) << 16) | data.readUInt16LE(i + 2)) >>> 0);
      return out;
    }
    default: {
      // DCMTK's dcmdata removes every white-space character from a UID as it reads it (dcvrui.cc
      // makeMachineByteString, isspace: leading, embedded, trailing), then the NUL padding.
      if (vr === 'UI') return data.toString('latin1').replace(UID_SPACE, '').replace(/\0+$/, '');
      // Trailing NUL/space padding is not part of the value; leading spaces of an AE title are not significant.
      const s = data.toString('latin1').replace(/[\0 ]+$/, '');
      // DCMTK's command parser (dimcmd.cc getString) strips leading spaces too.
      return vr === 'AE' ? s.replace(/^ +/, '') : s;
    }
  }
}

/** The characters C's isspace() finds, which DCMTK removes from a UID. */
const UID_SPACE = /[\t\n\v\f\r ]/g;

/** The fields in tag order, the order a command set is written in. */
const IN_TAG_ORDER: readonly FieldSpec[] = [...SPECS.byKeyword.values()].sort((a, b) => a.tag - b.tag);

/** Encodes a command set, group length first, elements in tag order. */
export function encodeCommand(command: Command): Buffer {
  // Each value is written in place in one buffer (two passes over the fields, nothing made per field): every
  // received object is answered with one of these.
  let bodyLength = 0;
  for (const { keyword, vr } of IN_TAG_ORDER) {
    const value = command[keyword];
    if (value !== undefined) bodyLength += headerSize(IMPLICIT_LE, vr) + fieldValueLength(vr, value);
  }
  const out = Buffer.allocUnsafe(12 + bodyLength);
  let o = writeElementHeader(out, 0, 0x00000000, 'UL', 4, IMPLICIT_LE);
  o = out.writeUInt32LE(bodyLength, o);
  for (const { keyword, tag, vr } of IN_TAG_ORDER) {
    const value = command[keyword];
    if (value === undefined) continue;
    o = writeElementHeader(out, o, tag, vr, fieldValueLength(vr, value), IMPLICIT_LE);
    o = writeFieldValue(out, o, vr, value);
  }
  return out;
}

/**
 * Decodes a complete command set. Refuses anything that is not a well-formed group 0000 led by a group length
 * that matches: such a message cannot be trusted, and the caller aborts the association.
 */
export function decodeCommand(buf: Buffer): Command {
  return decodeCommandSet(buf).command;
}

/**
 * decodeCommand, and the UIDs (their tags, in the order received) from which it removed white space: DCMTK warns of
 * each as it reads the command (uid-spaces in lib/dcmtk renders the line).
 */
export function decodeCommandSet(buf: Buffer): { command: Command; uidsWithSpaces: number[] } {
  const uidsWithSpaces: number[] = [];
  if (buf.length < 12 || buf.readUInt16LE(0) !== 0 || buf.readUInt16LE(2) !== 0 || buf.readUInt32LE(4) !== 4) {
    throw new DimseError('DIMSE_BAD_COMMAND', 'command set does not start with (0000,0000) CommandGroupLength', { offset: 0 });
  }
  const groupLength = buf.readUInt32LE(8);
  if (groupLength !== buf.length - 12) {
    throw new DimseError(
      'DIMSE_BAD_GROUP_LENGTH',
      `command group length ${groupLength} does not match the ${buf.length - 12} bytes that follow it`,
      { tag: 0, offset: 8 },
    );
  }
  const { byTag } = SPECS;
  const out: Record<string, FieldValue> = {};
  let o = 12;
  while (o < buf.length) {
    if (o + 8 > buf.length) throw new DimseError('DIMSE_BAD_COMMAND', 'command element header runs past the end', { offset: o });
    const tag = ((buf.readUInt16LE(o) << 16) | buf.readUInt16LE(o + 2)) >>> 0;
    const length = buf.readUInt32LE(o + 4);
    if (tag >>> 16 !== 0) throw new DimseError('DIMSE_BAD_COMMAND', `element ${formatTag(tag)} is not in group 0000`, { tag, offset: o });
    if (o + 8 + length > buf.length) {
      throw new DimseError('DIMSE_BAD_COMMAND', `command element ${formatTag(tag)} length ${length} runs past the end`, { tag, offset: o });
    }
    const spec = byTag.get(tag);
    // Other group-0000 elements (retired ones, N-service fields) are not ours to interpret: skip them.
    if (spec) {
      const raw = buf.subarray(o + 8, o + 8 + length);
      out[spec.keyword] = decodeValue(spec.vr, raw, tag, o);
      if (spec.vr === 'UI' && /[\t\n\v\f\r ]/.test(raw.toString('latin1'))) uidsWithSpaces.push(tag);
    }
    o += 8 + length;
  }
  if (typeof out.CommandField !== 'number') throw new DimseError('DIMSE_BAD_COMMAND', 'command set has no CommandField', { offset: 12 });
  if (typeof out.CommandDataSetType !== 'number') {
    throw new DimseError('DIMSE_BAD_COMMAND', 'command set has no CommandDataSetType', { offset: 12 });
  }
  return { command: out as unknown as Command, uidsWithSpaces };
}

