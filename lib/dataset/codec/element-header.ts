/**
 * PS3.5 7.1: the layout of a data element header after its 4-byte tag. Implicit VR: a 32-bit length at +4. Explicit
 * VR: the VR at +4, then a 16-bit length at +6, or, for the VRs with a long length, 2 reserved bytes and a 32-bit
 * length at +8. One place for it, shared by the tokenizer, the file meta reader and the encoders.
 */
import type { DatasetSyntax } from './transfer-syntax';
import { hasLongLength } from './vr';

/** The VR as written in an explicit VR header (not checked: the caller decides what an invalid one means). */
export function explicitVrAt(buf: Buffer, p: number): string {
  return buf.toString('latin1', p + 4, p + 6);
}

/** Bytes of the header of an element of this VR: 8 or 12. */
export function headerSize(syntax: DatasetSyntax, vr: string): 8 | 12 {
  return syntax.explicitVr && hasLongLength(vr) ? 12 : 8;
}

/** The value length field of the header at `p` (all of the header's headerSize() bytes must be in `buf`). */
export function valueLengthAt(buf: Buffer, p: number, syntax: DatasetSyntax, vr: string): number {
  const le = syntax.littleEndian;
  if (!syntax.explicitVr) return le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
  if (hasLongLength(vr)) return le ? buf.readUInt32LE(p + 8) : buf.readUInt32BE(p + 8);
  return le ? buf.readUInt16LE(p + 6) : buf.readUInt16BE(p + 6);
}

/**
 * Writes the header of an element of `vr` (tag, then VR and length as the syntax lays them out) at out[p];
 * returns the position after it (p + headerSize()).
 */
export function writeElementHeader(out: Buffer, p: number, tag: number, vr: string, length: number, syntax: DatasetSyntax): number {
  const le = syntax.littleEndian;
  const u16 = (v: number, at: number): number => (le ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  const u32 = (v: number, at: number): number => (le ? out.writeUInt32LE(v >>> 0, at) : out.writeUInt32BE(v >>> 0, at));
  p = u16(tag >>> 16, p);
  p = u16(tag & 0xffff, p);
  if (!syntax.explicitVr) return u32(length, p);
  p += out.write(vr, p, 'latin1');
  if (!hasLongLength(vr)) return u16(length, p);
  return u32(length, u16(0, p));
}
