/**
 * movescu's command line, parsed as DCMTK 3.6.7 does (ofstd/ofcmdln.cc, ofstd/ofconapp.cc, oflog/oflog.cc and
 * the option evaluation in dcmnet/apps/movescu.cc), down to the order of the checks: with several mistakes on
 * one command line, the user sees the same first message as with DCMTK.
 *
 * The phases, in DCMTK's order:
 *   1. expand @command files;
 *   2. split into options (+/- followed by a non-digit) with their values, and parameters; stop at the first
 *      unknown option or missing value;
 *   3. no argument at all → usage; --help → help; --version → version; too few parameters → error;
 *   4. the port parameter; the log level (from here on, -q / -ll fatal|off silences "error:" messages but not
 *      the exit code); --arguments; then every option in movescu.cc's order, with its value and conflict checks;
 *   5. the query files must be readable; there must be query files or keys.
 * Checks that DCMTK makes after parsing (output directory, privileged port) are in preflight.ts: they look at
 * the machine, not at the command line, and the library's own callers need them too.
 */
import { validBoundary } from '../sinks/boundary';
import {
  ACCEPT_OPTIONS, COMPRESSED_PREFER_OPTIONS, PROPOSE_OPTIONS, WRITE_XFER_OPTIONS,
} from './transfer-syntax-options';
import { readFileSync, statSync, accessSync, constants as fsConstants } from 'node:fs';
import {
  PARAMS, OUTPUT_FORMATS, PROGRAM_NAME, findOption, type OptionSpec, type OutputFormat,
} from './options';
import { headerText, helpText, versionText } from './help';
import {
  DEFAULT_ACSE_TIMEOUT_S, DEFAULT_AE_TITLE, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_PDU, DEFAULT_PEER_AE_TITLE, MAX_PDU, MIN_PDU,
} from '../defaults';
import { formatLogMessage, parseLogLevel, type Threshold } from './logger';
import { LogConfigError, defaultLogConfigEnv, loadLogConfig, type LogConfig } from './log-config';
import { EXIT_CODES } from './exit-codes';
import type { WriteOptions } from '../dataset/codec/writer';
import type { QueryModel } from '../services/sop-classes';

export interface MovescuConfig {
  /** Host name or address of the Q/R SCP. */
  readonly peer: string;
  readonly port: number;
  /** Query files (parameters after `port`), readable at parse time. */
  readonly queryFiles: readonly string[];
  /** `-k` values as given, left to right, unparsed ("0010,0010=X" or "PatientName=X"). */
  readonly keys: readonly string[];
  readonly model: QueryModel;
  /** Our calling AE title (-aet). */
  readonly aet: string;
  /** The peer's called AE title (-aec). */
  readonly aec: string;
  /** Move destination (-aem); as in DCMTK, our calling AE title when not given. */
  readonly aem: string;
  /** +P: port for incoming C-STORE associations; null: --no-port (DCMTK's default). */
  readonly retrievePort: number | null;
  /** -to, seconds; null: unlimited (DCMTK's default). */
  readonly connectTimeoutS: number | null;
  /** -ta, seconds (default 30). */
  readonly acseTimeoutS: number;
  /** -td, seconds; null: unlimited (blocking). */
  readonly dimseTimeoutS: number | null;
  /** -pdu: our maximum receive PDU length (default 16384). */
  readonly maxPdu: number;
  /** -od (default "."); only allowed with +P. */
  readonly outputDirectory: string;
  /** +B; -B (default) is false. */
  readonly bitPreserving: boolean;
  /** +F (default, true): write the Part 10 file meta information; -F (false): the bare data set. */
  readonly fileMeta: boolean;
  /**
   * The output options given (normal mode), and only those: +te/+tb/+ti/+td transferSyntax (none for +t=, the
   * default), +g=/+g/-g groupLength, +e/-e sequenceLength, +p padding (none for -p), +u/-u enableNewVr,
   * +cl compressionLevel. Anything absent is DCMTK's default.
   */
  readonly write: Partial<WriteOptions>;
  /** --ignore: receive objects but store nothing. */
  readonly ignore: boolean;
  /** --repeat: each C-MOVE sent this many times on the association (default 1). */
  readonly repeat: number;
  /** --abort: A-ABORT instead of A-RELEASE once the C-MOVEs are done. */
  readonly abort: boolean;
  /** --cancel n: a C-CANCEL-RQ after the n-th pending response of each C-MOVE; null: never. */
  readonly cancelAfter: number | null;
  /** -pi / -pr: a data set after a pending C-MOVE response is assumed absent (DCMTK's default) or read and dropped. */
  readonly pendingDatasets: 'ignore' | 'read';
  /** --output-format (ours): what -od - writes to standard output (default part10). */
  readonly outputFormat: OutputFormat;
  /** --boundary (ours): the multipart boundary; random when absent. */
  readonly boundary: string | null;
  /** --fsync (ours): each file flushed to disk before its object is acknowledged. */
  readonly fsync: boolean;
  /** --bulk-data-uri (ours): json output writes large binary values to files in this directory. */
  readonly bulkDataDirectory: string | null;
  /** --max-in-flight (ours): objects received at once (default 4). */
  readonly maxInFlight: number;
  /** --require-called-aet (ours): sub-associations must call us by -aem. */
  readonly requireCalledAet: boolean;
  /** --require-archive (ours): sub-associations must come from the peer host, calling as -aec. */
  readonly requireArchive: boolean;
  /** +x*: transfer syntaxes accepted for incoming objects, in order of preference. */
  readonly acceptTransferSyntaxes: readonly string[];
  /** -x*: transfer syntaxes proposed for the FIND and MOVE presentation contexts, in order. */
  readonly proposeTransferSyntaxes: readonly string[];
  /** Logger threshold: -q fatal, default warn, -v info, -d debug, -ll any (incl. 'off'); with -lc, the file's. */
  readonly logLevel: Threshold;
  /** +ac: TCP-wrapper host access control on the incoming port (daemon name "movescu"); -ac (default) is false. */
  readonly accessControl: boolean;
  /** -dhl is false: with +ac, the connecting host's name is looked up (reverse DNS) unless -dhl. */
  readonly hostLookup: boolean;
  /** -lc: the logger's configuration from the file; null: DCMTK's default console logger. */
  readonly logConfig: LogConfig | null;
  /**
   * DCMTK's "quiet mode" (threshold above error: -q, -ll fatal, -ll off): later "error: ..." messages of the
   * application are not printed, exit codes unchanged.
   */
  readonly quiet: boolean;
  /** argv[0] as the user typed it (DCMTK prints it in --arguments). */
  readonly programName: string;
}

/** What the CLI does next. Texts are complete: the caller writes stdout, then stderr, and exits (or runs). */
export type ParseResult =
  /** `stderr`: what DCMTK would already have printed (the --arguments line), to write before running. */
  | { readonly kind: 'run'; readonly config: MovescuConfig; readonly stderr: string }
  | { readonly kind: 'help' | 'usage' | 'version'; readonly exitCode: 0; readonly stdout: string; readonly stderr: string }
  | {
    readonly kind: 'error';
    /** The text after "error: " (kept even in quiet mode, for tests and callers). */
    readonly message: string;
    readonly exitCode: number;
    readonly stdout: string;
    /** What to print: header + "error: message", or nothing in quiet mode (plus an earlier --arguments line). */
    readonly stderr: string;
    /**
     * -lc was read before the mistake: DCMTK has already configured its logger then (and logged --arguments
     * through it); the caller makes the configured logger first, then prints `stderr`.
     */
    readonly logConfig?: LogConfig;
  };

/** Dictionary hooks for checking -k keys as DCMTK does; without them, keyword keys are not checked here. */
export interface KeyDictionary {
  /** Tag (group << 16 | element) of a keyword such as "PatientName", or undefined. */
  tagOf(keyword: string): number | undefined;
  /** False for a tag the dictionary does not know ("unknown tag: (gggg,eeee)"). */
  isKnown(tag: number): boolean;
}

export interface ParseOptions {
  /** argv[0] as DCMTK would see it; default "movescu". */
  readonly programName?: string;
  /** Our version in headers; default DIMSE_STREAM_VERSION. */
  readonly version?: string;
  /** Content of an @command file, null when it cannot be opened. Default: fs, a directory reads as empty. */
  readonly readCommandFile?: (path: string) => string | null;
  /** access(path, R_OK) for query files. Default: fs.accessSync. */
  readonly canRead?: (path: string) => boolean;
  readonly dictionary?: KeyDictionary;
  /** -lc: reads the configuration file (throws LogConfigError). Default: loadLogConfig on the file system. */
  readonly loadLogConfig?: (path: string, programName: string) => LogConfig;
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 1: @command files (OFCommandLine::parseCommandFile)

function defaultReadCommandFile(path: string): string | null {
  try {
    // ifstream opens a directory and reads nothing: DCMTK expands "@dir" to no argument at all.
    if (statSync(path).isDirectory()) return '';
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Splits a command file: whitespace separates, '...' and "..." group (and may give an empty argument). */
export function splitCommandFile(text: string): string[] {
  const out: string[] = [];
  let quote = '';
  let value = '';
  for (const c of text) {
    if (c === '"' || c === "'") {
      if (quote === c) {
        out.push(value); // closing quote: kept even when empty
        value = '';
        quote = '';
      } else if (quote === '') {
        quote = c;
      } else {
        value += c;
      }
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (quote === '') {
        if (value !== '') out.push(value);
        value = '';
      } else {
        value += c;
      }
    } else {
      value += c;
    }
  }
  if (value !== '') out.push(value); // an unclosed quote keeps what it collected
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers as sscanf("%lu") / sscanf("%li") read them (glibc strtoul / strtol semantics, 64-bit long)

const ULONG_MAX = (1n << 64n) - 1n;
const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/** sscanf("%lu"): decimal only; "-n" wraps around as strtoul does; too large → ULONG_MAX. null: no number. */
export function scanUnsigned(s: string): bigint | null {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  const m = /^[0-9]+/.exec(s.slice(i));
  if (m === null) return null;
  const v = BigInt(m[0]);
  if (v > ULONG_MAX) return ULONG_MAX;
  return negative ? (ULONG_MAX + 1n - v) & ULONG_MAX : v;
}

/** sscanf("%li"): base from the prefix (0x hex, 0 octal, else decimal); clamped to the range of long. */
export function scanSigned(s: string): bigint | null {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  const rest = s.slice(i);
  let v: bigint;
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)/.exec(rest)) !== null) v = BigInt('0x' + m[1]!);
  else if ((m = /^0([0-7]*)/.exec(rest)) !== null) v = m[1] === '' ? 0n : BigInt('0o' + m[1]!);
  else if ((m = /^[0-9]+/.exec(rest)) !== null) v = BigInt(m[0]);
  else return null;
  if (negative) v = -v;
  return v > LONG_MAX ? LONG_MAX : v < LONG_MIN ? LONG_MIN : v;
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 2: options and parameters (OFCommandLine::parseArgumentList)

interface OptionArg { readonly kind: 'option'; readonly spec: OptionSpec; readonly values: readonly string[]; readonly pos: number }
interface ParamArg { readonly kind: 'param'; readonly value: string }
type Arg = OptionArg | ParamArg;

/** OFCommandLine::checkOption: "+x" or "-x" with at least 2 characters, but "-1" / "+5" are numbers. */
function looksLikeOption(arg: string): boolean {
  if (arg.length < 2) return false;
  if (arg[0] !== '-' && arg[0] !== '+') return false;
  return !(arg[1]! >= '0' && arg[1]! <= '9');
}

/** Thrown inside the parser to end it with DCMTK's message; never escapes parseCommandLine. */
class CommandLineError {
  constructor(readonly message: string, readonly exitCode: number = EXIT_CODES.COMMANDLINE_SYNTAX_ERROR) {}
}

const SQ = "'";

export function parseCommandLine(argv: readonly string[], options: ParseOptions = {}): ParseResult {
  const programName = options.programName ?? PROGRAM_NAME;
  const header = headerText(options.version);
  let quiet = false;
  let pre = ''; // stderr printed before the outcome (the --arguments line)
  let configured: LogConfig | null = null; // -lc, once read
  const fail = (e: CommandLineError): ParseResult => ({
    kind: 'error', message: e.message, exitCode: e.exitCode, stdout: '',
    stderr: pre + (quiet ? '' : `${header}error: ${e.message}\n`),
    ...(configured === null ? {} : { logConfig: configured }),
  });

  // Phase 1
  const readCommandFile = options.readCommandFile ?? defaultReadCommandFile;
  const expanded: string[] = [];
  for (const a of argv) {
    if (a.length > 1 && a[0] === '@') {
      const text = readCommandFile(a.slice(1));
      if (text === null) return fail(new CommandLineError(`Cannot open command file '${a.slice(1)}'`));
      expanded.push(...splitCommandFile(text));
    } else {
      expanded.push(a);
    }
  }

  // Phase 2
  const args: Arg[] = [];
  const argumentList: string[] = []; // DCMTK's ArgumentList: options by long name, then their values
  for (let i = 0; i < expanded.length; i++) {
    const a = expanded[i]!;
    if (!looksLikeOption(a)) {
      args.push({ kind: 'param', value: a });
      argumentList.push(a);
      continue;
    }
    const spec = findOption(a);
    if (spec === undefined) return fail(new CommandLineError(`Unknown option ${a}`));
    argumentList.push(spec.long);
    const n = spec.values.length;
    if (i + n >= expanded.length) return fail(new CommandLineError(`Missing value for option ${spec.long}`));
    const values = expanded.slice(i + 1, i + 1 + n);
    argumentList.push(...values);
    args.push({ kind: 'option', spec, values, pos: args.length });
    i += n;
  }
  const opts = args.filter((a): a is OptionArg => a.kind === 'option');
  const params = args.filter((a): a is ParamArg => a.kind === 'param').map((p) => p.value);

  // Phase 3 (OFCommandLine::checkParamCount, OFConsoleApplication::checkParseStatus)
  if (expanded.length === 0) return { kind: 'usage', exitCode: 0, stdout: helpText(options.version), stderr: '' };
  if (opts.some((o) => o.spec.exclusive)) {
    if (opts.some((o) => o.spec.long === '--help')) {
      return { kind: 'help', exitCode: 0, stdout: helpText(options.version), stderr: '' };
    }
    return { kind: 'version', exitCode: 0, stdout: versionText({ version: options.version }), stderr: '' };
  }
  const mandatory = PARAMS.filter((p) => p.mode === 'mandatory');
  if (params.length < mandatory.length) {
    return fail(new CommandLineError(`Missing parameter ${mandatory[params.length]!.name}`));
  }

  // Phase 4: movescu.cc's evaluation order.
  /** Rightmost occurrence among `names` (DCMTK's option blocks: the rightmost alternative wins). */
  const rightmost = (...names: string[]): OptionArg | undefined => {
    let found: OptionArg | undefined;
    for (const o of opts) if (names.includes(o.spec.long)) found = o;
    return found;
  };
  const present = (name: string): boolean => rightmost(name) !== undefined;
  /**
   * The options of a DCMTK option block that movescu.cc's findOption calls find, in the order it asks for them
   * (`names`): each call searches from the right but stops at the option the previous successful call found.
   * So the rightmost option always wins, yet an option asked for earlier and placed further left is found
   * too, and its checks run first ("+te +ti +xa" reports --write-xfer-little; "+p x y -p" checks nothing).
   */
  const block = (...names: string[]): OptionArg[] => {
    const found: OptionArg[] = [];
    let limit = -1;
    for (const name of names) {
      const o = rightmost(name);
      if (o !== undefined && o.pos > limit) {
        found.push(o);
        limit = o.pos;
      }
    }
    return found;
  };

  try {
    const port = paramUnsigned(params[1]!, 1n, 65535n);

    // OFLog::configureFromCommandLine
    const level = rightmost('--debug', '--verbose', '--quiet');
    let logLevel: Threshold = level === undefined ? 'warn'
      : level.spec.long === '--debug' ? 'debug' : level.spec.long === '--verbose' ? 'info' : 'fatal';
    const ll = rightmost('--log-level');
    if (ll !== undefined) {
      if (level !== undefined) throw new CommandLineError('--log-level not allowed with --verbose, --debug or --quiet');
      const parsed = parseLogLevel(ll.values[0]!);
      if (parsed === null) throw new CommandLineError('Invalid log level for --log-level option');
      logLevel = parsed;
    }
    let logConfig: LogConfig | null = null;
    const lc = rightmost('--log-config');
    if (lc !== undefined) {
      if (ll !== undefined) throw new CommandLineError('--log-config not allowed with --log-level');
      if (level !== undefined) throw new CommandLineError('--log-config not allowed with --verbose, --debug or --quiet');
      const load = options.loadLogConfig ?? ((path, name) => loadLogConfig(path, defaultLogConfigEnv(name)));
      try {
        logConfig = load(lc.values[0]!, programName);
      } catch (e) {
        if (e instanceof LogConfigError) throw new CommandLineError(e.message);
        throw e;
      }
      logLevel = logConfig.movescuLevel;
    }
    // DCMTK's quiet mode: the root logger does not let ERROR through
    const rootLevel = logConfig?.rootLevel ?? logLevel;
    quiet = rootLevel === 'fatal' || rootLevel === 'off';
    if (present('--arguments')) {
      // forced at INFO: printed whatever the level; empty arguments are counted but not shown
      const shown = argumentList.filter((a) => a !== '').map((a) => `${SQ}${a}${SQ} `).join('');
      const line = `calling '${programName}' with ${argumentList.length} arguments: ${shown}\n`;
      if (logConfig !== null) logConfig = { ...logConfig, forced: [line] };
      else pre += formatLogMessage('info', line);
    }
    configured = logConfig;

    // --key: DCMTK walks them from right to left, so the rightmost bad key is the one reported.
    const keys = opts.filter((o) => o.spec.long === '--key').map((o) => o.values[0]!);
    for (let k = keys.length - 1; k >= 0; k--) checkKey(keys[k]!, options.dictionary);

    const modelOpt = rightmost('--patient', '--study', '--psonly');
    const model: QueryModel = modelOpt === undefined || modelOpt.spec.long === '--patient' ? 'patient'
      : modelOpt.spec.long === '--study' ? 'study' : 'psonly';

    // An empty value is VS_Empty, which DCMTK's checkValue lets through silently: the title is then "".
    const aet = rightmost('--aetitle')?.values[0] ?? DEFAULT_AE_TITLE;
    const aec = rightmost('--call')?.values[0] ?? DEFAULT_PEER_AE_TITLE;
    const aem = rightmost('--move')?.values[0] ?? aet;

    const timeout = (name: string): number | null => {
      const o = rightmost(name);
      return o === undefined ? null : toSeconds(valueSigned(o, 0, 1n));
    };
    const connectTimeoutS = timeout('--timeout');
    const acseTimeoutS = timeout('--acse-timeout') ?? DEFAULT_ACSE_TIMEOUT_S;
    const dimseTimeoutS = timeout('--dimse-timeout');

    // Block --port / --no-port: --port's value is checked whenever it is present, even when --no-port wins.
    const portOpt = rightmost('--port');
    let retrievePort = portOpt === undefined ? null : Number(valueUnsigned(portOpt, 0, 1n, 65535n));
    const portBlock = rightmost('--port', '--no-port');
    if (portBlock?.spec.long === '--no-port') retrievePort = null;

    const pduOpt = rightmost('--max-pdu');
    const maxPdu = pduOpt === undefined ? DEFAULT_MAX_PDU
      : Number(valueUnsigned(pduOpt, 0, BigInt(MIN_PDU), BigInt(MAX_PDU)));
    const ignore = present('--ignore');
    const accept = rightmost(...Object.keys(ACCEPT_OPTIONS));
    const acceptTransferSyntaxes = ACCEPT_OPTIONS[accept?.spec.long ?? '--prefer-uncompr']!;
    const propose = rightmost(...Object.keys(PROPOSE_OPTIONS));
    const proposeTransferSyntaxes = PROPOSE_OPTIONS[propose?.spec.long ?? '--propose-uncompr']!;

    const od = rightmost('--output-directory');
    if (od !== undefined && retrievePort === null) {
      throw new CommandLineError('--output-directory only allowed with --port');
    }
    const outputDirectory = od?.values[0] ?? '.';
    const toStdout = logConfig === null ? undefined : [...logConfig.movescuAppenders, ...logConfig.rootAppenders]
      .find((a) => a.target.kind === 'console' && a.target.stream === 'stdout');
    if (toStdout !== undefined && outputDirectory === '-') {
      throw new CommandLineError(`--log-config: appender ${toStdout.name} writes to standard output, which carries `
        + 'the objects with --output-directory -');
    }

    const formatOpt = rightmost('--output-format');
    const outputFormat = (formatOpt?.values[0] ?? 'part10') as OutputFormat;
    if (!(OUTPUT_FORMATS as readonly string[]).includes(outputFormat)) {
      throw new CommandLineError(`unknown output format: ${outputFormat} (one of ${OUTPUT_FORMATS.join(', ')})`);
    }
    if (formatOpt !== undefined && (outputFormat === 'tar' || outputFormat === 'multipart') && outputDirectory !== '-') {
      throw new CommandLineError(`--output-format ${outputFormat} only allowed with --output-directory -`);
    }
    const boundary = rightmost('--boundary')?.values[0] ?? null;
    if (boundary !== null && outputFormat !== 'multipart') {
      throw new CommandLineError('--boundary only allowed with --output-format multipart');
    }
    if (boundary !== null && !validBoundary(boundary)) {
      throw new CommandLineError(`invalid multipart boundary (1 to 70 characters of RFC 2046): ${boundary}`);
    }
    const repeatOpt = rightmost('--repeat');
    const repeat = repeatOpt === undefined ? 1 : Number(valueUnsigned(repeatOpt, 0, 1n));
    const abort = present('--abort');
    const cancelOpt = rightmost('--cancel');
    const cancelAfter = cancelOpt === undefined ? null : Number(valueSigned(cancelOpt, 0, 0n));
    const pendingDatasets = rightmost('--pending-ignore', '--pending-read')?.spec.long === '--pending-read' ? 'read' : 'ignore';
    const accessControl = rightmost('--access-full', '--access-control')?.spec.long === '--access-control';
    const hostLookup = !present('--disable-host-lookup');
    const fsync = present('--fsync');
    const inFlightOpt = rightmost('--max-in-flight');
    const maxInFlight = inFlightOpt === undefined ? DEFAULT_MAX_IN_FLIGHT : Number(valueUnsigned(inFlightOpt, 0, 1n, 64n));
    const requireCalledAet = present('--require-called-aet');
    const requireArchive = present('--require-archive');
    const bulkDataDirectory = rightmost('--bulk-data-uri')?.values[0] ?? null;
    if (bulkDataDirectory !== null && outputFormat !== 'json') {
      throw new CommandLineError('--bulk-data-uri only allowed with --output-format json');
    }

    const bitPreserving = rightmost('--normal', '--bit-preserving')?.spec.long === '--bit-preserving';
    const fileMeta = rightmost('--write-file', '--write-dataset')?.spec.long !== '--write-dataset';
    const { write, writeXfer } = outputOptions(block, {
      bitPreserving, fileMeta, accept: accept?.spec.long ?? '--prefer-uncompr',
    });

    // Not in a block: only the rightmost --compression-level is looked at.
    const cl = rightmost('--compression-level');
    if (cl !== undefined) {
      if (propose?.spec.long !== '--propose-deflated' && writeXfer !== null
        && writeXfer !== WRITE_XFER_OPTIONS['--write-xfer-deflated']) {
        throw new CommandLineError(
          '--compression-level only allowed with --propose-deflated, --write-xfer-deflated or --write-xfer-same');
      }
      write.compressionLevel = Number(valueUnsigned(cl, 0, 0n, 9n));
    }

    // Phase 5
    const canRead = options.canRead ?? defaultCanRead;
    const queryFiles = params.slice(2);
    for (const f of queryFiles) if (!canRead(f)) throw new CommandLineError(`cannot access file: ${f}`);
    if (queryFiles.length === 0 && keys.length === 0) {
      throw new CommandLineError('either query file or override keys (or both) must be specified');
    }

    const config: MovescuConfig = {
      peer: params[0]!, port: Number(port), queryFiles, keys, model, aet, aec, aem, retrievePort,
      connectTimeoutS, acseTimeoutS, dimseTimeoutS, maxPdu, outputDirectory, bitPreserving, fileMeta, write,
      ignore, repeat, abort, cancelAfter, pendingDatasets, outputFormat, boundary, fsync, bulkDataDirectory, maxInFlight, requireCalledAet, requireArchive, acceptTransferSyntaxes, proposeTransferSyntaxes, logLevel, logConfig, quiet, programName, accessControl, hostLookup,
    };
    return { kind: 'run', config, stderr: pre };
  } catch (e) {
    if (e instanceof CommandLineError) return fail(e);
    throw e;
  }
}

type BlockFinder = (...names: string[]) => OptionArg[];

/**
 * movescu.cc's output option blocks, +t* to +p, in its order and with its conflict checks; each block's final
 * value is that of its rightmost option. `writeXfer`: the +t* syntax, null for +t= (also the default).
 */
function outputOptions(
  block: BlockFinder,
  ctx: { readonly bitPreserving: boolean; readonly fileMeta: boolean; readonly accept: string },
): { write: Partial<WriteOptions>; writeXfer: string | null } {
  const write: Partial<WriteOptions> = {};
  const conflict = (opt: string, other: string, condition: boolean): void => {
    if (condition) throw new CommandLineError(`${opt} not allowed with ${other}`);
  };
  const notWithBitPreserving = (o: OptionArg): void => conflict(o.spec.long, '--bit-preserving', ctx.bitPreserving);

  let writeXfer: string | null = null;
  for (const o of block(...Object.keys(WRITE_XFER_OPTIONS))) {
    const ts = WRITE_XFER_OPTIONS[o.spec.long]!;
    if (ts !== null) {
      conflict(o.spec.long, '--accept-all', ctx.accept === '--accept-all');
      notWithBitPreserving(o);
      conflict(o.spec.long, ctx.accept, COMPRESSED_PREFER_OPTIONS.includes(ctx.accept));
    }
    writeXfer = ts;
  }
  if (writeXfer !== null) write.transferSyntax = writeXfer;

  for (const o of block('--enable-new-vr', '--disable-new-vr')) {
    notWithBitPreserving(o);
    write.enableNewVr = o.spec.long === '--enable-new-vr';
  }
  const groupLength = {
    '--group-length-recalc': 'recalc', '--group-length-create': 'create', '--group-length-remove': 'remove',
  } as const;
  for (const o of block(...Object.keys(groupLength))) {
    notWithBitPreserving(o);
    write.groupLength = groupLength[o.spec.long as keyof typeof groupLength];
  }
  for (const o of block('--length-explicit', '--length-undefined')) {
    notWithBitPreserving(o);
    write.sequenceLength = o.spec.long === '--length-explicit' ? 'explicit' : 'undefined';
  }
  for (const o of block('--padding-off', '--padding-create')) {
    if (o.spec.long === '--padding-off') continue; // asked for first, so no padding is set yet
    conflict('--padding-create', '--write-dataset', !ctx.fileMeta);
    notWithBitPreserving(o);
    // DCMTK reads unsigned longs and hands them to saveFile as Uint32.
    const file = Number(valueUnsigned(o, 0, 0n) & 0xffffffffn);
    const item = Number(valueUnsigned(o, 1, 0n) & 0xffffffffn);
    write.padding = { file, item };
  }
  return { write, writeXfer };
}

function defaultCanRead(path: string): boolean {
  try {
    accessSync(path, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** DCMTK stores timeouts in 32-bit ints; a huge value means "as long as possible", not a wrapped negative. */
function toSeconds(v: bigint): number {
  return v > 2147483647n ? 2147483647 : Number(v);
}

// OFCommandLine::getStatusString for E_ParamValueStatus: "Invalid parameter value <arg>[ (underflow|overflow)]".
function paramUnsigned(arg: string, min: bigint, max: bigint): bigint {
  const v = scanUnsigned(arg);
  if (v === null) throw new CommandLineError(`Invalid parameter value ${arg}`);
  if (v < min) throw new CommandLineError(`Invalid parameter value ${arg}${arg === '' ? '' : ' (underflow)'}`);
  if (v > max) throw new CommandLineError(`Invalid parameter value ${arg}${arg === '' ? '' : ' (overflow)'}`);
  return v;
}

// ... and for E_ValueStatus: "Invalid value for option --long[ ([underflow: |overflow: ]<arg>)]"; the value is
// left out when empty (getCurrentArg fails on "").
function valueError(o: OptionArg, arg: string, what: '' | 'underflow: ' | 'overflow: '): CommandLineError {
  return new CommandLineError(`Invalid value for option ${o.spec.long}${arg === '' ? '' : ` (${what}${arg})`}`);
}

function valueUnsigned(o: OptionArg, index: number, min: bigint, max?: bigint): bigint {
  const arg = o.values[index]!;
  const v = scanUnsigned(arg);
  // getValue(OFCmdUnsignedInt) refuses a '-' after leading spaces (only spaces: find_first_not_of(' ')).
  const firstNonSpace = arg.replace(/^ +/, '')[0];
  if (v === null || firstNonSpace === undefined || firstNonSpace === '-') throw valueError(o, arg, '');
  if (v < min) throw valueError(o, arg, 'underflow: ');
  if (max !== undefined && v > max) throw valueError(o, arg, 'overflow: ');
  return v;
}

function valueSigned(o: OptionArg, index: number, min: bigint, max?: bigint): bigint {
  const arg = o.values[index]!;
  const v = scanSigned(arg);
  if (v === null) throw valueError(o, arg, '');
  if (v < min) throw valueError(o, arg, 'underflow: ');
  if (max !== undefined && v > max) throw valueError(o, arg, 'overflow: ');
  return v;
}

/** sscanf("%x"): optional spaces, sign and 0x, then hex digits (unsigned int, wrapping like strtoul). */
function scanHex(s: string, at: number): { value: number; end: number } | null {
  let i = at;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) i += 2;
  const m = /^[0-9a-fA-F]+/.exec(s.slice(i));
  if (m === null) return null;
  let v = BigInt('0x' + m[0]);
  if (v > 0xffffffffn) v = 0xffffffffn;
  if (negative) v = (0x100000000n - v) & 0xffffffffn;
  return { value: Number(v), end: i + m[0].length };
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/**
 * movescu.cc addOverrideKey: "gggg,eeee[=value]" or "Keyword[=value]". The tag syntax is checked here; keyword
 * lookup and "unknown tag" need the data dictionary, so they are checked only when one is given.
 */
function checkKey(key: string, dictionary: KeyDictionary | undefined): void {
  const g = scanHex(key, 0);
  const e = g !== null && key[g.end] === ',' ? scanHex(key, g.end + 1) : null;
  if (g === null || e === null) {
    const eq = key.indexOf('=');
    const name = eq === -1 ? key : key.slice(0, eq);
    // No dictionary entry has an empty name; anything else needs the dictionary to decide.
    if (name === '' || (dictionary !== undefined && dictionary.tagOf(name) === undefined)) {
      throw new CommandLineError(`bad key format or dictionary name not found in dictionary: ${name}`);
    }
    return;
  }
  const tag = (((g.value & 0xffff) << 16) | (e.value & 0xffff)) >>> 0;
  if (dictionary !== undefined && !dictionary.isKnown(tag)) {
    throw new CommandLineError(`unknown tag: (${hex4(g.value)},${hex4(e.value)})`);
  }
}
