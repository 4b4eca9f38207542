/**
 * log4cplus' PatternLayout as DCMTK 3.6.7's oflog has it (oflog/libsrc/patlay.cc, timehelp.cc, layout.cc): the
 * same parser states, the same conversion characters, the same padding and truncation (a too long value keeps
 * its LAST characters), and the date format handed to strftime after log4cplus' own %q, %Q and %s.
 *
 * What DCMTK only reports on its internal log ("log4cplus:ERROR Unexpected char ...") and then prints as literal
 * text, or what we cannot reproduce (source locations, the fully qualified host name, time zone names), is
 * refused by the parser: a PatternError, which the config reader turns into a message naming the file's line.
 */
import { hostname } from 'node:os';
import type { LogLevel } from '../log';

/** One log event as a layout sees it. `timeUs`: microseconds since the epoch. */
export interface LogEvent {
  readonly level: LogLevel;
  readonly loggerName: string;
  readonly message: string;
  readonly timeUs: number;
  /**
   * One line of a multi-line message split by formatEachLine: log4cplus makes a new event for each line without
   * copying the second thread id, so %T prints nothing for it (seen with DCMTK 3.6.7).
   */
  readonly splitLine?: boolean;
}

export class PatternError extends Error {}

/** log4cplus' level names (LogLevelManager::toString). */
export const LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL',
};

type Convert = (e: LogEvent) => string;
interface Converter { readonly convert: Convert; readonly min: number; readonly max: number; readonly left: boolean }

/** The process' values, injectable for tests. `startUs`: the base of %r (log4cplus' TTCC time base). */
export interface PatternEnv {
  readonly pid: number;
  readonly hostname: string;
  readonly startUs: number;
  /** For %D: local time; tests pin it with a fixed offset. Default: the process' time zone. */
  readonly localOffsetMinutes?: (timeUs: number) => number;
}

export function defaultPatternEnv(): PatternEnv {
  return { pid: process.pid, hostname: hostname(), startUs: Math.round(performance.timeOrigin * 1000) };
}

export interface Layout {
  /** The text appended for one event (several lines when the message has several and formatEachLine is on). */
  format(e: LogEvent): string;
}

/** log4cplus::SimpleLayout: "LEVEL - message\n", the whole message once. */
export const simpleLayout: Layout = { format: (e) => `${LEVEL_NAMES[e.level]} - ${e.message}\n` };

/** PatternLayout: `formatEachLine` (the default) formats every line of a multi-line message as its own event. */
export function patternLayout(pattern: string, formatEachLine: boolean, env: PatternEnv): Layout {
  const converters = parsePattern(pattern, env);
  const one = (e: LogEvent): string => {
    let out = '';
    for (const c of converters) out += pad(c, c.convert(e));
    return out;
  };
  return {
    format(e) {
      if (!formatEachLine || !e.message.includes('\n')) return one(e);
      return e.message.split('\n').map((line) => one({ ...e, message: line, splitLine: true })).join('');
    },
  };
}

/** PatternConverter::formatAndAppend. */
function pad(c: Converter, s: string): string {
  if (s.length > c.max) return s.slice(s.length - c.max);
  if (s.length < c.min) return c.left ? s + ' '.repeat(c.min - s.length) : ' '.repeat(c.min - s.length) + s;
  return s;
}

const NO_MAX = 0x7fffffff;
const literal = (text: string): Converter => ({ convert: () => text, min: -1, max: NO_MAX, left: false });

/** PatternParser::parse, state by state. */
export function parsePattern(pattern: string, env: PatternEnv): Converter[] {
  const list: Converter[] = [];
  let state: 'literal' | 'converter' | 'min' | 'dot' | 'max' = 'literal';
  let current = '';
  let pos = 0;
  let min = -1;
  let max = NO_MAX;
  let left = false;
  const reset = (): void => { min = -1; max = NO_MAX; left = false; };
  /** extractOption: "{...}" right after the conversion character, or "". */
  const option = (): string => {
    if (pattern[pos] !== '{') return '';
    const end = pattern.indexOf('}', pos);
    if (end === -1) throw new PatternError(`no matching '}' in conversion pattern "${pattern}"`);
    const r = pattern.slice(pos + 1, end);
    pos = end + 1;
    return r;
  };
  const finalize = (c: string): void => {
    const convert = converterFor(c, option, env, pos);
    list.push({ convert, min, max, left });
    current = '';
    state = 'literal';
    reset();
  };
  while (pos < pattern.length) {
    const c = pattern[pos++]!;
    switch (state) {
      case 'literal':
        if (pos === pattern.length) { current += c; continue; } // the last character is always literal
        if (c === '%') {
          if (pattern[pos] === '%') { current += c; pos++; break; }
          if (current !== '') list.push(literal(current));
          current = c;
          state = 'converter';
          reset();
        } else {
          current += c;
        }
        break;
      case 'converter':
        current += c;
        if (c === '-') left = true;
        else if (c === '.') state = 'dot';
        else if (c >= '0' && c <= '9') { min = c.charCodeAt(0) - 48; state = 'min'; }
        else finalize(c);
        break;
      case 'min':
        current += c;
        if (c >= '0' && c <= '9') min = min * 10 + (c.charCodeAt(0) - 48);
        else if (c === '.') state = 'dot';
        else finalize(c);
        break;
      case 'dot':
        current += c;
        if (c >= '0' && c <= '9') { max = c.charCodeAt(0) - 48; state = 'max'; }
        else throw new PatternError(`expected a digit after '.' at position ${pos} of conversion pattern "${pattern}", got "${c}"`);
        break;
      case 'max':
        current += c;
        if (c >= '0' && c <= '9') max = max * 10 + (c.charCodeAt(0) - 48);
        else finalize(c);
        break;
    }
  }
  if (current !== '') list.push(literal(current));
  if (list.length === 0) list.push({ convert: (e) => e.message, min: -1, max: NO_MAX, left: false }); // empty pattern: %m
  return list;
}

const REFUSED: Readonly<Record<string, string>> = {
  b: 'the source file name', F: 'the source file name', l: 'the source location', L: 'the source line',
  M: 'the function name', H: 'the fully qualified host name',
};

function converterFor(c: string, option: () => string, env: PatternEnv, pos: number): Convert {
  switch (c) {
    case 'c': {
      const precision = Number.parseInt(option(), 10) || 0; // atoi: no number is 0, the whole name
      return (e) => loggerName(e.loggerName, precision);
    }
    case 'd': case 'D': {
      const format = option() || '%Y-%m-%d %H:%M:%S';
      const gmt = c === 'd';
      checkTimeFormat(format);
      return (e) => formatTime(format, e.timeUs, gmt ? 0 : (env.localOffsetMinutes ?? localOffset)(e.timeUs));
    }
    case 'h': return () => env.hostname;
    case 'i': return () => String(env.pid);
    case 'm': return (e) => e.message;
    case 'n': return () => '\n';
    case 'p': return (e) => LEVEL_NAMES[e.level];
    case 'P': return (e) => LEVEL_NAMES[e.level][0]!;
    case 'r': return (e) => relative(e.timeUs - env.startUs);
    // DCMTK's movescu is single-threaded: %T (the thread's id) is the process id; %t is the pthread handle, an
    // address that changes from run to run, for which the process id stands in.
    case 't': return () => String(env.pid);
    case 'T': return (e) => (e.splitLine === true ? '' : String(env.pid));
    case 'x': return () => ''; // DCMTK pushes no NDC
    case 'X': option(); return () => ''; // nor MDC values
    default:
      throw new PatternError(REFUSED[c] !== undefined
        ? `conversion character %${c} (${REFUSED[c]}) is not supported by dimse-stream`
        : `unexpected conversion character [${c}] at position ${pos} in conversion pattern`);
  }
}

/** LoggerPatternConverter: with precision n, the last n dot-separated components. */
function loggerName(name: string, precision: number): string {
  if (precision <= 0) return name;
  let end = name.length - 1;
  for (let i = precision; i > 0; i--) {
    end = end - 1 < 0 ? -1 : name.lastIndexOf('.', end - 1);
    if (end === -1) return name;
  }
  return name.slice(end + 1);
}

/** formatRelativeTimestamp: milliseconds since the start; from one second on, seconds then 3-digit milliseconds. */
function relative(us: number): string {
  const t = Math.max(0, us);
  const sec = Math.floor(t / 1e6);
  const ms = Math.floor((t % 1e6) / 1000);
  return sec !== 0 ? `${sec}${String(ms).padStart(3, '0')}` : String(ms);
}

function localOffset(timeUs: number): number {
  return -new Date(Math.floor(timeUs / 1000)).getTimezoneOffset();
}

// ---- strftime (C locale) with log4cplus' %q, %Q, %s ----

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December'];
const SUPPORTED = 'aAbBcCdDeFhHIjklmMnpPrRsStTuUwWxXyYzqQ%';

function checkTimeFormat(format: string): void {
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    const d = format[++i];
    if (d === undefined) throw new PatternError(`date format "${format}" ends with a lone '%'`);
    if (!SUPPORTED.includes(d)) throw new PatternError(`date format directive %${d} is not supported by dimse-stream`);
  }
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const p3 = (n: number): string => String(n).padStart(3, '0');

/** Formats `timeUs` shifted by `offsetMinutes` (0: GMT, as %d; the local offset for %D). */
export function formatTime(format: string, timeUs: number, offsetMinutes: number): string {
  const usec = ((timeUs % 1e6) + 1e6) % 1e6;
  const sec = Math.floor(timeUs / 1e6);
  const t = new Date((sec + offsetMinutes * 60) * 1000); // read with the UTC getters: the wall clock wanted
  const Y = t.getUTCFullYear(); const m = t.getUTCMonth(); const d = t.getUTCDate();
  const H = t.getUTCHours(); const M = t.getUTCMinutes(); const S = t.getUTCSeconds(); const w = t.getUTCDay();
  const yday = Math.floor((Date.UTC(Y, m, d) - Date.UTC(Y, 0, 1)) / 86400000);
  const I = H % 12 === 0 ? 12 : H % 12;
  const ms = Math.floor(usec / 1000);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%' || i + 1 >= format.length) { out += ch; continue; }
    const dir = format[++i]!;
    switch (dir) {
      case 'a': out += DAYS[w]!.slice(0, 3); break;
      case 'A': out += DAYS[w]!; break;
      case 'b': case 'h': out += MONTHS[m]!.slice(0, 3); break;
      case 'B': out += MONTHS[m]!; break;
      case 'c': out += `${DAYS[w]!.slice(0, 3)} ${MONTHS[m]!.slice(0, 3)} ${String(d).padStart(2, ' ')} ${p2(H)}:${p2(M)}:${p2(S)} ${Y}`; break;
      case 'C': out += p2(Math.floor(Y / 100)); break;
      case 'd': out += p2(d); break;
      case 'D': case 'x': out += `${p2(m + 1)}/${p2(d)}/${p2(Y % 100)}`; break;
      case 'e': out += String(d).padStart(2, ' '); break;
      case 'F': out += `${Y}-${p2(m + 1)}-${p2(d)}`; break;
      case 'H': out += p2(H); break;
      case 'I': out += p2(I); break;
      case 'j': out += p3(yday + 1); break;
      case 'k': out += String(H).padStart(2, ' '); break;
      case 'l': out += String(I).padStart(2, ' '); break;
      case 'm': out += p2(m + 1); break;
      case 'M': out += p2(M); break;
      case 'n': out += '\n'; break;
      case 'p': out += H < 12 ? 'AM' : 'PM'; break;
      case 'P': out += H < 12 ? 'am' : 'pm'; break;
      case 'r': out += `${p2(I)}:${p2(M)}:${p2(S)} ${H < 12 ? 'AM' : 'PM'}`; break;
      case 'R': out += `${p2(H)}:${p2(M)}`; break;
      case 's': out += String(sec); break;
      case 'S': out += p2(S); break;
      case 't': out += '\t'; break;
      case 'T': case 'X': out += `${p2(H)}:${p2(M)}:${p2(S)}`; break;
      case 'u': out += String(w === 0 ? 7 : w); break;
      case 'U': out += p2(Math.floor((yday + 7 - w) / 7)); break;
      case 'w': out += String(w); break;
      case 'W': out += p2(Math.floor((yday + 7 - ((w + 6) % 7)) / 7)); break;
      case 'y': out += p2(Y % 100); break;
      case 'Y': out += String(Y); break;
      case 'z': {
        const a = Math.abs(offsetMinutes);
        out += `${offsetMinutes < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
        break;
      }
      case 'q': out += p3(ms); break;
      case 'Q': out += `${p3(ms)}.${p3(usec % 1000)}`; break;
      case '%': out += '%'; break;
      default: out += '%' + dir; // not reached: checkTimeFormat refused it
    }
  }
  return out;
}
