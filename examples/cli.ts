/**
 * What the examples share: their command line (the study, the archive, our listening port), the retrieval they
 * start, the summary of the archive's final response, and how they end (one line for an expected failure, exit 2
 * for a usage error, 1 for a failed retrieval). Each example keeps only its own stage and sink.
 */
import minimist from 'minimist';
import { buildIdentifier, DimseError, moveOutcome, moveStatusString, retrieve, type Retrieval } from '../lib/index';

export class UsageError extends Error {}

/** The options every example takes, with their defaults. */
const CONNECTION = { host: '127.0.0.1', port: '104', aec: 'ANY-SCP', aet: 'MOVESCU', listen: '11113' };
export const CONNECTION_USAGE = '${CONNECTION_USAGE}';

export type ExampleArgs = Record<string, string> & { study: string };

/** The command line: the connection options, `own` options of the example, and those it requires. */
export function exampleArgs(usage: string, own: readonly string[], required: readonly string[], defaults: Record<string, string> = {}): ExampleArgs {
  const a = minimist(process.argv.slice(2), {
    string: [...Object.keys(CONNECTION), 'study', ...own],
    default: { ...CONNECTION, ...defaults },
  }) as unknown as Record<string, string | undefined>;
  for (const name of ['study', ...required]) if (!a[name]) throw new UsageError(usage);
  return a as ExampleArgs;
}

function port(text: string | undefined, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number, not ${JSON.stringify(text)}`);
  return n;
}

/** The connection options, checked (a bad port is a usage error before anything is opened). */
export function connection(a: ExampleArgs): { host: string; port: number; calledAeTitle: string; callingAeTitle: string; listenPort: number } {
  return { host: a.host as string, port: port(a.port, 'port'), calledAeTitle: a.aec as string, callingAeTitle: a.aet as string, listenPort: port(a.listen, 'listen') };
}

/** A C-MOVE of the whole study, with the study root model. */
export async function retrieveStudy(a: ExampleArgs): Promise<Retrieval> {
  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${a.study}`]);
  return retrieve({ ...connection(a), model: 'study', queries });
}

/** The archive's side of the summary line, and the exit code its final status gives. */
export async function archiveOutcome(retrieval: Retrieval): Promise<{ text: string; code: number }> {
  const { finals } = await retrieval.result;
  const final = finals[0];
  if (!final) throw new Error('no final C-MOVE response');
  return {
    text: `archive: ${final.completed ?? 0} completed, ${final.failed ?? 0} failed; final status ${moveStatusString(final.status)}`,
    code: moveOutcome(final.status) === 'ok' ? 0 : 1,
  };
}

/** Runs an example's main: expected failures (options, network, archive, disk) get one line, anything else its stack. */
export function runExample(name: string, main: () => Promise<number>): void {
  main().then((code) => { process.exitCode = code; }, (e: Error) => {
    const expected = e instanceof UsageError || e instanceof DimseError || typeof (e as NodeJS.ErrnoException).code === 'string';
    console.error(`${name}: ${expected ? e.message : e.stack}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  });
}
