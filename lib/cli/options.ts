/**
 * The one option table of our movescu: every option of DCMTK 3.6.7's `movescu --help` (79), in DCMTK's order,
 * with DCMTK's names, headings, value descriptions and help lines. Parsing, `--help` and the README's option
 * table are all generated from it, so they cannot drift apart.
 *
 * Every option is implemented; `tests` names the test files that compare it with DCMTK's movescu doing the same
 * thing (the README's table shows them, and test/unit/cli-options.test.ts checks that each names the option).
 */

import {
  DEFAULT_ACSE_TIMEOUT_S, DEFAULT_AE_TITLE, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_PDU, DEFAULT_PEER_AE_TITLE, MAX_PDU, MIN_PDU,
} from '../defaults';

export interface IntegerValue {
  readonly name: string;
  readonly type: 'integer';
  /** DCMTK reads signed values with sscanf("%li") (base prefixes allowed), unsigned ones with "%lu" (no '-'). */
  readonly signed: boolean;
  readonly min?: number;
  readonly max?: number;
}

export interface StringValue {
  readonly name: string;
  readonly type: 'string';
  /** Documented choices (informative: the parser does its own, DCMTK-compatible, check). */
  readonly choices?: readonly string[];
}

export type ValueSpec = IntegerValue | StringValue;

export interface OptionSpec {
  /** e.g. "-aet"; null for options that have only a long name (--version, --no-port, --ignore ...). */
  readonly short: string | null;
  /** e.g. "--aetitle": the canonical name, used in DCMTK's messages. */
  readonly long: string;
  readonly group: string;
  readonly subgroup: string | null;
  readonly values: readonly ValueSpec[];
  /** DCMTK's value description (printed on the option's line in --help), e.g. "[n]umber: integer". */
  readonly valueHelp: string | null;
  /** Help lines as DCMTK prints them. */
  readonly help: readonly string[];
  /** The default, for documentation: 'yes' for a flag that is the default of its block, or the default value. */
  readonly default: string | null;
  /** Ends option processing (--help, --version), as OFCommandLine::AF_Exclusive. */
  readonly exclusive: boolean;
  /** Test files (under test/) that compare this option with DCMTK's movescu. */
  readonly tests: readonly string[];
}

/** A help group: DCMTK's addGroup(); `shortColumn` is the width of the short-name column when not the default. */
export interface GroupSpec {
  readonly title: string;
  readonly shortColumn?: number;
}

/** movescu.cc: SHORTCOL 4, LONGCOL 21; the general group is declared with SHORTCOL + 2. */
export const SHORT_COLUMN = 4;
export const LONG_COLUMN = 21;

export const PROGRAM_NAME = 'movescu';
export const PROGRAM_DESCRIPTION = 'DICOM retrieve (C-MOVE) SCU';

export interface ParamSpec {
  readonly name: string;
  readonly help: string;
  readonly mode: 'mandatory' | 'multi-optional';
}

export const PARAMS: readonly ParamSpec[] = [
  { name: 'peer', help: 'hostname of DICOM peer', mode: 'mandatory' },
  { name: 'port', help: 'tcp/ip port number of peer', mode: 'mandatory' },
  { name: 'dcmfile-in', help: 'DICOM query file(s)', mode: 'multi-optional' },
];

// ---- the table, declared as data: groups → subgroups → options ----

interface RawOption {
  s: string | null;
  l: string;
  v?: readonly ValueSpec[];
  vh?: string;
  h: readonly string[];
  d?: string;
  x?: true;
  /** Test files comparing it with DCMTK, relative to test/. */
  t?: readonly string[];
}
interface RawSubgroup { title: string | null; options: readonly RawOption[] }
interface RawGroup extends GroupSpec { subgroups: readonly RawSubgroup[] }

const str = (name: string, choices?: readonly string[]): StringValue =>
  choices ? { name, type: 'string', choices } : { name, type: 'string' };
const int = (name: string, signed: boolean, min?: number, max?: number): IntegerValue => {
  const v: { name: string; type: 'integer'; signed: boolean; min?: number; max?: number } = { name, type: 'integer', signed };
  if (min !== undefined) v.min = min;
  if (max !== undefined) v.max = max;
  return v;
};


const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const TABLE: readonly RawGroup[] = [
  {
    title: 'general options:', shortColumn: SHORT_COLUMN + 2,
    subgroups: [{
      title: null, options: [
        { s: '-h', l: '--help', h: ['print this help text and exit'], x: true, t: ['peers/cli-help.test.ts'] },
        { s: null, l: '--version', h: ['print version information and exit'], x: true, t: ['peers/cli-help.test.ts'] },
        { s: null, l: '--arguments', h: ['print expanded command line arguments'], t: ['peers/argument-file.test.ts', 'peers/log-config.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '-q', l: '--quiet', h: ['quiet mode, print no warnings and errors'], t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts', 'peers/log-config.test.ts'] },
        { s: '-v', l: '--verbose', h: ['verbose mode, print processing details'], t: ['peers/log-lines.test.ts', 'faults/pending-dataset.test.ts'] },
        { s: '-d', l: '--debug', h: ['debug mode, print debug information'], t: ['peers/log-lines.test.ts', 'peers/cancel.test.ts', 'peers/options-vs-dcmtk.test.ts'] },
        { s: '-ll', l: '--log-level', v: [str('level', LOG_LEVELS)], vh: '[l]evel: string constant',
          h: ['(fatal, error, warn, info, debug, trace)', 'use level l for the logger'], d: 'warn', t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts', 'peers/log-config.test.ts'] },
        { s: '-lc', l: '--log-config', v: [str('filename')], vh: '[f]ilename: string',
          h: ['use config file f for the logger'], t: ['peers/log-config.test.ts'] },
      ],
    }],
  },
  {
    title: 'network options:',
    subgroups: [
      { title: 'override matching keys:', options: [
        { s: '-k', l: '--key', v: [str('key')], vh: '[k]ey: gggg,eeee="str" or dict. name="str"',
          h: ['override matching key'], t: ['peers/retrieve-dcmqrscp.test.ts'] },
      ] },
      { title: 'query information model:', options: [
        { s: '-P', l: '--patient', h: ['use patient root information model (default)'], d: 'yes', t: ['peers/retrieve-dcmqrscp.test.ts'] },
        { s: '-S', l: '--study', h: ['use study root information model'], t: ['peers/retrieve-dcmqrscp.test.ts'] },
        { s: '-O', l: '--psonly', h: ['use patient/study only information model'], t: ['peers/options-vs-dcmtk.test.ts'] },
      ] },
      { title: 'application entity titles:', options: [
        { s: '-aet', l: '--aetitle', v: [str('aetitle')], vh: '[a]etitle: string',
          h: [`set my calling AE title (default: ${DEFAULT_AE_TITLE})`], d: DEFAULT_AE_TITLE, t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '-aec', l: '--call', v: [str('aetitle')], vh: '[a]etitle: string',
          h: [`set called AE title of peer (default: ${DEFAULT_PEER_AE_TITLE})`], d: DEFAULT_PEER_AE_TITLE, t: ['peers/retrieve-dcmqrscp.test.ts'] },
        { s: '-aem', l: '--move', v: [str('aetitle')], vh: '[a]etitle: string',
          h: [`set move destinat. AE title (default: ${DEFAULT_AE_TITLE})`], d: DEFAULT_AE_TITLE, t: ['peers/retrieve-dcmqrscp.test.ts', 'peers/options-vs-dcmtk.test.ts'] },
      ] },
      { title: 'preferred network transfer syntaxes (incoming associations):', options: [
        { s: '+x=', l: '--prefer-uncompr', h: ['prefer explicit VR local byte order (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xe', l: '--prefer-little', h: ['prefer explicit VR little endian TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xb', l: '--prefer-big', h: ['prefer explicit VR big endian TS'], t: ['peers/options-vs-dcmtk.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
        { s: '+xs', l: '--prefer-lossless', h: ['prefer default JPEG lossless TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xy', l: '--prefer-jpeg8', h: ['prefer default JPEG lossy TS for 8 bit data'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xx', l: '--prefer-jpeg12', h: ['prefer default JPEG lossy TS for 12 bit data'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xv', l: '--prefer-j2k-lossless', h: ['prefer JPEG 2000 lossless TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xw', l: '--prefer-j2k-lossy', h: ['prefer JPEG 2000 lossy TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xt', l: '--prefer-jls-lossless', h: ['prefer JPEG-LS lossless TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xu', l: '--prefer-jls-lossy', h: ['prefer JPEG-LS lossy TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xm', l: '--prefer-mpeg2', h: ['prefer MPEG2 Main Profile @ Main Level TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xh', l: '--prefer-mpeg2-high', h: ['prefer MPEG2 Main Profile @ High Level TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xn', l: '--prefer-mpeg4', h: ['prefer MPEG4 AVC/H.264 HP / Level 4.1 TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xl', l: '--prefer-mpeg4-bd', h: ['prefer MPEG4 AVC/H.264 BD-compatible TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+x2', l: '--prefer-mpeg4-2-2d', h: ['prefer MPEG4 AVC/H.264 HP / Level 4.2 TS (2D)'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+x3', l: '--prefer-mpeg4-2-3d', h: ['prefer MPEG4 AVC/H.264 HP / Level 4.2 TS (3D)'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xo', l: '--prefer-mpeg4-2-st', h: ['prefer MPEG4 AVC/H.264 Stereo HP / Level 4.2 TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+x4', l: '--prefer-hevc', h: ['prefer HEVC/H.265 Main Profile / Level 5.1 TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+x5', l: '--prefer-hevc10', h: ['prefer HEVC/H.265 Main 10 Profile / Level 5.1 TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xr', l: '--prefer-rle', h: ['prefer RLE lossless TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xd', l: '--prefer-deflated', h: ['prefer deflated explicit VR little endian TS'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+xi', l: '--implicit', h: ['accept implicit VR little endian TS only'], t: ['peers/options-vs-dcmtk.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
        { s: '+xa', l: '--accept-all', h: ['accept all supported transfer syntaxes'], t: ['peers/options-vs-dcmtk.test.ts'] },
      ] },
      { title: 'proposed transmission transfer syntaxes (outgoing associations):', options: [
        { s: '-x=', l: '--propose-uncompr', h: ['propose all uncompressed TS, explicit VR', 'with local byte ordering first (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '-xe', l: '--propose-little', h: ['propose all uncompressed TS, explicit VR', 'little endian first'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '-xb', l: '--propose-big', h: ['propose all uncompressed TS, explicit VR', 'big endian first'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '-xd', l: '--propose-deflated', h: ['propose deflated explicit VR little endian TS', 'and all uncompressed transfer syntaxes'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '-xi', l: '--propose-implicit', h: ['propose implicit VR little endian TS only'], t: ['peers/options-vs-dcmtk.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
      ] },
      { title: 'network host access control (tcp wrapper):', options: [
        { s: '-ac', l: '--access-full', h: ['accept connections from any host (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: '+ac', l: '--access-control', h: ['enforce host access control rules'], t: ['peers/access-control.test.ts'] },
      ] },
      { title: 'port for incoming network associations:', options: [
        { s: null, l: '--no-port', h: ['no port for incoming associations (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '+P', l: '--port', v: [int('number', false, 1, 65535)], vh: '[n]umber: integer',
          h: ['port number for incoming associations'], t: ['peers/retrieve-dcmqrscp.test.ts', 'peers/cli-errors.test.ts'] },
      ] },
      { title: "handling of illegal datasets following 'pending' move responses:", options: [
        { s: '-pi', l: '--pending-ignore', h: ['assume no dataset present (default)'], d: 'yes', t: ['faults/pending-dataset.test.ts'] },
        { s: '-pr', l: '--pending-read', h: ['read and ignore dataset'], t: ['faults/pending-dataset.test.ts'] },
      ] },
      { title: 'other network options:', options: [
        { s: '-to', l: '--timeout', v: [int('seconds', true, 1)], vh: '[s]econds: integer (default: unlimited)',
          h: ['timeout for connection requests'], d: 'unlimited', t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '-ta', l: '--acse-timeout', v: [int('seconds', true, 1)], vh: `[s]econds: integer (default: ${DEFAULT_ACSE_TIMEOUT_S})`,
          h: ['timeout for ACSE messages'], d: String(DEFAULT_ACSE_TIMEOUT_S), t: ['faults/exit-codes.test.ts', 'peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '-td', l: '--dimse-timeout', v: [int('seconds', true, 1)], vh: '[s]econds: integer (default: unlimited)',
          h: ['timeout for DIMSE messages'], d: 'unlimited', t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '-pdu', l: '--max-pdu', v: [int('number of bytes', false, MIN_PDU, MAX_PDU)],
          vh: `[n]umber of bytes: integer (${MIN_PDU}..${MAX_PDU})`,
          h: [`set max receive pdu to n bytes (default: ${DEFAULT_MAX_PDU})`], d: String(DEFAULT_MAX_PDU), t: ['peers/retrieve-dcmqrscp.test.ts', 'peers/cli-errors.test.ts'] },
        // Only +ac looks the connecting host's name up (as DCMTK); -dhl makes it "unknown" there too.
        { s: '-dhl', l: '--disable-host-lookup', h: ['disable hostname lookup'], t: ['peers/access-control.test.ts'] },
        { s: null, l: '--repeat', v: [int('number', false, 1)], vh: '[n]umber: integer', h: ['repeat n times'], d: '1', t: ['peers/log-lines.test.ts', 'peers/cancel.test.ts'] },
        { s: null, l: '--abort', h: ['abort association instead of releasing it'], t: ['peers/log-lines.test.ts', 'faults/exit-codes.test.ts'] },
        { s: null, l: '--ignore', h: ['ignore store data, receive but do not store'], t: ['peers/retrieve-dcmqrscp.test.ts'] },
        { s: null, l: '--cancel', v: [int('number', true, 0)], vh: '[n]umber: integer',
          h: ['cancel after n responses (default: never)'], d: 'never', t: ['peers/cancel.test.ts'] },
        // Accepted, and as in DCMTK 3.6.7 it changes nothing: its one trailing space is stripped from SOP class and
        // instance UIDs that dcmdata's input correction has already rid of every space (README, -up).
        { s: '-up', l: '--uid-padding', h: ['silently correct space-padded UIDs'], t: ['peers/uid-padding.test.ts'] },
      ] },
    ],
  },
  {
    title: 'output options:',
    subgroups: [
      { title: 'general:', options: [
        { s: '-od', l: '--output-directory', v: [str('directory')], vh: '[d]irectory: string (default: ".")',
          h: ['write received objects to existing directory d'], d: '.', t: ['peers/retrieve-dcmqrscp.test.ts', 'peers/cli-errors.test.ts'] },
      ] },
      { title: 'bit preserving mode:', options: [
        { s: '-B', l: '--normal', h: ['allow implicit format conversions (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '+B', l: '--bit-preserving', h: ['write data exactly as read'], t: ['peers/retrieve-own-archive.test.ts', 'peers/uid-padding.test.ts'] },
      ] },
      { title: 'output file format:', options: [
        { s: '+F', l: '--write-file', h: ['write file format (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/cli-errors.test.ts'] },
        { s: '-F', l: '--write-dataset', h: ['write data set without file meta information'], t: ['peers/retrieve-own-archive.test.ts'] },
      ] },
      { title: 'output transfer syntax (not with --bit-preserving or compressed transmission):', options: [
        { s: '+t=', l: '--write-xfer-same', h: ['write with same TS as input (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/dataset-convert.test.ts'] },
        { s: '+te', l: '--write-xfer-little', h: ['write with explicit VR little endian TS'], t: ['peers/retrieve-own-archive.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
        { s: '+tb', l: '--write-xfer-big', h: ['write with explicit VR big endian TS'], t: ['peers/retrieve-own-archive.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
        { s: '+ti', l: '--write-xfer-implicit', h: ['write with implicit VR little endian TS'], t: ['peers/retrieve-own-archive.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
        { s: '+td', l: '--write-xfer-deflated', h: ['write with deflated expl. VR little endian TS'], t: ['peers/retrieve-own-archive.test.ts'] },
      ] },
      { title: 'post-1993 value representations (not with --bit-preserving):', options: [
        { s: '+u', l: '--enable-new-vr', h: ['enable support for new VRs (UN/UT) (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/dataset-convert.test.ts'] },
        { s: '-u', l: '--disable-new-vr', h: ['disable support for new VRs, convert to OB'], t: ['peers/retrieve-own-archive.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
      ] },
      { title: 'group length encoding (not with --bit-preserving):', options: [
        { s: '+g=', l: '--group-length-recalc', h: ['recalculate group lengths if present (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/dataset-convert.test.ts'] },
        { s: '+g', l: '--group-length-create', h: ['always write with group length elements'], t: ['peers/retrieve-own-archive.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
        { s: '-g', l: '--group-length-remove', h: ['always write without group length elements'], t: ['peers/retrieve-own-archive.test.ts'] },
      ] },
      { title: 'length encoding in sequences and items (not with --bit-preserving):', options: [
        { s: '+e', l: '--length-explicit', h: ['write with explicit lengths (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/dataset-convert.test.ts'] },
        { s: '-e', l: '--length-undefined', h: ['write with undefined lengths'], t: ['peers/retrieve-own-archive.test.ts', 'peers/retrieve-dcmqrscp.test.ts'] },
      ] },
      { title: 'data set trailing padding (not with --write-dataset or --bit-preserving):', options: [
        { s: '-p', l: '--padding-off', h: ['no padding (default)'], d: 'yes', t: ['peers/options-vs-dcmtk.test.ts', 'peers/dataset-convert.test.ts'] },
        { s: '+p', l: '--padding-create', v: [int('file-pad', false, 0), int('item-pad', false, 0)],
          vh: '[f]ile-pad [i]tem-pad: integer',
          h: ['align file on multiple of f bytes', 'and items on multiple of i bytes'], t: ['peers/retrieve-own-archive.test.ts', 'peers/dataset-convert.test.ts'] },
      ] },
      { title: 'deflate compression level (only with -xd or --write-xfer-deflated/same):', options: [
        { s: '+cl', l: '--compression-level', v: [int('level', false, 0, 9)], vh: '[l]evel: integer (default: 6)',
          h: ['0=uncompressed, 1=fastest, 9=best compression'], d: '6', t: ['peers/retrieve-own-archive.test.ts', 'peers/cli-errors.test.ts'] },
      ] },
    ],
  },
];

/**
 * dimse-stream's own options: long names only, none of them DCMTK's (checked against movescu 3.6.7's --help), listed
 * after DCMTK's text in our --help so that DCMTK's part stays identical line for line.
 */
export const OUTPUT_FORMATS = ['part10', 'tar', 'multipart', 'json'] as const;
/** --bulk-data-uri: binary values longer than this go to files. */
export const BULK_DATA_THRESHOLD = 1024;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const OUR_TABLE: readonly RawGroup[] = [
  {
    title: 'dimse-stream options:',
    subgroups: [
      { title: 'output to a stream (-od -: standard output):', options: [
        { s: null, l: '--output-format', v: [str('format', OUTPUT_FORMATS)], vh: `[f]ormat: ${OUTPUT_FORMATS.join(', ')}`,
          h: ['format written to -od - (default: part10);', 'json also with a directory (NAME.json)'], d: 'part10', t: ['peers/stream-outputs.test.ts'] },
        { s: null, l: '--boundary', v: [str('boundary')], vh: '[b]oundary: string',
          h: ['multipart boundary (default: random)'], t: ['peers/stream-outputs.test.ts'] },
        { s: null, l: '--bulk-data-uri', v: [str('directory')], vh: '[d]irectory: string',
          h: [`json: values over ${BULK_DATA_THRESHOLD} bytes to files in d`], t: ['peers/stream-outputs.test.ts'] },
      ] },
      { title: 'safety:', options: [
        { s: null, l: '--fsync', h: ['fsync each file before its success response'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: null, l: '--max-in-flight', v: [int('number', false, 1, 64)], vh: `[n]umber: integer (1..64, default: ${DEFAULT_MAX_IN_FLIGHT})`,
          h: ['objects received at once'], d: String(DEFAULT_MAX_IN_FLIGHT), t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: null, l: '--require-called-aet', h: ['accept only sub-associations calling -aem'], t: ['peers/options-vs-dcmtk.test.ts'] },
        { s: null, l: '--require-archive', h: ['accept only sub-associations from the', 'peer host with -aec as calling AE title'], t: ['peers/options-vs-dcmtk.test.ts'] },
      ] },
    ],
  },
];

export const GROUPS: readonly GroupSpec[] = TABLE.map((g) =>
  g.shortColumn === undefined ? { title: g.title } : { title: g.title, shortColumn: g.shortColumn });

function specsOf(table: readonly RawGroup[]): OptionSpec[] {
  return table.flatMap((g) =>
  g.subgroups.flatMap((sg) =>
    sg.options.map((o): OptionSpec => ({
      short: o.s,
      long: o.l,
      group: g.title,
      subgroup: sg.title,
      values: o.v ?? [],
      valueHelp: o.vh ?? null,
      help: o.h,
      default: o.d ?? null,
      exclusive: o.x === true,
      tests: o.t ?? [],
    }))));
}

/** DCMTK's options, in its --help order. */
export const OPTIONS: readonly OptionSpec[] = specsOf(TABLE);
/** Ours, after DCMTK's. */
export const OUR_OPTIONS: readonly OptionSpec[] = specsOf(OUR_TABLE);

const byName = new Map<string, OptionSpec>();
for (const o of [...OPTIONS, ...OUR_OPTIONS]) {
  byName.set(o.long, o);
  if (o.short !== null) byName.set(o.short, o);
}

/** Looks an argument up by its exact short or long name, as OFCommandLine::findCmdOption does. */
export function findOption(name: string): OptionSpec | undefined {
  return byName.get(name);
}

function mdEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The README's option table: one row per option, in --help order, with a group heading column.
 * Generated here so the README cannot promise an option the parser refuses.
 */
export function optionTableMarkdown(): string {
  const rows: string[] = [
    '| Option | Long name | Value | Description | Default | Compared with DCMTK in |',
    '|---|---|---|---|---|---|',
  ];
  let heading = '';
  for (const o of [...OPTIONS, ...OUR_OPTIONS]) {
    const h = o.subgroup === null ? o.group : `${o.group} ${o.subgroup}`;
    if (h !== heading) {
      heading = h;
      rows.push(`| **${mdEscape(h.replace(/:/g, '').trim())}** | | | | | |`);
    }
    const code = (s: string): string => '`' + s + '`';
    rows.push('| ' + [
      o.short === null ? '' : code(o.short),
      code(o.long),
      o.valueHelp === null ? '' : mdEscape(o.valueHelp),
      mdEscape(o.help.join(' ')),
      o.default === null ? '' : o.default === 'yes' ? 'default' : code(o.default),
      o.tests.map((t) => code(t)).join(' '),
    ].join(' | ') + ' |');
  }
  return rows.join('\n') + '\n';
}
