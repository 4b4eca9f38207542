/**
 * DCMTK's dcmdata warnings for what its normal mode corrects or tolerates while it reads a received data set, in its
 * words: DcmItem::readTagAndLength (a length not a multiple of the VR's value size, an odd length) and
 * DcmUniqueIdentifier::makeMachineByteString (spaces removed from a UID).
 */
import { DimseError, formatTag } from '../errors';
import { lookupTag } from '../dataset/dictionary/dictionary';
import { valueWidth, type Vr } from '../dataset/codec/vr';

/** DCMTK's line for a tokenizer warning, or null where DCMTK has none in these words (odd fragments, delimiters). */
export function parserWarning(w: DimseError): string | null {
  const tag = w.place.tag;
  if (tag === undefined) return null;
  if (w.code === 'DATASET_ODD_LENGTH' && !/fragment #/.test(w.message)) return `DcmItem: Length of element ${formatTag(tag)} is odd`;
  if (w.code === 'DATASET_LENGTH_NOT_MULTIPLE') {
    const vr = /^\([0-9a-f]{4},[0-9a-f]{4}\) ([A-Z]{2}) /.exec(w.message)?.[1];
    if (vr) return `DcmItem: Length of element ${formatTag(tag)} is not a multiple of ${valueWidth(vr as Vr)} (VR=${vr})`;
  }
  return null;
}

/** DCMTK's line for a UID whose white space was removed ("Unknown Tag & Data": DcmTag's name for a tag it lacks). */
export function uidSpacesWarning(tag: number): string {
  const name = lookupTag(tag)?.keyword ?? 'Unknown Tag & Data';
  return `DcmUniqueIdentifier: Element ${name} ${formatTag(tag)} contains one or more space characters, which were removed`;
}
