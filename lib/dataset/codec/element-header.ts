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
  // Written in line, no helpers made per call: this runs for every element of every command and file meta.
  const le = syntax.littleEndian;
  p = le ? out.writeUInt16LE(tag >>> 16, p) : out.writeUInt16BE(tag >>> 16, p);
  p = le ? out.writeUInt16LE(tag & 0xffff, p) : out.writeUInt16BE(tag & 0xffff, p);
  // A 32-bit length: always in implicit VR; in explicit VR after the VR and 2 reserved bytes, for some VRs.
  const longLength = !syntax.explicitVr || hasLongLength(vr);
  if (syntax.explicitVr) {
    p += out.write(vr, p, 'latin1');
    if (longLength) p = le ? out.writeUInt16LE(0, p) : out.writeUInt16BE(0, p);
  }
  if (longLength) return le ? out.writeUInt32LE(length >>> 0, p) : out.writeUInt32BE(length >>> 0, p);
  return le ? out.writeUInt16LE(length, p) : out.writeUInt16BE(length, p);
}
