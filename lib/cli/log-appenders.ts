/**
 * The Logger of `-lc FILE`: each message an event of dcmtk.apps.movescu, written by every appender it reaches
 * (log-config.ts) that its threshold lets through, each with its own layout. Files are written asynchronously,
 * in order (FileSink below); the process does not end before every line logged is in its file.
 */
import { close as fsClose, fstatSync, open as fsOpen, openSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { call, writevFully } from '../file-calls';
import { loggerOf, type Logger } from '../log';
import { levelEnabled, type Write } from './logger';
import { MOVESCU_LOGGER, passes, type AppenderSpec, type LogConfig } from './log-config';
import type { LogEvent } from './log-pattern';
import { systemErrorText } from '../errors';

export interface AppenderDeps {
  readonly stdout: Write;
  readonly stderr: Write;
  /** Microseconds since the epoch. */
  readonly nowUs: () => number;
}

const defaultDeps: AppenderDeps = {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { process.stderr.write(t); },
  nowUs: () => Math.round((performance.timeOrigin + performance.now()) * 1000),
};

type Sink = (text: string) => void;

/**
 * A file appender (FileAppender, RollingFileAppender). Opened, truncated unless appending, when the logger is made,
 * as log4cplus opens it, before any association. After that nothing is written synchronously: a line logged is
 * queued, and one write at a time takes what is queued, in order, through the thread pool, so that a slow log disk
 * cannot stall the associations (ROADMAP: no synchronous file I/O on the path that serves them). log4cplus writes
 * each line at once; here the lines of the last fraction of a millisecond are lost if the process is killed.
 */
class FileSink {
  /** Null while a rollover closes and reopens it, or for good once the appender has given up (`dead`). */
  private fd: number | null;
  private dead: boolean;
  private size: number;
  private readonly queue: Buffer[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly target: FileTarget, private readonly deps: AppenderDeps) {
    this.fd = this.openSync(target.append ? 'a' : 'w');
    this.dead = this.fd === null;
    this.size = this.fd === null ? 0 : fstatSync(this.fd).size;
  }

  write(text: string): void {
    if (this.dead) return; // lines logged during a rollover wait in the queue
    this.queue.push(Buffer.from(text, 'utf8'));
    this.draining ??= this.drain();
  }

  /** Resolves once every line logged so far is in the file, or the appender has given up. */
  settled(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    const t = this.target;
    while (this.fd !== null && this.queue.length > 0) {
      const batch = this.take();
      const bytes = batch.reduce((n, b) => n + b.length, 0);
      try {
        await writevFully(this.fd, batch, t.file, null);
        this.size += bytes;
        if (t.kind === 'rolling' && this.size > t.maxFileSize) await this.rollover(t.maxBackupIndex);
      } catch (e) {
        // The log file is lost (a full disk, a size limit); the retrieval goes on, as DCMTK's does, and says so once.
        this.deps.stderr(`log4cplus:ERROR Unable to write to file: ${t.file}: ${systemErrorText(e as NodeJS.ErrnoException)}\n`);
        if (this.fd !== null) await closeQuietly(this.fd);
        this.giveUp();
      }
    }
    this.draining = null;
  }

  /**
   * The queued lines to write next: all of them, or for a rolling appender those up to the one that takes the file
   * past MaxFileSize, so that each rollover falls after the line it falls after in log4cplus.
   */
  private take(): Buffer[] {
    let n = 0;
    for (let bytes = 0; n < this.queue.length;) {
      bytes += this.queue[n++]!.length;
      if (this.target.kind === 'rolling' && this.size + bytes > this.target.maxFileSize) break;
    }
    return this.queue.splice(0, n);
  }

  /** RollingFileAppender::rollover: FILE.n-1 → FILE.n ... FILE → FILE.1, then a new, empty FILE. */
  private async rollover(maxBackupIndex: number): Promise<void> {
    const file = this.target.file;
    const fd = this.fd!;
    this.fd = null;
    await closeQuietly(fd);
    await rm(`${file}.${maxBackupIndex}`, { force: true });
    for (let i = maxBackupIndex - 1; i >= 1; i--) await rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => { /* no such backup yet */ });
    await rename(file, `${file}.1`);
    // fs.open, not fs/promises' open: a FileHandle closes its fd itself when collected, and this one is closed here.
    this.fd = await call<number>((cb) => fsOpen(file, 'w', cb)).catch(() => this.openFailed());
    this.size = 0;
    if (this.fd === null) this.giveUp();
  }

  /** The file is lost: nothing more is queued or written. */
  private giveUp(): void {
    this.fd = null;
    this.dead = true;
    this.queue.length = 0;
  }

  private openSync(flags: 'a' | 'w'): number | null {
    try {
      return openSync(this.target.file, flags);
    } catch {
      return this.openFailed();
    }
  }

  /** FileAppender's error handler, once; the appender then writes nothing (DCMTK carries on). */
  private openFailed(): null {
    this.deps.stderr(`log4cplus:ERROR Unable to open file: ${this.target.file}\n`);
    return null;
  }
}

type FileTarget = Extract<AppenderSpec['target'], { kind: 'file' | 'rolling' }>;

function closeQuietly(fd: number): Promise<void> {
  return new Promise((resolve) => fsClose(fd, () => resolve()));
}

/** The logger of `-lc`; `settled()` resolves once every line logged so far is in its files. */
export interface ConfiguredLogger extends Logger {
  settled(): Promise<void>;
}

export function createConfiguredLogger(config: LogConfig, deps: AppenderDeps = defaultDeps): ConfiguredLogger {
  const sinks = new Map<AppenderSpec, Sink>();
  const files: FileSink[] = [];
  const sinkOf = (a: AppenderSpec): Sink => {
    let s = sinks.get(a);
    if (s === undefined) {
      const t = a.target;
      if (t.kind === 'console') s = t.stream === 'stderr' ? deps.stderr : deps.stdout;
      else if (t.kind === 'null') s = () => {};
      else {
        const file = new FileSink(t, deps);
        files.push(file);
        s = (text) => file.write(text);
      }
      sinks.set(a, s);
    }
    return s;
  };
  // Every appender is created (a file opened, or truncated) when the configuration is read, used or not.
  for (const a of [...config.movescuAppenders, ...config.rootAppenders]) sinkOf(a);

  const append = (appenders: readonly AppenderSpec[], e: LogEvent): void => {
    for (const a of appenders) if (passes(e.level, a.threshold)) sinkOf(a)(a.layout.format(e));
  };
  for (const message of config.forced) {
    append(config.rootAppenders, { level: 'info', loggerName: 'root', message, timeUs: deps.nowUs() });
  }
  const logger = loggerOf(
    (level) => levelEnabled(config.movescuLevel, level),
    (level, message) => append(config.movescuAppenders, { level, loggerName: MOVESCU_LOGGER, message, timeUs: deps.nowUs() }),
  );
  return { ...logger, settled: async () => { await Promise.all(files.map((f) => f.settled())); } };
}
