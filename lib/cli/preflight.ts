/**
 * The checks movescu.cc makes after parsing and before opening the network, in its order. They are logged at
 * FATAL level ("F: ..."), not printed as "error: ...", and have their own exit codes; that is why they are not in
 * parse.ts. They look at the machine (directory, privileges), so tests inject `PreflightDeps`.
 */
import { accessSync, statSync, constants as fsConstants } from 'node:fs';
import type { Logger } from '../log';
import type { MovescuConfig } from './parse';
import { EXIT_CODES } from './exit-codes';
import { identification } from './help';

export interface PreflightDeps {
  readonly dirExists: (path: string) => boolean;
  readonly isWritable: (path: string) => boolean;
  /** Effective user id, undefined where the platform has none (DCMTK skips the check there too). */
  readonly euid: () => number | undefined;
}

export const defaultPreflightDeps: PreflightDeps = {
  dirExists: (path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  isWritable: (path) => {
    try {
      accessSync(path, fsConstants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
  euid: () => (typeof process.geteuid === 'function' ? process.geteuid() : undefined),
};

/**
 * Returns null to go on, or the exit code to end with (after the fatal message has been logged).
 * Recorded from movescu 3.6.7: `+P 11112 -od /nonexist -k 0010,0010=X localhost 1` prints
 * "F: specified output directory does not exist" and exits 45 (also when the path is a file).
 */
export function preflight(config: MovescuConfig, log: Logger, deps: PreflightDeps = defaultPreflightDeps,
  version?: string): number | null {
  // DCMTK logs its rcsid at debug level first (with a trailing newline, hence an empty "D: " line).
  log.debug(`${identification(version)}\n`);
  if (config.retrievePort !== null) {
    // -od - is standard output (ours): no directory to check.
    const toDirectory = config.outputDirectory !== '-';
    if (toDirectory && !deps.dirExists(config.outputDirectory)) {
      log.fatal('specified output directory does not exist');
      return EXIT_CODES.INVALID_OUTPUT_DIRECTORY;
    }
    if (toDirectory && !deps.isWritable(config.outputDirectory)) {
      log.fatal('specified output directory is not writeable');
      return EXIT_CODES.CANNOT_WRITE_OUTPUT_FILE;
    }
    if (config.bulkDataDirectory !== null && !deps.dirExists(config.bulkDataDirectory)) {
      log.fatal(`specified bulk data directory does not exist: ${config.bulkDataDirectory}`);
      return EXIT_CODES.INVALID_OUTPUT_DIRECTORY;
    }
    const euid = deps.euid();
    if (config.retrievePort < 1024 && euid !== undefined && euid !== 0) {
      log.fatal(`cannot listen on port ${config.retrievePort}, insufficient privileges`);
      return EXIT_CODES.INSUFFICIENT_PRIVILEGES;
    }
  }
  return null;
}
