/**
 * DataElement: the in-memory form of a SMALL dataset (query identifiers, command-like datasets, test fixtures),
 * and the assembler that builds it from tokens. Large objects never take this form: they stay token streams.
 */
import { DimseError } from '../../errors';
import type { DatasetToken } from './tokens';

/** Encapsulated pixel data: fragments[0] is the basic offset table (may be empty). */
export interface EncapsulatedValue {
  readonly fragments: Buffer[];
}

export interface DataElement {
  tag: number;
  /** 'SQ' (or 'UN' for an undefined-length UN read as a sequence) when value is a list of items. */
  vr: string;
  /** Value bytes little endian as stored (unpadded or padded, both accepted); items for SQ; fragments. */
  value: Buffer | DataElement[][] | EncapsulatedValue;
}

export function isItems(value: DataElement['value']): value is DataElement[][] {
  return Array.isArray(value);
}

export function isEncapsulated(value: DataElement['value']): value is EncapsulatedValue {
  return !Buffer.isBuffer(value) && !Array.isArray(value);
}

export interface AssembleOptions {
  /** Refuse datasets whose values add up to more than this (default 16 MiB): this form is for small datasets. */
  maxBytes?: number;
}

/** Builds DataElement trees from a token stream: push() every token, then elements(). */
export class ElementAssembler {
  private readonly root: DataElement[] = [];
  /** Open containers: the element lists being filled, innermost last. */
  private readonly lists: DataElement[][] = [this.root];
  private readonly sequences: DataElement[][][] = [];
  private current: { el: DataElement; parts: Buffer[] } | null = null;
  private fragments: Buffer[] | null = null;
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(options: AssembleOptions = {}) {
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  push(t: DatasetToken): void {
    switch (t.type) {
      case 'element':
        this.current = { el: { tag: t.tag, vr: t.vr, value: Buffer.alloc(0) }, parts: [] };
        this.list().push(this.current.el);
        return;
      case 'value':
        this.bytes += t.data.length;
        if (this.bytes > this.maxBytes) {
          throw new DimseError('DATASET_TOO_LARGE', `dataset larger than ${this.maxBytes} bytes: not a small dataset`, {});
        }
        this.current?.parts.push(t.data);
        return;
      case 'elementEnd':
        if (this.current) this.current.el.value = Buffer.concat(this.current.parts);
        this.current = null;
        return;
      case 'sequenceStart': {
        const items: DataElement[][] = [];
        this.list().push({ tag: t.tag, vr: t.vr, value: items });
        this.sequences.push(items);
        return;
      }
      case 'itemStart': {
        const item: DataElement[] = [];
        this.sequences[this.sequences.length - 1]?.push(item);
        this.lists.push(item);
        return;
      }
      case 'itemEnd':
        this.lists.pop();
        return;
      case 'sequenceEnd':
        this.sequences.pop();
        return;
      case 'encapsulatedStart':
        this.fragments = [];
        this.list().push({ tag: t.tag, vr: t.vr, value: { fragments: this.fragments } });
        return;
      case 'fragmentStart':
        this.current = { el: { tag: 0, vr: 'OB', value: Buffer.alloc(0) }, parts: [] };
        return;
      case 'fragmentEnd':
        if (this.current && this.fragments) this.fragments.push(Buffer.concat(this.current.parts));
        this.current = null;
        return;
      case 'encapsulatedEnd':
        this.fragments = null;
        return;
    }
  }

  elements(): DataElement[] {
    return this.root;
  }

  private list(): DataElement[] {
    return this.lists[this.lists.length - 1] as DataElement[];
  }
}

export async function collectElements(tokens: AsyncIterable<DatasetToken>, options: AssembleOptions = {}): Promise<DataElement[]> {
  const a = new ElementAssembler(options);
  for await (const t of tokens) a.push(t);
  return a.elements();
}

/**
 * Sorts by tag and keeps the FIRST of duplicate tags, at every level: what DCMTK's DcmItem does while reading
 * ("found twice in one data set or item, ignoring second entry").
 */
export function sortAndDedupe(elements: readonly DataElement[]): DataElement[] {
  const seen = new Set<number>();
  const out: DataElement[] = [];
  for (const el of elements) {
    if (seen.has(el.tag)) continue;
    seen.add(el.tag);
    out.push(isItems(el.value) ? { ...el, value: el.value.map((item) => sortAndDedupe(item)) } : el);
  }
  return out.sort((a, b) => a.tag - b.tag);
}

/** Replaces or inserts top-level elements by tag, keeping tag order. */
export function upsertElements(base: readonly DataElement[], updates: readonly DataElement[]): DataElement[] {
  const byTag = new Map<number, DataElement>();
  for (const el of base) byTag.set(el.tag, el);
  for (const el of updates) byTag.set(el.tag, el);
  return [...byTag.values()].sort((a, b) => a.tag - b.tag);
}

