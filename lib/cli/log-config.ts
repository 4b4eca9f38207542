/**
 * `-lc FILE`: a log4cplus properties file as DCMTK 3.6.7's oflog reads it (oflog.cc configureFromCommandLine,
 * property.cc Properties::init, config.cc PropertyConfigurator), reduced to what our movescu logs through.
 *
 * DCMTK logs its application's messages through the logger `dcmtk.apps.movescu` and its libraries' through
 * `dcmtk.dcmnet`, `dcmtk.dcmdata`, ...; dimse-stream has one source of messages, so every message is an event of
 * `dcmtk.apps.movescu` (what %c prints) and the --arguments line one of the root logger, as in DCMTK. What this
 * module takes from a file:
 *   - variables `${name}` (the file's own properties first, then oflog's appname/date/time/pid/hostname, then
 *     the environment), expanded recursively as DCMTK asks log4cplus to;
 *   - `log4cplus.rootLogger` and `log4cplus.logger.NAME` = LEVEL[, appender...] (an unknown level, such as the
 *     documented INHERIT, leaves a logger's level unset), `log4cplus.additivity.NAME`;
 *   - appenders ConsoleAppender (logToStdErr), FileAppender (File, Append), RollingFileAppender (also
 *     MaxFileSize, MaxBackupIndex) and NullAppender, each with Threshold and a SimpleLayout or PatternLayout
 *     (ConversionPattern, FormatEachLine).
 * Refused, with the file's line: what DCMTK would act on and we cannot do (other appender and layout classes,
 * filters, lock files, locales, conversion characters of source locations), what DCMTK only complains about on its
 * internal log and then half-ignores (an appender that does not exist, a root level that is not a level), and
 * appenders or additivity on loggers outside `dcmtk.apps.movescu`'s chain (DCMTK would send its libraries'
 * messages there; ours all come from one logger). Properties that log4cplus does not read at all (a misspelt
 * `logToStderr`, say) are ignored as DCMTK ignores them.
 */
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { LogLevel } from '../log';
import { parseLogLevel, type Threshold } from './logger';
import { PatternError, defaultPatternEnv, patternLayout, simpleLayout, type Layout, type PatternEnv } from './log-pattern';

/** The logger of every message dimse-stream's movescu prints. */
export const MOVESCU_LOGGER = 'dcmtk.apps.movescu';
/** Its ".progress" logger: at exactly INFO, movescu prints "RECV: ...." while receiving (movescu.cc). */
export const PROGRESS_LOGGER = `${MOVESCU_LOGGER}.progress`;

export type AppenderTarget =
  | { readonly kind: 'console'; readonly stream: 'stdout' | 'stderr' }
  | { readonly kind: 'file'; readonly file: string; readonly append: boolean }
  | { readonly kind: 'rolling'; readonly file: string; readonly append: boolean; readonly maxFileSize: number; readonly maxBackupIndex: number }
  | { readonly kind: 'null' };

export interface AppenderSpec {
  readonly name: string;
  readonly target: AppenderTarget;
  /** Events below this level are not written; null: no threshold. */
  readonly threshold: Threshold | null;
  readonly layout: Layout;
}

export interface LogConfig {
  readonly file: string;
  /** Root logger level: DCMTK's quiet mode when it is above ERROR. */
  readonly rootLevel: Threshold;
  /** Chained level of dcmtk.apps.movescu: what our Logger lets through. */
  readonly movescuLevel: Threshold;
  /** Chained level of dcmtk.apps.movescu.progress. */
  readonly progressLevel: Threshold;
  /** Appenders reached by an event of dcmtk.apps.movescu (through additivity), in log4cplus' order. */
  readonly movescuAppenders: readonly AppenderSpec[];
  /** Appenders of the root logger (the --arguments line). */
  readonly rootAppenders: readonly AppenderSpec[];
  /** Lines logged at INFO through the root logger first, whatever the levels (the --arguments line). */
  readonly forced: readonly string[];
}

/** A line of the file is refused: `message` names the file and line. */
export class LogConfigError extends Error {}

/** What reading may need from the machine; defaults are the process'. */
export interface LogConfigEnv extends PatternEnv {
  /** argv[0] ("movescu"): ${appname} is its base name. */
  readonly programName: string;
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** For ${date} and ${time}: now, local. */
  readonly now: Date;
}

interface Property { value: string; line: number }

/** Properties::init: one `key = value` per line, '#' comments, a line without '=' ignored, the last key wins. */
export function readProperties(text: string): Map<string, Property> {
  const props = new Map<string, Property>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\n\v\f\r]+/, '');
    if (line === '' || line[0] === '#') continue;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    const key = line.slice(0, eq).replace(/[ \t\n\v\f\r]+$/, '');
    const value = line.slice(eq + 1).replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
    props.set(key, { value, line: i + 1 });
  }
  return props;
}

/**
 * oflog.cc's checks, in its order, on the file's raw properties: the first message that applies (DCMTK's
 * words, printed as "error: ..." with exit code 1), or null.
 */
export function checkProperties(props: ReadonlyMap<string, Property>): string | null {
  if (props.size === 0) return 'Specified --log-config file does not contain any settings';
  if (![...props.keys()].some((k) => k.startsWith('log4cplus.'))) {
    return 'Specified --log-config file does not contain any valid settings';
  }
  if (!props.has('log4cplus.rootLogger')) return 'Specified --log-config file does not set up log4cplus.rootLogger';
  return null;
}

/**
 * replaceEnvironVariables with fRecursiveExpansion | fShadowEnvironment: in keys and values, ${x} becomes the
 * property x, else the environment variable x; an unknown or empty one is left as written. Repeats until nothing
 * changes; a definition that refers to itself would loop for ever in DCMTK and is refused here.
 */
function expandVariables(props: Map<string, Property>, env: Readonly<Record<string, string | undefined>>, file: string): void {
  const subst = (s: string, line: number): { text: string; changed: boolean } => {
    let pattern = s;
    let i = 0;
    let changed = false;
    for (let rounds = 0; ; rounds++) {
      if (rounds > 1000) throw new LogConfigError(`${file}:${line}: variable expansion does not end`);
      const start = pattern.indexOf('${', i);
      if (start === -1) return { text: pattern, changed };
      const end = pattern.indexOf('}', start);
      if (end === -1) throw new LogConfigError(`${file}:${line}: "${pattern}" has no closing brace`);
      const key = pattern.slice(start + 2, end);
      const replacement = props.get(key)?.value || env[key] || '';
      if (replacement !== '') {
        pattern = pattern.slice(0, start) + replacement + pattern.slice(end + 1);
        changed = true;
      } else {
        i = end + 1;
      }
    }
  };
  for (let pass = 0; ; pass++) {
    if (pass > 100) throw new LogConfigError(`${file}: variable expansion does not end`);
    let changed = false;
    for (const [key, prop] of [...props]) {
      const k = subst(key, prop.line);
      if (k.changed) {
        props.delete(key);
        props.set(k.text, prop);
        changed = true;
      }
      const v = subst(prop.value, prop.line);
      if (v.changed) {
        props.set(k.text, { value: v.text, line: prop.line });
        changed = true;
      }
    }
    if (!changed) return;
  }
}

/** internal::parse_bool: "true"/"false" in any case, or an integer (non-zero true); anything else: not set. */
function boolOf(s: string): boolean | null {
  const w = s.trim();
  if (/\s/.test(w) || w === '') return null;
  const lower = w.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return /^[+-]?\d+$/.test(w) ? Number(w) !== 0 : null;
}

/** Read by log4cplus and changing what it does, but not implemented here. */
const FILE_REFUSED = ['BufferSize', 'ReopenDelay', 'Locale', 'LockFile', 'UseLockFile'];
const MIN_ROLLING_SIZE = 200 * 1024;
const DEFAULT_ROLLING_SIZE = 10 * 1024 * 1024;

/**
 * Configures from the file's text (already checked by checkProperties). `file` names the file in messages.
 * Throws LogConfigError for anything refused.
 */
export function configureFromText(text: string, file: string, env: LogConfigEnv): LogConfig {
  const props = readProperties(text);
  const d = env.now;
  const vars: Record<string, string> = {
    appname: basename(env.programName),
    hostname: env.hostname,
    pid: String(env.pid),
    date: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`,
    time: [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':'),
  };
  // addVariables "pretends the user wrote variable = value": they replace the file's own of the same name.
  for (const [k, v] of Object.entries(vars)) props.set(k, { value: v, line: 0 });
  expandVariables(props, env.environment, file);

  const at = (p: Property): string => (p.line > 0 ? `${file}:${p.line}` : file);
  const fail = (p: Property, message: string): never => { throw new LogConfigError(`${at(p)}: ${message}`); };
  const sub = (prefix: string): Map<string, Property> => {
    const m = new Map<string, Property>();
    for (const [k, p] of props) if (k.startsWith(prefix)) m.set(k.slice(prefix.length), p);
    return m;
  };
  const l4 = sub('log4cplus.');
  const configDebug = l4.get('configDebug');
  if (configDebug !== undefined && boolOf(configDebug.value) === true) {
    fail(configDebug, "log4cplus.configDebug (log4cplus' internal debugging) is not supported by dimse-stream");
  }

  // ---- appenders ----
  const appenderProps = sub('log4cplus.appender.');
  const appenders = new Map<string, AppenderSpec>();
  for (const [name, p] of appenderProps) {
    if (name.includes('.')) continue;
    const own = new Map<string, Property>();
    for (const [k, q] of appenderProps) if (k.startsWith(`${name}.`)) own.set(k.slice(name.length + 1), q);
    appenders.set(name, makeAppender(name, p, own, env, fail));
  }
  for (const [k, p] of appenderProps) {
    const name = k.split('.')[0]!;
    if (!appenders.has(name)) fail(p, `appender "${name}" has properties but no class (log4cplus.appender.${name} = ...)`);
  }

  // ---- loggers ----
  const levels = new Map<string, Threshold | null>();
  const attached = new Map<string, AppenderSpec[]>();
  const chain = [MOVESCU_LOGGER, 'dcmtk.apps', 'dcmtk'];
  const onOurChain = (name: string): boolean => chain.includes(name) || name === PROGRESS_LOGGER;
  const configureLogger = (name: string, p: Property): void => {
    const tokens = p.value.replace(/ /g, '').split(',');
    // tokenize collapses runs of commas and drops an empty last token
    const list = tokens.filter((t, i) => t !== '' || i === 0);
    if (p.value.replace(/ /g, '') === '') fail(p, `logger ${name || 'root'} has no level`);
    const level = list[0] === 'INHERITED' ? null : parseLogLevel(list[0]!);
    if (name === '' && level === null) fail(p, `"${list[0]}" is not a level for the root logger (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF)`);
    levels.set(name, level);
    const names = list.slice(1).filter((t) => t !== '');
    if (names.length > 0 && name !== '' && !onOurChain(name)) {
      fail(p, `appenders for logger ${name}: dimse-stream logs every message through ${MOVESCU_LOGGER}, so only `
        + `the root logger, dcmtk, dcmtk.apps and ${MOVESCU_LOGGER} can have appenders`);
    }
    const specs: AppenderSpec[] = [];
    for (const a of names) {
      const spec = appenders.get(a);
      if (spec === undefined) fail(p, `appender "${a}" is not defined (log4cplus.appender.${a} = ...)`);
      else specs.push(spec);
    }
    attached.set(name, specs);
  };
  configureLogger('', props.get('log4cplus.rootLogger')!);
  for (const [name, p] of sub('log4cplus.logger.')) configureLogger(name, p);

  const additivity = new Map<string, boolean>();
  for (const [name, p] of sub('log4cplus.additivity.')) {
    const b = boolOf(p.value);
    if (b === null) continue; // getBool fails: additivity unchanged
    if (!onOurChain(name)) {
      fail(p, `additivity of logger ${name}: dimse-stream logs every message through ${MOVESCU_LOGGER}`);
    }
    additivity.set(name, b);
  }

  const chained = (name: string): Threshold => {
    for (let n: string = name; ; n = n.includes('.') ? n.slice(0, n.lastIndexOf('.')) : '') {
      const l = levels.get(n);
      if (l !== undefined && l !== null) return l;
      if (n === '') return 'info'; // not reached: the root's level is checked above
    }
  };
  const reached: AppenderSpec[] = [];
  for (const name of [...chain, '']) {
    for (const a of attached.get(name) ?? []) reached.push(a);
    if (additivity.get(name) === false) break;
  }
  return {
    file,
    rootLevel: chained(''),
    movescuLevel: chained(MOVESCU_LOGGER),
    progressLevel: chained(PROGRESS_LOGGER),
    movescuAppenders: reached,
    rootAppenders: attached.get('') ?? [],
    forced: [],
  };
}

function makeAppender(
  name: string, classProp: Property, own: ReadonlyMap<string, Property>, env: PatternEnv,
  fail: (p: Property, message: string) => never,
): AppenderSpec {
  const cls = classProp.value;
  const get = (k: string): Property | undefined => own.get(k);
  const bool = (k: string, dflt: boolean): boolean => {
    const p = get(k);
    return p === undefined ? dflt : boolOf(p.value) ?? dflt;
  };
  for (const [k, p] of own) {
    if (k.startsWith('filters.')) fail(p, `appender ${name}: filters are not supported by dimse-stream`);
  }
  // Properties log4cplus does not read (a misspelt logToStderr, say) are ignored, as DCMTK ignores them.
  let target: AppenderTarget;
  switch (cls) {
    case 'log4cplus::ConsoleAppender':
      target = { kind: 'console', stream: bool('logToStdErr', false) ? 'stderr' : 'stdout' };
      break;
    case 'log4cplus::FileAppender':
    case 'log4cplus::RollingFileAppender': {
      const rolling = cls === 'log4cplus::RollingFileAppender';
      for (const k of FILE_REFUSED) {
        const p = get(k);
        if (p !== undefined) fail(p, `appender ${name}: ${k} is not supported by dimse-stream`);
      }
      const fileProp = get('File');
      if (fileProp === undefined || fileProp.value === '') fail(fileProp ?? classProp, `appender ${name} has no File`);
      const file = fileProp!.value;
      // FileAppender truncates unless Append; RollingFileAppender opens for appending unless Append = false.
      const append = bool('Append', rolling);
      if (!rolling) {
        target = { kind: 'file', file, append };
      } else {
        target = { kind: 'rolling', file, append, maxFileSize: maxFileSize(get('MaxFileSize')?.value ?? ''), maxBackupIndex: maxBackupIndex(get('MaxBackupIndex')?.value) };
      }
      break;
    }
    case 'log4cplus::NullAppender':
      target = { kind: 'null' };
      break;
    default:
      return fail(classProp, `appender class "${cls}" is not supported by dimse-stream (ConsoleAppender, FileAppender, `
        + 'RollingFileAppender, NullAppender)');
  }
  const t = get('Threshold');
  const threshold = t === undefined ? null : parseLogLevel(t.value);
  return { name, target, threshold, layout: makeLayout(name, own, env, classProp, fail) };
}

function makeLayout(
  name: string, own: ReadonlyMap<string, Property>, env: PatternEnv, classProp: Property,
  fail: (p: Property, message: string) => never,
): Layout {
  const lp = own.get('layout');
  if (lp === undefined) return simpleLayout; // Appender's default
  switch (lp.value) {
    case 'log4cplus::SimpleLayout': return simpleLayout;
    case 'log4cplus::PatternLayout': {
      const pattern = own.get('layout.ConversionPattern');
      if (pattern === undefined) {
        return fail(own.get('layout.Pattern') ?? lp, `appender ${name}: PatternLayout without layout.ConversionPattern`);
      }
      const each = own.get('layout.FormatEachLine');
      const formatEachLine = each === undefined ? true : boolOf(each.value) ?? true;
      try {
        return patternLayout(pattern.value, formatEachLine, env);
      } catch (e) {
        if (e instanceof PatternError) return fail(pattern, `appender ${name}: ${e.message}`);
        throw e;
      }
    }
    default:
      return fail(lp ?? classProp, `layout "${lp.value}" is not supported by dimse-stream (SimpleLayout, PatternLayout)`);
  }
}

/** RollingFileAppender: atoi, then a KB or MB suffix; at least 200 KB. */
function maxFileSize(value: string): number {
  const v = value.toUpperCase();
  if (v === '') return DEFAULT_ROLLING_SIZE;
  let n = Number.parseInt(v, 10) || 0;
  if (n !== 0 && v.length > 2 && v.endsWith('MB')) n *= 1024 * 1024;
  else if (n !== 0 && v.length > 2 && v.endsWith('KB')) n *= 1024;
  return Math.max(n, MIN_ROLLING_SIZE);
}

function maxBackupIndex(value: string | undefined): number {
  const n = value !== undefined && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : 1;
  return Math.max(n, 1);
}

/** True when an event of `level` passes a logger or appender `threshold` (null: none). */
export function passes(level: LogLevel, threshold: Threshold | null): boolean {
  if (threshold === null) return true;
  const rank: Readonly<Record<Threshold, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, off: 6 };
  return rank[level] >= rank[threshold];
}

/** The file system as oflog.cc's checks see it; injectable for tests. */
export interface LogConfigFs {
  /** OFStandard::fileExists: exists and is not a directory. */
  isFile(path: string): boolean;
  /** OFStandard::isReadable: access(R_OK). */
  canRead(path: string): boolean;
  read(path: string): string;
}

export const defaultLogConfigFs: LogConfigFs = {
  isFile: (p) => { try { return !statSync(p).isDirectory(); } catch { return false; } },
  canRead: (p) => { try { accessSync(p, fsConstants.R_OK); return true; } catch { return false; } },
  read: (p) => readFileSync(p, 'utf8'),
};

export function defaultLogConfigEnv(programName: string): LogConfigEnv {
  return { ...defaultPatternEnv(), programName, environment: process.env, now: new Date() };
}

/**
 * `-lc FILE` from start to end, in oflog.cc's order: the file must exist and be readable, hold settings, some of
 * them log4cplus', and set up the root logger (DCMTK's messages); then our reading of it. Throws LogConfigError.
 */
export function loadLogConfig(path: string, env: LogConfigEnv, fs: LogConfigFs = defaultLogConfigFs): LogConfig {
  if (!fs.isFile(path)) throw new LogConfigError('Specified --log-config file does not exist');
  if (!fs.canRead(path)) throw new LogConfigError('Specified --log-config file cannot be read');
  let text: string;
  try {
    text = fs.read(path);
  } catch {
    throw new LogConfigError('Specified --log-config file cannot be read');
  }
  const problem = checkProperties(readProperties(text));
  if (problem !== null) throw new LogConfigError(problem);
  return configureFromText(text, path, env);
}
