/** The CLI layer (bin/movescu.ts uses only this): option table, parsing, texts, logger, checks, exit codes. */
export { OPTIONS, GROUPS, PARAMS, findOption, optionTableMarkdown } from './options';
export type { OptionSpec, ValueSpec, IntegerValue, StringValue, GroupSpec, ParamSpec, Support } from './options';
export { parseCommandLine } from './parse';
export type { MovescuConfig, ParseResult, ParseOptions, KeyDictionary, QueryModel } from './parse';
export { helpText, versionText, headerText } from './help';
export { createConsoleLogger, formatLogMessage } from './logger';
export type { Threshold } from './logger';
export { createConfiguredLogger } from './log-appenders';
export type { LogConfig } from './log-config';
export { ProgressLine, progressWanted, renderProgress, formatBytes, emptyCounts } from './progress';
export type { ProgressCounts, ProgressLineOptions } from './progress';
export { preflight, defaultPreflightDeps } from './preflight';
export type { PreflightDeps } from './preflight';
export { EXIT_CODES, exitCodeName } from './exit-codes';
export type { ExitCode, ExitCodeName } from './exit-codes';
export { DIMSE_STREAM_VERSION } from './version';
export { exitCodeFor, rejectionLines } from './outcome';
