/**
 * What the machine was doing when a benchmark ran, for its report: the load average, and how much memory was free
 * and how much held the page cache. Both have moved our figures: with the page cache full, every page a file write
 * needs is first taken from another file, and one write of a whole object after its last byte was at times much
 * dearer than with memory free (BENCHMARKS.md, "Writing while the object arrives").
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** E.g. `load average 0.52 0.61 0.70; memory 20.3 GiB free, 3.0 GiB page cache`. */
export function machineState(): string {
  const load = `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
  let info: string;
  try {
    info = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return load;
  }
  const gib = (key: string): string => {
    const kb = Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? NaN);
    return (kb / 1024 / 1024).toFixed(1);
  };
  return `${load}; memory ${gib('MemFree')} GiB free, ${gib('Cached')} GiB page cache`;
}
