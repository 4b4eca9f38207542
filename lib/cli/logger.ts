/**
 * The CLI's Logger: DCMTK's oflog default set-up (oflog.cc OFLog_init): pattern "%P: %m%n" on stderr, one
 * letter per level, and (PatternLayout formatEachLine) a multi-line message printed as one prefixed line per
 * line, e.g. "F: Association Request Failed:\nF: 0006:031c TCP Initialization Error: ...".
 * Verified against movescu 3.6.7: every log line, "I:" included, goes to stderr; stdout carries only --help and
 * --version.
 */
import { loggerOf, type Logger, type LogLevel } from '../log';

/** 'off' is log4cplus' OFF level (`-ll off`): nothing at all is printed. */
export type Threshold = LogLevel | 'off';

const RANK: Readonly<Record<Threshold, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, off: 6 };
const PREFIX: Readonly<Record<LogLevel, string>> = { trace: 'T', debug: 'D', info: 'I', warn: 'W', error: 'E', fatal: 'F' };

/** Formats one message as DCMTK prints it: every line prefixed, a trailing newline producing an empty "X: " line. */
export function formatLogMessage(level: LogLevel, message: string): string {
  const p = PREFIX[level];
  return message.split('\n').map((line) => `${p}: ${line}\n`).join('');
}

/** True when a message of `level` is printed under `threshold`. */
export function levelEnabled(threshold: Threshold, level: LogLevel): boolean {
  return RANK[level] >= RANK[threshold];
}

export type Write = (text: string) => void;

const toStderr: Write = (text) => {
  process.stderr.write(text);
};

export function createConsoleLogger(threshold: Threshold, write: Write = toStderr): Logger {
  return loggerOf((level) => levelEnabled(threshold, level), (level, message) => write(formatLogMessage(level, message)));
}

/** log4cplus' LogLevelManager::fromString: case-insensitive; ALL is TRACE; NOTSET and anything else invalid. */
export function parseLogLevel(s: string): Threshold | null {
  switch (s.toUpperCase()) {
    case 'ALL': case 'TRACE': return 'trace';
    case 'DEBUG': return 'debug';
    case 'INFO': return 'info';
    case 'WARN': return 'warn';
    case 'ERROR': return 'error';
    case 'FATAL': return 'fatal';
    case 'OFF': return 'off';
    default: return null;
  }
}
