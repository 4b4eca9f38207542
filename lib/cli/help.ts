/**
 * Texts printed by the CLI itself: the header, --help, --version. Layout follows DCMTK's OFConsoleApplication /
 * OFCommandLine (ofconapp.cc printHeader/printUsage, ofcmdln.cc getParamString/getOptionString), so that
 * `movescu --help` of dimse-stream and of DCMTK 3.6.7 differ only in the first line and in a trailing note.
 */
import {
  GROUPS, LONG_COLUMN, OPTIONS, OUR_OPTIONS, PARAMS, PROGRAM_DESCRIPTION, PROGRAM_NAME, SHORT_COLUMN, type OptionSpec,
} from './options';
import { DIMSE_STREAM_VERSION } from './version';

/** DCMTK prints its rcsid "$dcmtk: movescu v3.6.7 2022-04-22 $"; ours names this product and version. */
export function identification(version: string = DIMSE_STREAM_VERSION): string {
  return `$dimse-stream: ${PROGRAM_NAME} v${version} $`;
}

/** OFConsoleApplication::printHeader without host information: used before "usage:" and before "error: ...". */
export function headerText(version: string = DIMSE_STREAM_VERSION): string {
  return `${identification(version)}\n\n${PROGRAM_NAME}: ${PROGRAM_DESCRIPTION}\n`;
}

/** Column of parameter descriptions: movescu.cc setParamColumn(LONGCOL + SHORTCOL + 4). */
const PARAM_COLUMN = LONG_COLUMN + SHORT_COLUMN + 4;
const COLUMN_SPACE = 2;

function syntaxString(): string {
  let s = ' [options]';
  for (const p of PARAMS) s += p.mode === 'mandatory' ? ` ${p.name}` : ` [${p.name}...]`;
  return s;
}

function paramString(): string {
  const width = Math.max(PARAM_COLUMN, ...PARAMS.map((p) => p.name.length));
  let s = 'parameters:\n';
  for (const p of PARAMS) s += '  ' + p.name.padEnd(width) + ' '.repeat(COLUMN_SPACE) + p.help + '\n';
  return s;
}

/**
 * OFCommandLine::getOptionString: a heading per group (no indent) and subgroup (2 spaces), options indented by
 * 2 (in a group) or 4 (in a subgroup), short and long names in columns whose width is the group's default or
 * the longest name of the run of options up to the next heading, whichever is larger.
 */
function optionString(options: readonly OptionSpec[]): string {
  let out = '';
  let i = 0;
  while (i < options.length) {
    const first = options[i]!;
    const groupChanged = i === 0 || options[i - 1]!.group !== first.group;
    if (groupChanged) out += first.group + '\n';
    if (first.subgroup !== null && (groupChanged || options[i - 1]!.subgroup !== first.subgroup)) {
      out += '  ' + first.subgroup + '\n';
    }
    // the run of options under this heading
    let j = i;
    while (j < options.length && options[j]!.group === first.group && options[j]!.subgroup === first.subgroup) j++;
    const run = options.slice(i, j);
    const group = GROUPS.find((g) => g.title === first.group);
    // DCMTK's subgroups always reset the columns to the defaults; a group may declare its own.
    const shortDefault = first.subgroup === null ? group?.shortColumn ?? SHORT_COLUMN : SHORT_COLUMN;
    const shortSize = Math.max(shortDefault, ...run.map((o) => (o.short ?? '').length));
    const longSize = Math.max(LONG_COLUMN, ...run.map((o) => o.long.length));
    const indent = first.subgroup === null ? 2 : 4;
    const continuation = ' '.repeat(indent + shortSize + longSize + 2 * COLUMN_SPACE);
    for (const o of run) {
      out += ' '.repeat(indent) + (o.short ?? '').padEnd(shortSize) + ' '.repeat(COLUMN_SPACE)
        + o.long.padEnd(longSize) + ' '.repeat(COLUMN_SPACE);
      if (o.valueHelp !== null) out += o.valueHelp + '\n' + continuation;
      out += o.help.join('\n' + continuation) + '\n';
    }
    i = j;
  }
  return out;
}

/**
 * Our addition after DCMTK's text: our own options. Every DCMTK option is listed above exactly as DCMTK lists it
 * (scripts that grep the help keep working); this, after DCMTK's final blank line, is the only place where we differ.
 */
export function ourNote(): string {
  return optionString(OUR_OPTIONS);
}

/** `movescu --help`, and `movescu` without arguments: OFConsoleApplication::printUsage, on stdout. */
export function helpText(version: string = DIMSE_STREAM_VERSION): string {
  return headerText(version)
    + `usage: ${PROGRAM_NAME}${syntaxString()}\n`
    + '\n' + paramString()
    + '\n' + optionString(OPTIONS)
    + '\n'
    + ourNote();
}

export interface VersionInfo {
  readonly version?: string;
  /** e.g. "linux x64"; DCMTK prints its build's canonical host type. */
  readonly hostType?: string;
  readonly nodeVersion?: string;
}

/**
 * `movescu --version`: DCMTK's layout (header, host information, external libraries) with our facts. The
 * runtime takes the place of DCMTK's build options, and Node.js is the one "library" that changes behaviour.
 */
export function versionText(info: VersionInfo = {}): string {
  const hostType = info.hostType ?? `${process.platform} ${process.arch}`;
  const nodeVersion = info.nodeVersion ?? process.versions.node;
  return headerText(info.version)
    + '\n'
    + `Host type: ${hostType}\n`
    + `Build options: TypeScript, CommonJS\n`
    + '\n'
    + 'External libraries used:\n'
    + `- Node.js, Version ${nodeVersion}\n`;
}
