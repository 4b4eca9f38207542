/**
 * RewriteTokens: a token stream (tokens.ts) in, the same stream with some top-level elements replaced, removed or
 * inserted out. Everything else, values of any size included, passes through as it comes; only the old value of an
 * element whose change is a function is held (the function needs it whole).
 *
 * New elements are inserted before the first top-level entry with a greater tag (or at the end), so a data set in
 * tag order stays in tag order. An entry is matched by its tag at the top level only, and only its first
 * occurrence (DCMTK keeps the first of repeated tags too).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DimseError, formatTag } from '../errors';
import { bytesToString, decodeBigInts, decodeNumbers, decodeTags, valueFromString, type NumberVr } from '../dataset/codec/values';
import type { DatasetToken } from '../dataset/codec/tokens';
import { isStringVr, type Vr } from '../dataset/codec/vr';
import type { ReceivedObject } from '../received-object';
import type { AttributeKey } from './attribute-keys';

/**
 * A change of one attribute: a value (string, or a number written as its decimal text) replaces it or adds it;
 * null removes it; a function gets the old value as text (undefined when absent) and returns the new one, null to
 * remove it, or undefined to leave it as it is (absent stays absent).
 */
export type AttributeChange = string | number | null | ((old: string | undefined, obj: ReceivedObject) => string | null | undefined);

export interface PlannedChange {
  key: AttributeKey;
  change: AttributeChange;
}

export interface RewriteHooks {
  /** A top-level element got this new value (text), or was removed (null). */
  onSet?(tag: number, text: string | null): void;
  /** The rewrite is past every tag below `tag` (a top-level entry with that tag comes next; Infinity: the end). */
  onPassed?(tag: number): void;
}

const NUMBER_VRS: ReadonlySet<string> = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'OF', 'OD', 'OL']);

/**
 * A value as text, the way a function change sees it: strings without their padding; binary numbers in decimal and
 * AT as (gggg,eeee), several values joined with a backslash; OB, UN as 2-digit and OW as 4-digit hex values (the
 * forms valueFromString reads back, as DCMTK's getOFStringArray / putString do).
 */
export function valueText(vr: string, bytes: Buffer): string {
  if (isStringVr(vr)) return bytesToString(bytes, vr);
  if (NUMBER_VRS.has(vr)) return decodeNumbers(vr as NumberVr, bytes).join('\\');
  if (vr === 'SV' || vr === 'UV' || vr === 'OV') return decodeBigInts(vr === 'SV' ? 'SV' : 'UV', bytes).join('\\');
  if (vr === 'AT') return decodeTags(bytes).map(formatTag).join('\\');
  if (vr === 'OW') return decodeNumbers('OW', bytes).map((n) => n.toString(16).padStart(4, '0')).join('\\');
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('\\');
}

type Mode =
  | { kind: 'pass' }
  /** Dropping the current top-level entry up to its end token. */
  | { kind: 'drop' }
  /** Holding the old value of an element whose change is a function. */
  | { kind: 'hold'; planned: PlannedChange; element: Extract<DatasetToken, { type: 'element' }>; parts: Buffer[] };

export class RewriteTokens extends Transform {
  /** Index of the first change whose tag has not been reached yet. */
  private next = 0;
  private depth = 0;
  private mode: Mode = { kind: 'pass' };
  private offset = 0;

  /** `changes` sorted by tag, one per tag. */
  constructor(private readonly changes: readonly PlannedChange[], private readonly obj: ReceivedObject, private readonly hooks: RewriteHooks = {}) {
    super({ objectMode: true, highWaterMark: 16 });
  }

  override _transform(t: DatasetToken, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.token(t);
      callback();
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.insertBefore(Infinity);
      this.hooks.onPassed?.(Infinity);
      callback();
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private token(t: DatasetToken): void {
    if ('offset' in t) this.offset = t.offset;
    const top = this.depth === 0;
    switch (t.type) {
      case 'element':
        if (top) return this.entry(t.tag, t);
        break;
      case 'sequenceStart':
      case 'encapsulatedStart':
        if (top) this.entry(t.tag, t);
        else if (this.mode.kind === 'pass') this.push(t);
        this.depth++;
        return;
      case 'sequenceEnd':
      case 'encapsulatedEnd':
        this.depth--;
        if (this.depth === 0 && this.mode.kind === 'drop') {
          this.mode = { kind: 'pass' };
          return;
        }
        break;
      case 'value':
        if (this.mode.kind === 'hold') {
          this.mode.parts.push(t.data);
          return;
        }
        break;
      case 'elementEnd':
        if (top && this.mode.kind !== 'pass') return this.entryEnd(t);
        break;
      default:
        break;
    }
    if (this.mode.kind === 'pass') this.push(t);
  }

  /** A top-level entry starts: first the additions that go before it, then it is kept, replaced or dropped. */
  private entry(tag: number, t: DatasetToken): void {
    this.insertBefore(tag);
    this.hooks.onPassed?.(tag);
    const planned = this.changes[this.next];
    if (!planned || planned.key.tag !== tag) {
      this.push(t);
      return;
    }
    this.next++;
    const { change, key } = planned;
    if (t.type !== 'element') {
      // A sequence, or encapsulated pixel data: it can be removed, not given a text value.
      if (change === null) {
        this.dropEntry(tag);
        return;
      }
      throw new DimseError('STAGE_CANNOT_REWRITE',
        `rewriteAttributes: ${key.name} ${formatTag(tag)} is ${t.type === 'sequenceStart' ? 'a sequence' : 'encapsulated pixel data'}` +
        ' in this data set: it can only be removed (null)', { tag, offset: this.offset });
    }
    // The element's own VR, unless UN: then the dictionary's (a known tag sent as UN gets its real VR back).
    const vr: Vr = t.vr === 'UN' ? key.vr : t.vr;
    if (typeof change === 'function') {
      this.mode = { kind: 'hold', planned, element: { ...t, vr }, parts: [] };
      return;
    }
    this.mode = { kind: 'drop' };
    if (change === null) this.hooks.onSet?.(tag, null);
    else this.emitElement(key, vr, String(change));
  }

  private entryEnd(t: Extract<DatasetToken, { type: 'elementEnd' }>): void {
    const mode = this.mode;
    this.mode = { kind: 'pass' };
    if (mode.kind !== 'hold') return; // the dropped element ends
    const old = mode.parts.length === 1 ? mode.parts[0] as Buffer : Buffer.concat(mode.parts);
    const fn = mode.planned.change as (old: string | undefined, obj: ReceivedObject) => string | null | undefined;
    const result = fn(valueText(mode.element.vr, old), this.obj);
    if (result === undefined) {
      // Unchanged: the element as it came (its VR back to the stream's: UN stays UN).
      this.push(mode.element);
      if (old.length > 0) this.push({ type: 'value', data: old });
      this.push(t);
    } else if (result === null) {
      this.hooks.onSet?.(mode.element.tag, null);
    } else {
      this.emitElement(mode.planned.key, mode.element.vr, result);
    }
  }

  private dropEntry(tag: number): void {
    this.mode = { kind: 'drop' };
    this.hooks.onSet?.(tag, null);
  }

  /** Inserts the changes for absent elements with tags below `tag`. */
  private insertBefore(tag: number): void {
    for (let c = this.changes[this.next]; c && c.key.tag < tag; c = this.changes[++this.next]) {
      const value = typeof c.change === 'function' ? c.change(undefined, this.obj) : c.change;
      if (value !== null && value !== undefined) this.emitElement(c.key, c.key.vr, String(value));
    }
  }

  private emitElement(key: AttributeKey, vr: Vr, text: string): void {
    let data: Buffer;
    try {
      data = valueFromString(vr, text);
    } catch (e) {
      throw new DimseError('STAGE_BAD_VALUE', `rewriteAttributes: ${key.name} ${formatTag(key.tag)}: cannot encode "${text}" as ${vr}`,
        { tag: key.tag, offset: this.offset }, { cause: e });
    }
    this.push({ type: 'element', tag: key.tag, vr, length: data.length, offset: this.offset });
    if (data.length > 0) this.push({ type: 'value', data });
    this.push({ type: 'elementEnd', tag: key.tag });
    this.hooks.onSet?.(key.tag, text);
  }
}
