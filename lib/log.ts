/**
 * The library logs through this interface only; the CLI supplies one that prints DCMTK's "I: ..." lines.
 * Levels follow DCMTK's oflog: trace < debug < info < warn < error < fatal.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  fatal(message: string): void;
  /** True when messages at this level are printed: lets callers skip building expensive dumps. */
  enabled(level: LogLevel): boolean;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** A Logger from a threshold test and an output: the six levels differ only in what they pass on. */
export function loggerOf(enabled: (level: LogLevel) => boolean, emit: (level: LogLevel, message: string) => void): Logger {
  const at = (level: LogLevel) => (message: string): void => {
    if (enabled(level)) emit(level, message);
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), enabled };
}

const noop = (): void => {};
export const silentLogger: Logger = {
  trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop,
  enabled: () => false,
};
