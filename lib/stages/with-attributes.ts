/**
 * withAttributes: reads some top-level attributes from the head of each body and attaches them to the object
 * (`obj.attributes`), for stages that route, filter or name objects by their content. The body is read only as far
 * as the attributes need (up to the first top-level tag past the largest one asked for, or its end), then the bytes
 * read are replayed in front of the rest: the body still streams every byte unchanged, and no more than that head
 * is held.
 *
 * Objects it cannot read are settled here and NOT passed on:
 * - a data set that does not parse (truncated, bad lengths, corrupt deflate data): rejected with 0xC000 (cannot
 *   understand) and the parser's message as the error comment, as the directory sink would answer it;
 * - attributes not found within `maxHeadBytes`, or a body that fails (the association broke off): rejected with
 *   0xA700 (out of resources).
 * The stage itself never errors.
 */
import through2 from 'through2';
import type { Transform } from 'node:stream';
import { constants as zc, inflateRawSync } from 'node:zlib';
import { DimseError } from '../errors';
import { DatasetParser } from '../dataset/codec/tokenizer';
import type { DatasetToken } from '../dataset/codec/tokens';
import { transferSyntaxInfo } from '../dataset/codec/transfer-syntax';
import type { ReceivedObject } from '../received-object';
import { resolveAttributeKey, type AttributeKey } from './attribute-keys';
import { attributeValue, type Attributes } from './attribute-values';
import { readHead } from './read-head';
import { ReplayReadable } from './replay';
import { isMalformedDataset } from '../error-codes';

export type { AttributeValue, Attributes } from './attribute-values';

/** An object that went through withAttributes: its attributes, keyed by the names the stage was given. */
export type WithAttributes<T extends ReceivedObject = ReceivedObject> = T & { attributes: Attributes };
export type AttributedObject = WithAttributes<ReceivedObject>;

export interface WithAttributesOptions {
  /**
   * The most body bytes (inflated, for a deflated data set) read to find the attributes (default 16 MiB): they are
   * held until the object is passed on. Attributes after the pixel data, or after a huge sequence, are past it.
   */
  maxHeadBytes?: number;
}

const DEFAULT_MAX_HEAD = 16 * 1024 * 1024;

/**
 * For each object, parses the attributes named by `keywords` (dictionary keywords or 'GGGG,EEEE' tags; sequences
 * are not taken) and sets `obj.attributes` (merged with attributes an earlier withAttributes set): a value per
 * name, undefined when the element is absent. The same object is passed on, its `body` replaced by one that
 * replays the bytes read. Throws a DimseError at once for a name that is not a keyword or a tag, or is a sequence.
 */
export function withAttributes(keywords: readonly string[], options: WithAttributesOptions = {}): Transform {
  const keys = keywords.map((k) => resolveAttributeKey(k, 'withAttributes'));
  for (const k of keys) {
    if (k.vr === 'SQ') {
      throw new DimseError('STAGE_BAD_ATTRIBUTE', `withAttributes: ${k.name} is a sequence: only elements with values are read`, { tag: k.tag });
    }
  }
  const maxHead = options.maxHeadBytes ?? DEFAULT_MAX_HEAD;
  return through2.obj(function (obj: ReceivedObject, _enc, done) {
    attach(obj, keys, maxHead).then((keep) => done(null, keep ? obj : undefined), () => done());
  });
}

/** Thrown by the token handler when it has seen all it needs (not an error). */
const ENOUGH = Symbol('enough');

/** Reads the attributes into `obj`; false when the object was rejected instead. Never throws. */
async function attach(obj: ReceivedObject, keys: readonly AttributeKey[], maxHead: number): Promise<boolean> {
  const byTag = new Map<number, AttributeKey[]>();
  for (const k of keys) byTag.set(k.tag, [...(byTag.get(k.tag) ?? []), k]);
  const last = keys.reduce((m, k) => Math.max(m, k.tag), -1);
  const found: Attributes = {};
  for (const k of keys) found[k.name] = undefined;
  const seen = new Set<number>();
  let depth = 0;
  let current: { keys: AttributeKey[]; vr: string; parts: Buffer[] } | null = null;
  let enough = last < 0;

  const onToken = (t: DatasetToken): void => {
    if (enough) return;
    switch (t.type) {
      case 'element':
        if (depth > 0) return;
        if (t.tag > last) throw ENOUGH;
        if (byTag.has(t.tag) && !seen.has(t.tag)) current = { keys: byTag.get(t.tag) as AttributeKey[], vr: t.vr, parts: [] };
        return;
      case 'value':
        current?.parts.push(t.data);
        return;
      case 'elementEnd':
        if (depth > 0 || !current) return;
        seen.add(t.tag);
        {
          const v = attributeValue(current.vr, current.parts.length === 1 ? current.parts[0] as Buffer : Buffer.concat(current.parts));
          for (const k of current.keys) found[k.name] = v;
        }
        current = null;
        if (t.tag === last) throw ENOUGH; // the data set is in tag order (PS3.5 7.1): nothing wanted is left
        return;
      case 'sequenceStart':
      case 'encapsulatedStart':
        if (depth === 0 && t.tag > last) throw ENOUGH;
        depth++;
        return;
      case 'sequenceEnd':
      case 'encapsulatedEnd':
        depth--;
        return;
      default:
        return;
    }
  };

  const ts = transferSyntaxInfo(obj.transferSyntaxUid);
  const parser = new DatasetParser({ explicitVr: ts.explicitVr, littleEndian: ts.littleEndian }, onToken);
  // Deflated: the compressed head so far is inflated as far as it goes (a prefix of the data set) and only the new
  // part fed on; the head is small, so inflating it again per chunk costs less than an asynchronous zlib stream.
  const compressed: Buffer[] = [];
  let fed = 0;
  const feed = (data: Buffer): void => {
    if (fed + data.length > maxHead) {
      throw new DimseError('STAGE_HEAD_TOO_LARGE',
        `withAttributes: ${keys.map((k) => k.name).join(', ')} not found within the first ${maxHead} bytes of the data set`, { offset: fed });
    }
    fed += data.length;
    parser.write(data);
  };
  const write = (chunk: Buffer): boolean => {
    try {
      if (!ts.deflated) {
        feed(chunk);
      } else {
        compressed.push(chunk);
        const all = inflate(Buffer.concat(compressed), true);
        if (all.length > fed) feed(all.subarray(fed));
      }
    } catch (e) {
      if (e === ENOUGH) enough = true;
      else throw e;
    }
    return enough;
  };

  try {
    const head = await readHead(obj.body, write);
    if (head.ended && !enough) {
      try {
        if (ts.deflated) {
          const all = inflate(Buffer.concat(compressed), false); // the whole stream now: a truncated one fails here
          if (all.length > fed) feed(all.subarray(fed));
        }
        parser.end();
      } catch (e) {
        if (e !== ENOUGH) throw e;
      }
    }
    obj.body = new ReplayReadable(head.chunks, obj.body);
    (obj as AttributedObject).attributes = { ...(obj as Partial<AttributedObject>).attributes, ...found };
    return true;
  } catch (e) {
    refuse(obj, e);
    return false;
  }
}

/** Inflates a raw deflate stream, or (partial) as much of its beginning as there is. */
function inflate(data: Buffer, partial: boolean): Buffer {
  try {
    return inflateRawSync(data, partial ? { finishFlush: zc.Z_SYNC_FLUSH } : {});
  } catch (e) {
    throw new DimseError('DATASET_DEFLATE', `corrupt deflated data set (${(e as Error).message}): expected a raw deflate stream (RFC 1951)`,
      {}, { cause: e });
  }
}

function refuse(obj: ReceivedObject, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof DimseError && isMalformedDataset(err.code)) obj.reject('cannot-understand', `withAttributes: bad data set: ${err.message}`);
  else obj.reject('out-of-resources', err.message);
  if (!obj.body.destroyed && !obj.body.readableEnded) obj.body.resume(); // drained: the store service answers
}
