/**
 * What a transfer syntax UID means for the dataset bytes (PS3.5 section 10 and annex A). Only the four
 * uncompressed syntaxes change how elements are read; every other UID, known or not, is explicit VR little
 * endian with encapsulated pixel data (PS3.5 A.4), so an unknown UID is still readable.
 */

import { TS } from '../dictionary/uids';

export const IMPLICIT_VR_LITTLE_ENDIAN: string = TS.ImplicitVRLittleEndian;
export const EXPLICIT_VR_LITTLE_ENDIAN: string = TS.ExplicitVRLittleEndian;
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: string = TS.DeflatedExplicitVRLittleEndian;
export const EXPLICIT_VR_BIG_ENDIAN: string = TS.ExplicitVRBigEndian;

/** How elements are encoded: the part of a transfer syntax the tokenizer and encoder need. */
export interface DatasetSyntax {
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
}

export interface TransferSyntaxInfo extends DatasetSyntax {
  readonly uid: string;
  /** The dataset is a raw deflate stream (RFC 1951, no zlib header) of explicit VR little endian. */
  readonly deflated: boolean;
  /** Pixel data is (may be) encapsulated: everything but the four uncompressed syntaxes. */
  readonly encapsulated: boolean;
  /** One of the four syntaxes this module names; false means "read as explicit VR LE encapsulated". */
  readonly uncompressed: boolean;
}

export const IMPLICIT_LE: DatasetSyntax = { explicitVr: false, littleEndian: true };
export const EXPLICIT_LE: DatasetSyntax = { explicitVr: true, littleEndian: true };
export const EXPLICIT_BE: DatasetSyntax = { explicitVr: true, littleEndian: false };

/** UIDs arrive padded with NUL (or, from careless writers, spaces); neither is part of the UID. */
export function normalizeUid(uid: string): string {
  return uid.replace(/[\0 ]+$/, '').replace(/^ +/, '');
}

/** The four uncompressed syntaxes, looked up once per object on the fast path: built once. */
const KNOWN: ReadonlyMap<string, TransferSyntaxInfo> = new Map([
  [IMPLICIT_VR_LITTLE_ENDIAN, { uid: IMPLICIT_VR_LITTLE_ENDIAN, ...IMPLICIT_LE, deflated: false, encapsulated: false, uncompressed: true }],
  [EXPLICIT_VR_LITTLE_ENDIAN, { uid: EXPLICIT_VR_LITTLE_ENDIAN, ...EXPLICIT_LE, deflated: false, encapsulated: false, uncompressed: true }],
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, { uid: DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, ...EXPLICIT_LE, deflated: true, encapsulated: false, uncompressed: true }],
  [EXPLICIT_VR_BIG_ENDIAN, { uid: EXPLICIT_VR_BIG_ENDIAN, ...EXPLICIT_BE, deflated: false, encapsulated: false, uncompressed: true }],
]);

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  const known = KNOWN.get(uid);
  if (known) return known;
  const u = normalizeUid(uid);
  return KNOWN.get(u) ?? { uid: u, ...EXPLICIT_LE, deflated: false, encapsulated: true, uncompressed: false };
}

/** The UID of a detected syntax (implicit big endian has none: it is not a DICOM transfer syntax). */
export function uidOfSyntax(s: DatasetSyntax): string | null {
  if (!s.explicitVr) return s.littleEndian ? IMPLICIT_VR_LITTLE_ENDIAN : null;
  return s.littleEndian ? EXPLICIT_VR_LITTLE_ENDIAN : EXPLICIT_VR_BIG_ENDIAN;
}
