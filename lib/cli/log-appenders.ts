/**
 * The Logger of `-lc FILE`: each message an event of dcmtk.apps.movescu, written by every appender it reaches
 * (log-config.ts) that its threshold lets through, each with its own layout. Files are written synchronously, a
 * line at a time, as log4cplus' FileAppender with ImmediateFlush does: a line logged is in the file.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
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

/** A file appender: opened (truncated unless appending) when the logger is made, as log4cplus opens it. */
function fileSink(spec: AppenderSpec, deps: AppenderDeps): Sink {
  const t = spec.target;
  if (t.kind !== 'file' && t.kind !== 'rolling') throw new Error('not a file appender');
  const open = (flags: 'a' | 'w'): number | null => {
    try {
      return openSync(t.file, flags);
    } catch {
      // FileAppender's error handler, once; the appender then writes nothing (DCMTK carries on).
      deps.stderr(`log4cplus:ERROR Unable to open file: ${t.file}\n`);
      return null;
    }
  };
  let fd = open(t.append ? 'a' : 'w');
  let size = fd === null ? 0 : fstatSync(fd).size;
  return (text) => {
    if (fd === null) return;
    const bytes = Buffer.from(text, 'utf8');
    try {
      // A short write is not a success: write the rest, until the system says why it cannot.
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    } catch (e) {
      // The log file is lost (a full disk, a size limit); the retrieval goes on, as DCMTK's does, and says so once.
      deps.stderr(`log4cplus:ERROR Unable to write to file: ${t.file}: ${systemErrorText(e as NodeJS.ErrnoException)}\n`);
      closeSync(fd);
      fd = null;
      return;
    }
    size += bytes.length;
    if (t.kind === 'rolling' && size > t.maxFileSize) {
      // RollingFileAppender::rollover: FILE.n-1 → FILE.n ... FILE → FILE.1, then a new, empty FILE.
      closeSync(fd);
      rmSync(`${t.file}.${t.maxBackupIndex}`, { force: true });
      for (let i = t.maxBackupIndex - 1; i >= 1; i--) {
        if (existsSync(`${t.file}.${i}`)) renameSync(`${t.file}.${i}`, `${t.file}.${i + 1}`);
      }
      renameSync(t.file, `${t.file}.1`);
      fd = open('w');
      size = 0;
    }
  };
}

export function createConfiguredLogger(config: LogConfig, deps: AppenderDeps = defaultDeps): Logger {
  const sinks = new Map<AppenderSpec, Sink>();
  const sinkOf = (a: AppenderSpec): Sink => {
    let s = sinks.get(a);
    if (s === undefined) {
      const t = a.target;
      s = t.kind === 'console' ? (t.stream === 'stderr' ? deps.stderr : deps.stdout)
        : t.kind === 'null' ? () => {} : fileSink(a, deps);
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
  return loggerOf(
    (level) => levelEnabled(config.movescuLevel, level),
    (level, message) => append(config.movescuAppenders, { level, loggerName: MOVESCU_LOGGER, message, timeUs: deps.nowUs() }),
  );
}
