/**
 * Value representations of PS3.5 6.2 (2024 edition): which exist, which have a 4-byte length in explicit VR,
 * how values are padded, and how binary values are byte-swapped between little and big endian.
 */

export const VRS = [
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'PN',
  'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
] as const;

export type Vr = (typeof VRS)[number];

const VR_SET: ReadonlySet<string> = new Set(VRS);

/** PS3.5 table 7.1-1: these VRs have 2 reserved bytes and a 32-bit length in explicit VR. */
const LONG_LENGTH: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Character-string VRs: padded with a space (UI with NUL), trimmed on reading. */
const STRING_VRS: ReadonlySet<string> = new Set([
  'AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT',
]);

/** Size of the unit that is byte-swapped between LE and BE (AT is two 16-bit words, so 2). */
const SWAP_WIDTH: Readonly<Record<string, number>> = {
  US: 2, SS: 2, OW: 2, AT: 2,
  UL: 4, SL: 4, FL: 4, OF: 4, OL: 4,
  FD: 8, OD: 8, SV: 8, UV: 8, OV: 8,
};

/** Size of one value of a fixed-size binary VR (for the strict length check). */
const VALUE_WIDTH: Readonly<Record<string, number>> = { ...SWAP_WIDTH, AT: 4 };

export function isVr(s: string): s is Vr {
  return VR_SET.has(s);
}

export function hasLongLength(vr: string): boolean {
  return LONG_LENGTH.has(vr);
}

export function isStringVr(vr: string): boolean {
  return STRING_VRS.has(vr);
}

/** 0 for VRs whose bytes are never swapped (strings, OB, UN, SQ). */
export function swapWidth(vr: string): number {
  return SWAP_WIDTH[vr] ?? 0;
}

export function valueWidth(vr: string): number {
  return VALUE_WIDTH[vr] ?? 1;
}

/** PS3.5 6.2: UI is padded with NUL, other strings with a space, binary values with NUL. */
export function paddingByte(vr: string): number {
  return vr !== 'UI' && STRING_VRS.has(vr) ? 0x20 : 0x00;
}

/** Returns a copy of `data` with every `width`-byte unit reversed (width 0 or 1: a plain copy). */
export function swapCopy(data: Buffer, width: number): Buffer {
  const out = Buffer.from(data);
  swapInPlace(out, width);
  return out;
}

/** Reverses every `width`-byte unit in place; a trailing partial unit is left as it is. */
export function swapInPlace(buf: Buffer, width: number): void {
  const n = buf.length - (buf.length % (width || 1));
  if (width === 2) buf.subarray(0, n).swap16();
  else if (width === 4) buf.subarray(0, n).swap32();
  else if (width === 8) buf.subarray(0, n).swap64();
}
