/**
 * PS3.4 C.2.2.2 attribute matching, as far as a test archive needs it: universal (empty), single value, wildcard
 * (* and ?), list of UIDs, and ranges for dates and times. Keys the catalog does not hold match only universally.
 */
import type { CatalogEntry, Level } from './catalog-types';
import { UNIQUE_KEY, QUERY_RETRIEVE_LEVEL } from './catalog-types';
import { Status } from '../dimse/status';

export interface QueryKey {
  tag: number;
  vr: string;
  value: string;
}

function wildcard(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

export function matchesKey(entry: CatalogEntry, key: QueryKey): boolean {
  const want = key.value.trim();
  if (want === '' || want === '*') return true;
  const have = entry.values.get(key.tag);
  if (have === undefined) return false;
  if (key.vr === 'UI') return want.split('\\').some((u) => u.trim() === have);
  if ((key.vr === 'DA' || key.vr === 'TM' || key.vr === 'DT') && want.includes('-')) {
    const [lo, hi] = want.split('-');
    return (lo === '' || have >= lo) && (hi === '' || have <= hi);
  }
  if (/[*?]/.test(want)) return wildcard(want).test(have);
  return want === have;
}

/**
 * The failure status for an identifier without a level, as dcmqrscp answers: no QueryRetrieveLevel is A900
 * (identifier does not match SOP class), a value that names no level C000 (unable to process). C-FIND (PS3.4
 * C.4.1.1.4) and C-MOVE (C.4.2.1.5) give these codes the same meaning.
 */
const LEVEL_FAILURE = { missing: Status.MoveIdentifierDoesNotMatchSopClass, unknown: Status.MoveUnableToProcess } as const;

/** The entries the identifier selects and its level, or the status that refuses an identifier without one. */
export function select(entries: readonly CatalogEntry[], keys: readonly QueryKey[]):
  { level: Level; matches: CatalogEntry[] } | { level: null; failure: number } {
  const levelKey = keys.find((k) => k.tag === QUERY_RETRIEVE_LEVEL);
  if (!levelKey) return { level: null, failure: LEVEL_FAILURE.missing };
  const level = levelKey.value.trim().toUpperCase();
  if (!isLevel(level)) return { level: null, failure: LEVEL_FAILURE.unknown };
  const criteria = keys.filter((k) => k.tag !== QUERY_RETRIEVE_LEVEL);
  return { level, matches: entries.filter((e) => criteria.every((k) => matchesKey(e, k))) };
}

function isLevel(s: string): s is Level {
  return s in UNIQUE_KEY;
}

/** One representative entry per entity of the level (first seen), for C-FIND responses. */
export function entitiesAt(level: Level, entries: readonly CatalogEntry[]): CatalogEntry[] {
  const seen = new Map<string, CatalogEntry>();
  for (const e of entries) {
    const id = e.values.get(UNIQUE_KEY[level]) ?? '';
    if (!seen.has(id)) seen.set(id, e);
  }
  return [...seen.values()];
}
