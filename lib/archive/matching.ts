/**
 * PS3.4 C.2.2.2 attribute matching, as far as a test archive needs it: universal (empty), single value, wildcard
 * (* and ?), list of UIDs, and ranges for dates and times. Keys the catalog does not hold match only universally.
 */
import type { CatalogEntry, Level } from './catalog-types';
import { UNIQUE_KEY, QUERY_RETRIEVE_LEVEL } from './catalog-types';

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

/** The entries the identifier selects, and its level. */
export function select(entries: readonly CatalogEntry[], keys: readonly QueryKey[]): { level: Level | null; matches: CatalogEntry[] } {
  const levelKey = keys.find((k) => k.tag === QUERY_RETRIEVE_LEVEL);
  const level = (levelKey?.value.trim().toUpperCase() ?? '') as Level;
  if (!(level in UNIQUE_KEY)) return { level: null, matches: [] };
  const criteria = keys.filter((k) => k.tag !== QUERY_RETRIEVE_LEVEL);
  return { level, matches: entries.filter((e) => criteria.every((k) => matchesKey(e, k))) };
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
