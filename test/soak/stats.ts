/**
 * What one soak phase counts. Everything but `cases` and `errors` is a failure: the soak exits non-zero, the bounded
 * test asserts it is 0. `failures` keeps a few replayable descriptions (seed, case index, what went wrong).
 */
export interface PhaseStats {
  phase: string;
  cases: number;
  /** Typed (expected) failures by DimseError code, or by exit code / outcome for process phases. */
  errors: Map<string, number>;
  crashes: number;
  hangs: number;
  /** Success claimed without the file, a file under a final name that is incomplete or wrong, a missing object not reported. */
  lostOrCorrupt: number;
  /** Objects stored, on an association released in order, whose C-STORE-RSP never came (receive phase). */
  unanswered: number;
  /** Temporary files left behind. */
  leftovers: number;
  outside: number;
  /** Peak RSS of child movescu processes, KiB (0 if none measured). */
  childMaxRssKb: number;
  /** Phase skipped entirely, or some kind of case skipped (with why). */
  skipped: string[];
  failures: string[];
  ms: number;
}

export function newStats(phase: string): PhaseStats {
  return { phase, cases: 0, errors: new Map(), crashes: 0, hangs: 0, lostOrCorrupt: 0, unanswered: 0, leftovers: 0, outside: 0, childMaxRssKb: 0, skipped: [], failures: [], ms: 0 };
}

export function countError(s: PhaseStats, code: string): void {
  s.errors.set(code, (s.errors.get(code) ?? 0) + 1);
}

/** Keeps the first few failure descriptions only: one reproduction is enough, a thousand copies drown it. */
export function noteFailure(s: PhaseStats, what: string): void {
  if (s.failures.length < 20) s.failures.push(what);
}

export function failed(s: PhaseStats): number {
  return s.crashes + s.hangs + s.lostOrCorrupt + s.unanswered + s.leftovers + s.outside;
}

/** A small seeded generator (mulberry32): the process phases draw their random moments and limits from it. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Entries of a folder as a set, for "nothing was written outside" checks (a vanished folder is empty). */
export function listing(dir: string, readdir: (d: string) => string[]): Set<string> {
  try {
    return new Set(readdir(dir));
  } catch {
    return new Set();
  }
}

export function newEntries(before: Set<string>, after: Set<string>): string[] {
  return [...after].filter((n) => !before.has(n));
}
