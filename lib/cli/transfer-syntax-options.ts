/**
 * The transfer syntaxes behind movescu's network options, in DCMTK 3.6.7's order (movescu.cc, addPresentationContext
 * and acceptSubAssoc, on a little-endian host): +x* is the preference list of the store side (incoming objects),
 * -x* the list proposed for the FIND/MOVE contexts. Each +x "prefer" option puts its syntax first and then accepts the
 * uncompressed ones.
 */
import { TS } from '../dataset/dictionary/uids';

const UNCOMPRESSED = [TS.ExplicitVRLittleEndian, TS.ExplicitVRBigEndian, TS.ImplicitVRLittleEndian] as const;
const preferring = (ts: string): readonly string[] => [ts, ...UNCOMPRESSED];

export const ACCEPT_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  '--prefer-uncompr': UNCOMPRESSED,
  '--prefer-little': UNCOMPRESSED,
  '--prefer-big': [TS.ExplicitVRBigEndian, TS.ExplicitVRLittleEndian, TS.ImplicitVRLittleEndian],
  '--prefer-lossless': preferring(TS.JPEGLosslessSV1),
  '--prefer-jpeg8': preferring(TS.JPEGBaseline8Bit),
  '--prefer-jpeg12': preferring(TS.JPEGExtended12Bit),
  '--prefer-j2k-lossless': preferring(TS.JPEG2000Lossless),
  '--prefer-j2k-lossy': preferring(TS.JPEG2000),
  '--prefer-jls-lossless': preferring(TS.JPEGLSLossless),
  '--prefer-jls-lossy': preferring(TS.JPEGLSNearLossless),
  '--prefer-mpeg2': preferring(TS.MPEG2MPML),
  '--prefer-mpeg2-high': preferring(TS.MPEG2MPHL),
  '--prefer-mpeg4': preferring(TS.MPEG4HP41),
  '--prefer-mpeg4-bd': preferring(TS.MPEG4HP41BD),
  '--prefer-mpeg4-2-2d': preferring(TS.MPEG4HP422D),
  '--prefer-mpeg4-2-3d': preferring(TS.MPEG4HP423D),
  '--prefer-mpeg4-2-st': preferring(TS.MPEG4HP42STEREO),
  '--prefer-hevc': preferring(TS.HEVCMP51),
  '--prefer-hevc10': preferring(TS.HEVCM10P51),
  '--prefer-rle': preferring(TS.RLELossless),
  '--prefer-deflated': preferring(TS.DeflatedExplicitVRLittleEndian),
  '--implicit': [TS.ImplicitVRLittleEndian],
  '--accept-all': [
    TS.JPEG2000, TS.JPEG2000Lossless, TS.JPEGExtended12Bit, TS.JPEGBaseline8Bit, TS.JPEGLosslessSV1,
    TS.JPEGLSNearLossless, TS.JPEGLSLossless, TS.RLELossless, TS.MPEG2MPML, TS.MPEG2MPHL, TS.MPEG4HP41,
    TS.MPEG4HP41BD, TS.MPEG4HP422D, TS.MPEG4HP423D, TS.MPEG4HP42STEREO, TS.HEVCMP51, TS.HEVCM10P51,
    TS.DeflatedExplicitVRLittleEndian, ...UNCOMPRESSED,
  ],
};

export const PROPOSE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  '--propose-uncompr': UNCOMPRESSED,
  '--propose-little': UNCOMPRESSED,
  '--propose-big': [TS.ExplicitVRBigEndian, TS.ExplicitVRLittleEndian, TS.ImplicitVRLittleEndian],
  '--propose-deflated': [TS.DeflatedExplicitVRLittleEndian, ...UNCOMPRESSED],
  '--propose-implicit': [TS.ImplicitVRLittleEndian],
};

/** +t*: the output transfer syntax of stored objects; null for +t= (write with the syntax each object came in). */
export const WRITE_XFER_OPTIONS: Readonly<Record<string, string | null>> = {
  '--write-xfer-same': null,
  '--write-xfer-little': TS.ExplicitVRLittleEndian,
  '--write-xfer-big': TS.ExplicitVRBigEndian,
  '--write-xfer-implicit': TS.ImplicitVRLittleEndian,
  '--write-xfer-deflated': TS.DeflatedExplicitVRLittleEndian,
};

/**
 * The +x options whose preferred syntax is compressed: movescu.cc refuses +te/+tb/+ti/+td with each of them,
 * since DCMTK cannot decompress what arrives in them (--prefer-deflated is fine: it inflates).
 */
export const COMPRESSED_PREFER_OPTIONS: readonly string[] = [
  '--prefer-lossless', '--prefer-jpeg8', '--prefer-jpeg12', '--prefer-j2k-lossless', '--prefer-j2k-lossy',
  '--prefer-jls-lossless', '--prefer-jls-lossy', '--prefer-mpeg2', '--prefer-mpeg2-high', '--prefer-mpeg4',
  '--prefer-mpeg4-bd', '--prefer-mpeg4-2-2d', '--prefer-mpeg4-2-3d', '--prefer-mpeg4-2-st', '--prefer-hevc',
  '--prefer-hevc10', '--prefer-rle',
];
