/** The CLI layer, as bin/movescu.ts takes it: option table, parsing, texts, logger, checks, exit codes. */
export { optionTableMarkdown } from './options';
export { parseCommandLine, type MovescuConfig } from './parse';
export { createConsoleLogger } from './logger';
export { ProgressLine, progressWanted } from './progress';
export { preflight } from './preflight';
export { EXIT_CODES } from './exit-codes';
export { createConfiguredLogger } from './log-appenders';
export { exitCodeFor, rejectionLines } from './outcome';
export { dcmtkRetrieveLog } from './retrieve-log';
