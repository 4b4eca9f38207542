/**
 * Names of top-level attributes as the stages take them: a dictionary keyword ('PatientName') or a tag written
 * 'GGGG,EEEE' (also '(GGGG,EEEE)'), resolved once, when the stage is built: a name that is neither is a DimseError
 * then, not a failure per object.
 */
import { DimseError, formatTag } from '../errors';
import { lookupKeyword } from '../dataset/dictionary/dictionary';
import { implicitVr } from '../dataset/codec/tokenizer';
import type { Vr } from '../dataset/codec/vr';

export interface AttributeKey {
  /** As the user wrote it: the key of `attributes`. */
  name: string;
  tag: number;
  /** The VR a new element is created with: the dictionary's, resolved as for implicit VR ('UN' if unknown). */
  vr: Vr;
}

const TAG = /^\(?\s*([0-9a-fA-F]{4})\s*,\s*([0-9a-fA-F]{4})\s*\)?$/;

export function resolveAttributeKey(name: string, stage: string): AttributeKey {
  const m = TAG.exec(name);
  let tag: number;
  if (m) {
    tag = ((parseInt(m[1] as string, 16) << 16) | parseInt(m[2] as string, 16)) >>> 0;
  } else {
    const entry = lookupKeyword(name);
    if (!entry) {
      throw new DimseError('STAGE_UNKNOWN_ATTRIBUTE',
        `${stage}: "${name}" is neither a dictionary keyword nor a tag written GGGG,EEEE`, {});
    }
    tag = entry.tag >>> 0;
  }
  const group = tag >>> 16;
  if (group === 0x0000 || group === 0x0002 || group === 0xfffe) {
    // Items and delimiters are structure; groups 0000-0002 are not in a data set (command, file meta).
    throw new DimseError('STAGE_BAD_ATTRIBUTE', `${stage}: ${formatTag(tag)} (${name}) is not a data set attribute`, { tag });
  }
  return { name, tag, vr: implicitVr(tag) };
}
