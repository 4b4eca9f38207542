/**
 * rewriteAttributes: changes top-level attributes of each object as its body streams through, re-encoded in the
 * object's own transfer syntax the way DCMTK's normal mode writes a data set it has read (dcmodify / movescu
 * defaults: group lengths recalculated where present, explicit sequence and item lengths, post-1993 VRs kept,
 * deflate level 6): body → DatasetTokenizer → RewriteTokens → DatasetWriter (→ raw deflate) → the new body.
 *
 * Memory stays bounded: pixel data and other large values stream through (the writer holds one top-level sequence
 * at a time, and the current group where it has a group length); only the old value of an element changed by a
 * function is held.
 *
 * If the rewrite fails, the object is rejected here, BEFORE its body fails, so that this answer is the one the
 * archive gets whatever the sink does next: 0xC000 (cannot understand) when the data set does not parse (the
 * tokenizer's DATASET_* errors), 0xA700 (out of resources) for anything else (a value the VR cannot hold, a
 * function that throws, a sequence given a value, the body breaking off). The object has usually been passed on
 * already (the rewrite streams), so its body is then destroyed with the DimseError: a sink must listen for 'error'
 * on the body (pipeline does) and discard what it wrote. The stage itself never errors.
 */
import through2 from 'through2';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { DimseError } from '../errors';
import { DatasetTokenizer } from '../dataset/codec/tokenizer';
import { normalizeUid, transferSyntaxInfo } from '../dataset/codec/transfer-syntax';
import { DatasetWriter, type WriteOptions } from '../dataset/codec/writer';
import type { ReceivedObject } from '../received-object';
import { resolveAttributeKey } from './attribute-keys';
import { readHead } from './read-head';
import { ReplayReadable } from './replay';
import { RewriteTokens, type AttributeChange, type PlannedChange } from './rewrite-tokens';
import { isMalformedDataset } from '../error-codes';

export type { AttributeChange } from './rewrite-tokens';
export { valueText } from './rewrite-tokens';

/** Keys: dictionary keywords or 'GGGG,EEEE' tags. */
export type AttributeChanges = Record<string, AttributeChange>;

export interface RewriteAttributesOptions {
  /** Called with each object's writer (e.g. to read its peakHeldBytes). */
  onWriter?: (writer: DatasetWriter, obj: ReceivedObject) => void;
}

const SOP_CLASS_UID = 0x00080016;
const SOP_INSTANCE_UID = 0x00080018;

/** DCMTK's normal mode (dcmodify, movescu without options) keeps the syntax and writes these. */
const NORMAL: Omit<WriteOptions, 'transferSyntax'> = { groupLength: 'recalc', sequenceLength: 'explicit', enableNewVr: true, compressionLevel: 6 };

/**
 * Rewrites top-level attributes of every object: a string or number replaces the element's value (or adds the
 * element, in tag order); null removes it; a function gets the old value as text (undefined when absent) and the
 * object, and returns the new text, null (remove) or undefined (leave as it is). Values are encoded as DCMTK's
 * putString does for the element's VR (its VR in the data set; the dictionary's for a new element or one sent as
 * UN): '512' is a US 512, 'A\B' two values. Changing SOPClassUID / SOPInstanceUID changes the passed-on object's
 * sopClassUid / sopInstanceUid too (a function change there holds the object until the rewrite is past them).
 * Throws a DimseError at once for a key that is not a keyword or a tag, or a value for a sequence attribute.
 */
export function rewriteAttributes(changes: AttributeChanges, options: RewriteAttributesOptions = {}): Transform {
  const byTag = new Map<number, PlannedChange>();
  for (const [name, change] of Object.entries(changes)) {
    const key = resolveAttributeKey(name, 'rewriteAttributes');
    if (key.vr === 'SQ' && change !== null) {
      throw new DimseError('STAGE_BAD_ATTRIBUTE', `rewriteAttributes: ${name} is a sequence: it can only be removed (null)`, { tag: key.tag });
    }
    if (byTag.has(key.tag)) {
      throw new DimseError('STAGE_BAD_ATTRIBUTE', `rewriteAttributes: ${name} names the same attribute as another key`, { tag: key.tag });
    }
    byTag.set(key.tag, { key, change });
  }
  const planned = [...byTag.values()].sort((a, b) => a.key.tag - b.key.tag);
  // Sinks name files by these: when a function decides them, the object waits until they are known.
  const holdFor = planned.filter((p) => typeof p.change === 'function' && (p.key.tag === SOP_CLASS_UID || p.key.tag === SOP_INSTANCE_UID))
    .reduce((m, p) => Math.max(m, p.key.tag), -1);
  return through2.obj(function (obj: ReceivedObject, _enc, done) {
    rewrite(obj, planned, holdFor, options).then((pass) => done(null, pass ? obj : undefined), () => done());
  });
}

/** Starts the rewrite of one object; resolves true when the object is to be passed on. Never throws. */
async function rewrite(obj: ReceivedObject, planned: readonly PlannedChange[], holdFor: number, options: RewriteAttributesOptions): Promise<boolean> {
  const ts = transferSyntaxInfo(obj.transferSyntaxUid);
  const source = obj.body;
  const out = new PassThrough();
  // The rewrite may fail before the sink has the object (or listens): the failure is reported by the reject, and
  // the body stays errored for whoever reads it (pipeline, async iteration), but it must not be an uncaught 'error'.
  out.on('error', () => {});
  let failed = false;
  let known = holdFor < 0;
  const setUid = (tag: number, text: string | null): void => {
    if (text === null) return; // removed: the object keeps the UIDs it was sent with
    if (tag === SOP_CLASS_UID) obj.sopClassUid = normalizeUid(text);
    else if (tag === SOP_INSTANCE_UID) obj.sopInstanceUid = normalizeUid(text);
  };
  const fail = (err: Error): void => {
    if (failed) return;
    failed = true;
    const bad = err instanceof DimseError && isMalformedDataset(err.code);
    obj.reject(bad ? 'cannot-understand' : 'out-of-resources', `rewriteAttributes: ${err.message}`);
    if (!out.destroyed) out.destroy(err);
  };
  let stages: Transform[];
  try {
    const tokenizer = new DatasetTokenizer({ transferSyntax: ts.uid });
    const rewriter = new RewriteTokens(planned, obj, {
      onSet: (tag, text) => {
        setUid(tag, text);
        if (tag >= holdFor) known = true;
      },
      // Past the held-for tag (its change was made, or it was absent and not added): the object can go.
      onPassed: (tag) => {
        if (tag > holdFor) known = true;
      },
    });
    const writer = new DatasetWriter({
      ...NORMAL,
      transferSyntax: ts.uid,
      implicitInput: !ts.explicitVr,
      inputTransferSyntax: ts.uid,
    });
    options.onWriter?.(writer, obj);
    stages = [tokenizer, rewriter, writer];
    if (ts.deflated) stages.push(zlib.createDeflateRaw({ level: NORMAL.compressionLevel }));
  } catch (e) {
    fail(e instanceof Error ? e : new Error(String(e)));
    source.resume();
    return false;
  }
  // Static UID changes are known now: the passed-on object carries them from the start.
  for (const p of planned) {
    if (typeof p.change !== 'function' && p.change !== null) setUid(p.key.tag, String(p.change));
  }
  const last = stages[stages.length - 1] as Transform;
  pipeline([source, ...stages] as [Readable, ...Transform[]], (err) => {
    // The consumer closing the body early is its own decision, already settled by it: not a rewrite failure.
    if (err && !(out.destroyed && !failed)) fail(err);
  });
  last.pipe(out);
  // The consumer gave up on the body: stop the rewrite (the pipeline then destroys the source).
  out.once('close', () => {
    if (!out.readableEnded && !last.destroyed) last.destroy();
  });
  if (known) {
    obj.body = out;
    return true;
  }
  try {
    const head = await readHead(out, () => known);
    obj.body = new ReplayReadable(head.chunks, out);
    return true;
  } catch {
    return false; // the rewrite failed before the UIDs were known: rejected already
  }
}
