/** Small statistics shared by the benchmarks. */

/** The median of `xs` (the mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** `median (min–max)` of `xs`, each figure written by `fmt` (two decimals by default). */
export function medianRange(xs: readonly number[], fmt: (x: number) => string = (x) => x.toFixed(2)): string {
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
}
