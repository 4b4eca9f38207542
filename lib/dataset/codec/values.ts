/**
 * Value helpers: strings and numbers to value bytes (little endian, padded to even length per VR) and back,
 * plus valueFromString, DCMTK's DcmElement::putString semantics (what movescu -k does with a value).
 */
import { DimseError } from '../../errors';
import { isStringVr, paddingByte } from './vr';

export type StringEncoding = 'utf8' | 'latin1';

/** Pads to an even length with the VR's padding byte (PS3.5 6.2: UI NUL, strings space, binary NUL). */
export function padValue(bytes: Buffer, vr: string): Buffer {
  if (bytes.length % 2 === 0) return bytes;
  return Buffer.concat([bytes, Buffer.of(paddingByte(vr))]);
}

/**
 * A string value (several values joined with backslash) as padded bytes. UTF-8 by default: the bytes DCMTK
 * sends for a command-line argument are the argument's own bytes, which is UTF-8 on today's systems.
 */
export function stringToBytes(value: string, vr: string, encoding: StringEncoding = 'utf8'): Buffer {
  const out = Buffer.allocUnsafe(paddedLength(value, encoding));
  writeString(out, 0, value, vr, encoding);
  return out;
}

/** The length of a string value as stringToBytes makes it (padded to even). */
export function paddedLength(value: string, encoding: StringEncoding = 'utf8'): number {
  const n = Buffer.byteLength(value, encoding);
  return n + (n % 2);
}

/**
 * Writes a string value as stringToBytes makes it at out[p] (room for paddedLength bytes); returns the position
 * after it. For encoders that build one buffer per command set or file meta instead of one per value.
 */
export function writeString(out: Buffer, p: number, value: string, vr: string, encoding: StringEncoding = 'utf8'): number {
  const n = out.write(value, p, encoding);
  return n % 2 === 0 ? p + n : out.writeUInt8(paddingByte(vr), p + n);
}

/** VRs whose leading spaces are insignificant too (PS3.5 table 6.2-1); the others only lose trailing padding. */
const TRIM_LEADING: ReadonlySet<string> = new Set(['AE', 'CS', 'DS', 'IS', 'LO', 'SH']);
/** Texts are one value: a backslash in them is a character, not a delimiter. */
const SINGLE_VALUED: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UR']);

/** Decodes a string value, removing padding as PS3.5 says for the VR: NULs for UI, spaces (and NULs) otherwise. */
export function bytesToString(bytes: Buffer, vr: string, encoding: StringEncoding = 'utf8'): string {
  const s = bytes.toString(encoding);
  if (vr === 'UI') return s.replace(/[\0 ]+$/, '');
  if (SINGLE_VALUED.has(vr)) return s.replace(/[ \0]+$/, '');
  const values = s.split('\\').map((v) => v.replace(/[ \0]+$/, ''));
  return (TRIM_LEADING.has(vr) ? values.map((v) => v.replace(/^ +/, '')) : values).join('\\');
}

export type NumberVr = 'US' | 'SS' | 'UL' | 'SL' | 'FL' | 'FD' | 'OF' | 'OD' | 'OL' | 'OW';
export type BigIntVr = 'SV' | 'UV' | 'OV';

const NUMBER_WIDTH: Readonly<Record<NumberVr, number>> = { US: 2, SS: 2, OW: 2, UL: 4, SL: 4, OL: 4, FL: 4, OF: 4, FD: 8, OD: 8 };

/** Numbers as little-endian value bytes (out-of-range integers are refused, not wrapped). */
export function encodeNumbers(vr: NumberVr, values: readonly number[]): Buffer {
  const w = NUMBER_WIDTH[vr];
  const buf = Buffer.alloc(values.length * w);
  values.forEach((v, i) => {
    const o = i * w;
    switch (vr) {
      case 'US': case 'OW': buf.writeUInt16LE(v, o); break;
      case 'SS': buf.writeInt16LE(v, o); break;
      case 'UL': case 'OL': buf.writeUInt32LE(v, o); break;
      case 'SL': buf.writeInt32LE(v, o); break;
      case 'FL': case 'OF': buf.writeFloatLE(v, o); break;
      case 'FD': case 'OD': buf.writeDoubleLE(v, o); break;
    }
  });
  return buf;
}

/** Little-endian value bytes as numbers (a trailing partial value is ignored). */
export function decodeNumbers(vr: NumberVr, bytes: Buffer): number[] {
  const w = NUMBER_WIDTH[vr];
  const out: number[] = [];
  for (let o = 0; o + w <= bytes.length; o += w) {
    switch (vr) {
      case 'US': case 'OW': out.push(bytes.readUInt16LE(o)); break;
      case 'SS': out.push(bytes.readInt16LE(o)); break;
      case 'UL': case 'OL': out.push(bytes.readUInt32LE(o)); break;
      case 'SL': out.push(bytes.readInt32LE(o)); break;
      case 'FL': case 'OF': out.push(bytes.readFloatLE(o)); break;
      case 'FD': case 'OD': out.push(bytes.readDoubleLE(o)); break;
    }
  }
  return out;
}

export function encodeBigInts(vr: BigIntVr, values: readonly bigint[]): Buffer {
  const buf = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => (vr === 'SV' ? buf.writeBigInt64LE(v, i * 8) : buf.writeBigUInt64LE(v, i * 8)));
  return buf;
}

export function decodeBigInts(vr: BigIntVr, bytes: Buffer): bigint[] {
  const out: bigint[] = [];
  for (let o = 0; o + 8 <= bytes.length; o += 8) out.push(vr === 'SV' ? bytes.readBigInt64LE(o) : bytes.readBigUInt64LE(o));
  return out;
}

/** AT values: each tag is two 16-bit words, group then element (so AT swaps as 2x2 bytes in big endian). */
export function encodeTags(tags: readonly number[]): Buffer {
  const buf = Buffer.alloc(tags.length * 4);
  tags.forEach((t, i) => {
    buf.writeUInt16LE(t >>> 16, i * 4);
    buf.writeUInt16LE(t & 0xffff, i * 4 + 2);
  });
  return buf;
}

export function decodeTags(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let o = 0; o + 4 <= bytes.length; o += 4) out.push(((bytes.readUInt16LE(o) << 16) | bytes.readUInt16LE(o + 2)) >>> 0);
  return out;
}

// ---- DCMTK putString semantics -------------------------------------------------------------------------------

const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

/**
 * C's strtoul/strtol as sscanf("%u"/"%d"/"%x") uses them (glibc, 64-bit long): optional leading white space,
 * sign, (hex: optional 0x), digits. Returns the value as strtoul would (negation wraps modulo 2^64, overflow
 * saturates), or null if no digit was found (sscanf then returns 0 and DCMTK reports EC_CorruptedData).
 */
function cScan(text: string, base: 10 | 16, signed: boolean): bigint | null {
  const m = base === 10
    ? /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(text)
    : /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(text);
  if (!m) return null;
  let v = BigInt(base === 16 ? `0x${m[2]}` : (m[2] as string));
  const neg = m[1] === '-';
  if (signed) {
    if (neg) v = -v;
    return v > I64_MAX ? I64_MAX : v < I64_MIN ? I64_MIN : v;
  }
  if (v > U64) v = U64;
  return neg ? (U64 + 1n - v) & U64 : v;
}

/** Truncates to `bits` as storing into a narrower C integer does (two's complement). */
function wrap(v: bigint, bits: number, signed: boolean): bigint {
  return signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
}

/** OFStandard::atof: a decimal floating-point number after optional white space; null if none. */
function cAtof(text: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The value bytes DCMTK 3.6.7's DcmElement::putString(text) stores for an element of this VR: strings as given
 * (padded), numbers parsed per value (backslash-separated) as its sscanf calls do (US "%hu": "70000" stores 4464,
 * "-1" 65535, "5x" 5), AT as "(gggg,eeee)", OB/UN/OW as hex numbers per value. Throws a DimseError
 * (code VALUE_PARSE) where DCMTK's putString fails: an empty or unparsable value of a binary VR, or any value
 * for a sequence.
 */
export function valueFromString(vr: string, text: string): Buffer {
  if (text === '') return Buffer.alloc(0);
  if (isStringVr(vr)) return stringToBytes(text, vr);
  const values = text.split('\\');
  const fail = (v: string): never => {
    throw new DimseError('VALUE_PARSE', `cannot parse "${v}" as a value of VR ${vr}`, {});
  };
  const ints = (bits: number, signed: boolean, base: 10 | 16): bigint[] =>
    values.map((v) => {
      const n = v === '' ? null : cScan(v, base, signed);
      return n === null ? fail(v) : wrap(n, bits, signed);
    });
  switch (vr) {
    case 'US': return encodeNumbers('US', ints(16, false, 10).map(Number));
    case 'SS': return encodeNumbers('SS', ints(16, true, 10).map(Number));
    case 'UL': case 'OL': return encodeNumbers('UL', ints(32, false, 10).map(Number));
    case 'SL': return encodeNumbers('SL', ints(32, true, 10).map(Number));
    case 'UV': case 'OV': return encodeBigInts('UV', ints(64, false, 10));
    case 'SV': return encodeBigInts('SV', ints(64, true, 10));
    case 'OW': return encodeNumbers('OW', ints(16, false, 16).map(Number));
    case 'OB': case 'UN': return padValue(Buffer.from(ints(16, false, 16).map((n) => Number(n & 0xffn))), vr);
    case 'FL': case 'OF': case 'FD': case 'OD': {
      const nums = values.map((v) => (v === '' ? null : cAtof(v)) ?? fail(v));
      return encodeNumbers(vr === 'FL' || vr === 'OF' ? 'FL' : 'FD', nums);
    }
    case 'AT': {
      const tags = values.map((v) => {
        // sscanf("(%hx,%hx)"): the '(' must come first; what follows the second number is not checked.
        const m = /^\(([ \t\n\v\f\r]*[+-]?(?:0[xX](?=[0-9a-fA-F]))?[0-9a-fA-F]+),(.*)$/.exec(v);
        const g = m ? cScan(m[1] as string, 16, false) : null;
        const e = m ? cScan(m[2] as string, 16, false) : null;
        return g === null || e === null ? fail(v) : ((Number(g & 0xffffn) << 16) | Number(e & 0xffffn)) >>> 0;
      });
      return encodeTags(tags);
    }
    default:
      return fail(text); // SQ and anything else: DCMTK's putString refuses
  }
}
