/**
 * DCMTK's dcmdata warnings for what its normal mode corrects or tolerates while it reads a received data set, in its
 * words: DcmItem::readTagAndLength (a length not a multiple of the VR's value size, an odd length),
 * DcmSequenceOfItems::readTagAndLength (an item or a pixel data fragment of odd length) and
 * DcmUniqueIdentifier::makeMachineByteString (spaces removed from a UID); and DcmElement's error for a value it cannot
 * load back when it writes the file.
 */
import { DimseError, formatTag } from '../errors';
import { lookupTag } from '../dataset/dictionary/dictionary';
import { valueWidth, type Vr } from '../dataset/codec/vr';

/** DCMTK's line for a tokenizer warning, or null where DCMTK has none in these words (delimiters). */
export function parserWarning(w: DimseError): string | null {
  const tag = w.place.tag;
  if (tag === undefined) return null;
  if (w.code === 'DATASET_ODD_LENGTH') return `DcmItem: Length of element ${formatTag(tag)} is odd`;
  // The tag is the sequence's (Pixel Data for a fragment).
  if (w.code === 'DATASET_ODD_ITEM_LENGTH') return `DcmSequenceOfItems: Length of item in sequence ${tagName(tag)} ${formatTag(tag)} is odd`;
  if (w.code === 'DATASET_LENGTH_NOT_MULTIPLE') {
    const vr = /^\([0-9a-f]{4},[0-9a-f]{4}\) ([A-Z]{2}) /.exec(w.message)?.[1];
    if (vr) return `DcmItem: Length of element ${formatTag(tag)} is not a multiple of ${valueWidth(vr as Vr)} (VR=${vr})`;
  }
  return null;
}

/** DCMTK's line for a UID whose white space was removed. */
export function uidSpacesWarning(tag: number): string {
  return `DcmUniqueIdentifier: Element ${tagName(tag)} ${formatTag(tag)} contains one or more space characters, which were removed`;
}

/**
 * DcmElement::loadValue's error for a value DCMTK deferred (longer than it reads at once) and cannot load back from
 * the network's buffer when it writes the file: none of its bytes transferred. Seen for a Pixel Data of undefined
 * length in a native transfer syntax, which DCMTK reads as a plain value of 0xFFFFFFFF bytes.
 */
export function valueNotLoadedError(tag: number, length: number): string {
  return `DcmElement: ${tagName(tag)} ${formatTag(tag)} larger (${length}) than remaining bytes (0) in file, premature end of stream`;
}

/** DcmObject::getTagName: the keyword, or "Unknown Tag & Data" (DcmTag's name for a tag it lacks). */
function tagName(tag: number): string {
  return lookupTag(tag)?.keyword ?? 'Unknown Tag & Data';
}
