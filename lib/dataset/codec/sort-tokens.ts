/**
 * The tokens of a data set held in memory, in the order DCMTK stores it: DCMTK inserts every element it reads in
 * tag order (DcmItem::insert: "Dataset not in ascending tag order") and keeps the first of a repeated tag ("found
 * twice in one data set or item, ignoring second entry"), in the data set and in every item. Whatever it writes
 * after reading (any mode but +B) is therefore sorted; so is what we convert from a small object held in memory.
 * Values are not copied: tokens are only regrouped.
 */
import { DimseError, formatTag } from '../../errors';
import type { DatasetToken } from './tokens';

interface Unit {
  tag: number;
  tokens: DatasetToken[];
}

export interface SortedTokens {
  tokens: DatasetToken[];
  /** The tags dropped as repeated, in input order (each level's first occurrence was kept). */
  repeated: number[];
  /** Whether anything moved or was dropped. */
  changed: boolean;
  /** DCMTK's warnings for the same data set, in the order it logs them (as it reads). */
  warnings: string[];
}

/** Whether the tokens are already in DCMTK's order (ascending, no repeats) at every level. */
export function inTagOrder(tokens: readonly DatasetToken[]): boolean {
  const order = new TagOrderCheck(Infinity);
  for (const t of tokens) order.push(t);
  return !order.disordered;
}

export interface TopLevelUnit {
  tag: number;
  /** Offset of the unit's header in the token stream (the tokenizer's offsets). */
  offset: number;
}

/**
 * Follows a token stream as DCMTK reads it: each element is inserted into its data set or item once it is read
 * completely (a sequence after its items), with DCMTK's warning when it lands before an element already there or
 * repeats one. Also lists the top-level units and their offsets, so that a large object can be rewritten in
 * order from the file it was written to (see lib/sinks/directory.ts). Bounded: past `maxUnits` elements in one
 * data set or item it stops listing and remembers only that it gave up (`overflow`).
 */
export class TagOrderCheck {
  readonly warnings: string[] = [];
  readonly units: TopLevelUnit[] = [];
  /** Something was out of order or repeated, at any level. */
  disordered = false;
  overflow = false;
  private readonly levels: { seen: Set<number>; max: number }[] = [{ seen: new Set(), max: -1 }];
  /** Tags of the elements being read, innermost last. */
  private readonly open: number[] = [];

  constructor(private readonly maxUnits = 100_000) {}

  push(t: DatasetToken): void {
    switch (t.type) {
      case 'element':
      case 'sequenceStart':
      case 'encapsulatedStart':
        if (this.open.length === 0 && !this.overflow) {
          if (this.units.length >= this.maxUnits) this.overflow = true;
          else this.units.push({ tag: t.tag, offset: t.offset });
        }
        this.open.push(t.tag);
        return;
      case 'itemStart':
        this.levels.push({ seen: new Set(), max: -1 });
        return;
      case 'itemEnd':
        this.levels.pop();
        return;
      case 'elementEnd':
      case 'sequenceEnd':
      case 'encapsulatedEnd':
        this.insert(this.open.pop() as number);
        return;
      default:
        return;
    }
  }

  private insert(tag: number): void {
    const level = this.levels[this.levels.length - 1] as { seen: Set<number>; max: number };
    if (level.seen.has(tag)) {
      this.warnings.push(`DcmItem: Element ${formatTag(tag)} found twice in one data set or item, ignoring second entry`);
      this.disordered = true;
    } else if (tag < level.max) {
      this.warnings.push(`DcmItem: Dataset not in ascending tag order, at element ${formatTag(tag)}`);
      this.disordered = true;
    }
    if (level.seen.size < this.maxUnits) level.seen.add(tag);
    else this.overflow = true;
    level.max = Math.max(level.max, tag);
  }
}

/** Regroups a complete token stream of one data set in tag order at every level, the first of a repeated tag kept. */
export function sortTokens(tokens: readonly DatasetToken[]): SortedTokens {
  const repeated: number[] = [];
  // DCMTK inserts each element once it is read (after its items): its warnings come in that order.
  const order = new TagOrderCheck(Infinity);
  for (const t of tokens) order.push(t);
  const warnings = order.warnings;
  let changed = false;
  let i = 0;

  const fail = (what: string): never => {
    throw new DimseError('DATASET_BAD_TOKENS', `cannot sort the data set's elements: ${what}`, { offset: 0 });
  };

  // The units of one level up to `stop` ('itemEnd' for an item's content, none for the data set).
  const list = (stop: 'itemEnd' | null): DatasetToken[] => {
    const units: Unit[] = [];
    while (i < tokens.length) {
      const t = tokens[i] as DatasetToken;
      if (t.type === stop) break;
      if (t.type === 'element') units.push({ tag: t.tag, tokens: through('elementEnd') });
      else if (t.type === 'encapsulatedStart') units.push({ tag: t.tag, tokens: through('encapsulatedEnd') });
      else if (t.type === 'sequenceStart') units.push({ tag: t.tag, tokens: sequence() });
      else fail(`unexpected ${t.type} token`);
    }
    const sorted = units.map((u, k) => ({ u, k })).sort((a, b) => a.u.tag - b.u.tag || a.k - b.k);
    if (sorted.some((s, k) => s.k !== k)) changed = true;
    const out: DatasetToken[] = [];
    let prev = -1;
    for (const { u } of sorted) {
      if (u.tag === prev) {
        repeated.push(u.tag);
        changed = true;
        continue;
      }
      prev = u.tag;
      for (const t of u.tokens) out.push(t);
    }
    return out;
  };

  // Tokens from tokens[i] through the first token of type `end` (values and fragments in between are flat).
  const through = (end: DatasetToken['type']): DatasetToken[] => {
    const start = i;
    while (i < tokens.length && (tokens[i] as DatasetToken).type !== end) i++;
    if (i === tokens.length) fail(`no ${end} token`);
    i++;
    return tokens.slice(start, i) as DatasetToken[];
  };

  const sequence = (): DatasetToken[] => {
    const out: DatasetToken[] = [tokens[i++] as DatasetToken];
    while (i < tokens.length && (tokens[i] as DatasetToken).type === 'itemStart') {
      out.push(tokens[i++] as DatasetToken);
      for (const t of list('itemEnd')) out.push(t);
      if ((tokens[i] as DatasetToken | undefined)?.type !== 'itemEnd') fail('an item without its end');
      out.push(tokens[i++] as DatasetToken);
    }
    if ((tokens[i] as DatasetToken | undefined)?.type !== 'sequenceEnd') fail('a sequence without its end');
    out.push(tokens[i++] as DatasetToken);
    return out;
  };

  const out = list(null);
  if (i !== tokens.length) fail(`stray ${(tokens[i] as DatasetToken).type} token`);
  return { tokens: out, repeated, changed, warnings };
}
