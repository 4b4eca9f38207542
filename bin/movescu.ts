#!/usr/bin/env node
/**
 * movescu: DCMTK's command line in front of dimse-stream's retrieve(). This file only wires: options → config →
 * pipeline (retrieval → directory sink) → DCMTK 3.6.7's exit code.
 */
// First, before any other module allocates: the young generation's bound (young-generation.ts says why).
import './young-generation';
// Before anything can use libuv's thread pool: its size (thread-pool.ts says why).
import './thread-pool';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import {
  EXIT_CODES, ProgressLine, dcmtkRetrieveLog, createConfiguredLogger, createConsoleLogger, parseCommandLine, preflight, progressWanted, rejectionLines, exitCodeFor,
  type MovescuConfig,
} from '../lib/cli';
import { resolve } from 'node:path';
import { lookup } from 'node:dns/promises';
import { lookupKeyword, lookupTag } from '../lib/dataset/dictionary/dictionary';
import { BULK_DATA_THRESHOLD } from '../lib/cli/options';
import { randomBoundary } from '../lib/sinks/boundary';
// The modules this run uses, not the library's index: the stream formats (tar-stream, mime-types' database, the
// stages' through2) are loaded only when asked for (sinkFor): 35 ms and 2.5 MB less at start (BENCHMARKS.md).
import { DimseError } from '../lib/errors';
import type { Logger } from '../lib/log';
import type { ReceivedObject } from '../lib/received-object';
import { buildIdentifier } from '../lib/cli/identifier';
import { moveOutcome } from '../lib/dimse/status';
import { retrieve } from '../lib/services/retrieve';
import type { AdmissionPolicy } from '../lib/services/negotiation';
import type { StoreProgress } from '../lib/services/store-scp';
import { directorySink } from '../lib/sinks/directory';
import { connectCondition } from '../lib/dcmtk/conditions';

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, {
    programName: 'movescu',
    dictionary: { tagOf: (k) => lookupKeyword(k)?.tag, isKnown: (t) => lookupTag(t) !== undefined },
  });
  if (parsed.kind === 'error' && parsed.logConfig !== undefined) createConfiguredLogger(parsed.logConfig); // its --arguments line
  if ('stdout' in parsed && parsed.stdout) process.stdout.write(parsed.stdout);
  if (parsed.stderr) process.stderr.write(parsed.stderr);
  if (parsed.kind !== 'run') return parsed.exitCode;
  const config = parsed.config;
  // On a terminal at the default log levels, a live progress line; log lines go through it so that they do not mix.
  const progress = config.logConfig === null && progressWanted({ isTTY: process.stderr.isTTY, logLevel: config.logLevel, term: process.env.TERM })
    ? new ProgressLine({ write: (t) => { process.stderr.write(t); }, columns: () => process.stderr.columns, timer: true })
    : null;
  const log = config.logConfig !== null ? createConfiguredLogger(config.logConfig)
    : createConsoleLogger(config.logLevel, progress ? (t) => progress.log(t) : undefined);
  const early = preflight(config, log);
  if (early !== null) return early;
  let queries;
  try {
    queries = await buildIdentifier(config.queryFiles, config.keys);
  } catch (err) {
    log.error((err as Error).message);
    return EXIT_CODES.COMMANDLINE_SYNTAX_ERROR;
  }
  return run(config, queries, log, progress);
}

/** DCMTK's "RECV: ...." progress: on stdout as DCMTK prints it, on stderr when stdout carries the data (-od -). */
function storeProgressPrinter(out: NodeJS.WriteStream): (event: StoreProgress) => void {
  return (event) => { out.write(event.state === 'begin' ? 'RECV: ' : event.state === 'end' ? '\n' : '.'); };
}

/**
 * Where the objects go: a directory (DCMTK's files), standard output in a stream format, or nowhere (--ignore). A
 * format's module is loaded here, when it is the one asked for.
 */
async function sinkFor(config: MovescuConfig, log: Logger, onOutputError: (e: Error) => void): Promise<Writable> {
  if (config.ignore) return ignoreSink();
  const part10 = {
    logger: log, fileMeta: config.fileMeta, concurrency: config.maxInFlight,
    mode: config.bitPreserving ? { kind: 'bit-preserving' as const } : { kind: 'normal' as const, write: config.write },
  };
  const json = {
    logger: log, concurrency: config.maxInFlight,
    bulkData: config.bulkDataDirectory === null ? undefined : { directory: resolve(config.bulkDataDirectory), threshold: BULK_DATA_THRESHOLD },
  };
  if (config.outputDirectory !== '-') {
    const where = { directory: config.outputDirectory, fsync: config.fsync };
    if (config.outputFormat !== 'json') return directorySink({ ...part10, ...where });
    const { jsonDirectorySink } = await import('../lib/sinks/json');
    return jsonDirectorySink({ ...json, ...where });
  }
  const out = process.stdout;
  // A closed pipe (`| head`) reaches the sink through its write callbacks; this listener keeps it from being thrown.
  out.on('error', () => {});
  const stream = { ...part10, onOutputError };
  switch (config.outputFormat) {
    case 'tar': return (await import('../lib/sinks/tar')).tarSink(out, stream);
    case 'multipart': {
      const { multipartContentType, multipartSink } = await import('../lib/sinks/multipart');
      const boundary = config.boundary ?? randomBoundary();
      log.info(`Content-Type: ${multipartContentType(boundary)}`);
      return multipartSink(out, { ...stream, boundary });
    }
    case 'json': return (await import('../lib/sinks/json')).jsonSink(out, { ...json, onOutputError });
    case 'part10': return (await import('../lib/sinks/part10')).part10Sink(out, stream);
  }
}

/**
 * --require-called-aet, --require-archive, +ac: who may open a store sub-association (anyone otherwise, as DCMTK).
 * +ac reads $DIMSE_HOSTS_ACCESS_ROOT/etc/hosts.allow and hosts.deny (root "/" by default).
 */
async function admissionPolicy(config: MovescuConfig): Promise<AdmissionPolicy | undefined> {
  if (!config.requireCalledAet && !config.requireArchive && !config.accessControl) return undefined;
  const policy: AdmissionPolicy = {};
  if (config.accessControl) {
    policy.hostAccess = { daemon: 'movescu', root: process.env.DIMSE_HOSTS_ACCESS_ROOT || '/', reverseLookup: config.hostLookup };
  }
  if (config.requireCalledAet) policy.calledAeTitle = config.aem;
  if (config.requireArchive) {
    policy.callingAeTitle = config.aec;
    // The archive's addresses: a name that does not resolve leaves none, and the connection fails later anyway.
    policy.addresses = (await lookup(config.peer, { all: true }).catch(() => [])).map((a) => a.address);
  }
  return policy;
}

async function run(
  config: MovescuConfig, queries: Awaited<ReturnType<typeof buildIdentifier>>, log: Logger, progress: ProgressLine | null,
): Promise<number> {
  let outputFailed = false;
  const sink = await sinkFor(config, log, () => { outputFailed = true; });
  const retrieval = retrieve({
    admission: await admissionPolicy(config),
    repeat: config.repeat,
    abort: config.abort,
    cancelAfter: config.cancelAfter ?? undefined,
    pendingDatasets: config.pendingDatasets,
    host: config.peer,
    port: config.port,
    callingAeTitle: config.aet,
    calledAeTitle: config.aec,
    moveDestination: config.aem,
    model: config.model,
    queries,
    listenPort: config.retrievePort,
    maxPduLength: config.maxPdu,
    acseTimeoutMs: config.acseTimeoutS * 1000,
    connectTimeoutMs: config.connectTimeoutS === null ? undefined : config.connectTimeoutS * 1000,
    dimseTimeoutMs: config.dimseTimeoutS === null ? undefined : config.dimseTimeoutS * 1000,
    acceptTransferSyntaxes: config.acceptTransferSyntaxes,
    proposeTransferSyntaxes: config.proposeTransferSyntaxes,
    logger: log,
    onEvent: dcmtkRetrieveLog(log),
    // movescu.cc storeSCPCallback: when dcmtk.apps.movescu.progress is at exactly INFO (-v), "RECV: ", a dot per PDV and a newline per object, on stdout.
    onStoreProgress: (config.logConfig?.progressLevel ?? config.logLevel) === 'info'
      ? storeProgressPrinter(config.outputDirectory === '-' ? process.stderr : process.stdout)
      : progress ? (event) => progress.onStoreProgress(event) : undefined,
    onResponse: progress ? (rsp) => progress.onMoveResponse(rsp) : undefined,
  });
  const stored = pipeline(retrieval, sink).catch(() => { /* the result below carries the error */ });
  let code: number = EXIT_CODES.NO_ERROR;
  try {
    const summary = await retrieval.result.finally(() => progress?.finish());
    for (const final of summary.finals) {
      const outcome = moveOutcome(final.status);
      if (outcome === 'error') code = EXIT_CODES.CMOVE_ERROR;
      else if (outcome === 'warning' && code === EXIT_CODES.NO_ERROR) code = EXIT_CODES.CMOVE_WARNING;
    }
  } catch (err) {
    code = reportFailure(err, log, config.peer);
  }
  await stored;
  // The output closed under us (`| head`): every object from then on was refused, whatever the archive concluded.
  if (outputFailed && (code === EXIT_CODES.NO_ERROR || code === EXIT_CODES.CMOVE_WARNING)) code = EXIT_CODES.CANNOT_WRITE_OUTPUT_FILE;
  return code;
}

function reportFailure(thrown: unknown, log: Logger, peer: string): number {
  const err = thrown as Error;
  const errorCode = thrown instanceof DimseError ? thrown.code : undefined;
  const code = exitCodeFor(errorCode);
  if (errorCode === 'ASSOC_REJECTED') {
    log.fatal('Association Rejected:');
    for (const line of rejectionLines(err)) log.fatal(line);
  } else if (errorCode === 'RELEASE_FAILED') {
    log.fatal('Association Release Failed:');
    log.fatal(err.message);
  } else if (code === EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION) {
    log.fatal('Association Request Failed:');
    log.fatal(errorCode === 'CONNECT_FAILED' || errorCode === 'CONNECT_TIMEOUT' ? connectCondition(thrown as DimseError, peer) : err.message);
  } else if (code === EXIT_CODES.NO_PRESENTATION_CONTEXT || code === EXIT_CODES.CANNOT_INITIALIZE_NETWORK) {
    log.fatal(err.message);
  } else {
    log.error(`Move SCU Failed: ${err.message}`);
  }
  return code;
}

/** --ignore: receive and acknowledge every object without storing it. */
function ignoreSink(): Writable {
  return new Writable({
    objectMode: true,
    write(obj: ReceivedObject, _enc, done) {
      obj.body.on('end', () => { obj.accept(); done(); });
      obj.body.on('error', () => { obj.reject(); done(); });
      obj.body.resume();
    },
  });
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: Error) => {
  process.stderr.write(`F: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
