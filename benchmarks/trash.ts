/**
 * Where a benchmark puts a measured run's output instead of deleting it before the next run.
 *
 * ext4 without a journal (the file system of the machines these figures come from: /proc/fs/jbd2 lists none) will
 * not reuse an inode freed in the last 60 s, or 360 s while its inode table block is unwritten (recently_deleted()
 * in fs/ext4/ialloc.c). It looks at each such inode, one buffer lookup each, every time it creates a file in that
 * group. Deleting the last run's 1000 files made every create of the next run look at up to thousands of them:
 * recently_deleted() and its lookups were 9% of DCMTK's samples in `perf`, 10% of ours, and the system time of both
 * clients rose from run to run (BENCHMARKS.md, "Files deleted just before a run").
 *
 * So the files are emptied (their blocks go back at once) and their folder moved into the trash, inodes kept; the
 * trash is deleted when the benchmark ends. A second benchmark started within 6 minutes of the first pays for that.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

export class Trash {
  private count = 0;

  constructor(private readonly dir: string) {}

  /** Empties every file under `path` and moves `path` into the trash; nothing happens if it does not exist. */
  retire(path: string): void {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true, recursive: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) if (e.isFile()) truncateSync(join(e.parentPath, e.name), 0);
    mkdirSync(this.dir, { recursive: true });
    renameSync(path, join(this.dir, `${process.pid}-${this.count++}`));
  }

  /** An empty folder at `path`: what was there goes to the trash first. */
  clear(path: string): void {
    this.retire(path);
    mkdirSync(path, { recursive: true });
  }

  /** Deletes the trash (with what an interrupted benchmark left in it). */
  empty(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
