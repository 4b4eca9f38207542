#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Retrieve a study into one DICOMweb-style multipart/related file (PS3.18 8.6.1.2): each object one
 * application/dicom part, as a STOW-RS request body or a WADO-RS response carries it. The file holds the body
 * only; the Content-Type header that goes with it (it names the boundary) is printed on the first line.
 *
 *   node dist/examples/multipart-file.js --study UID --out FILE [--boundary B] [--host 127.0.0.1] [--port 104]
 *     [--aec ANY-SCP] [--aet MOVESCU] [--listen 11113]
 *
 * e.g. to store it elsewhere: curl -X POST -H "Content-Type: <that value>" --data-binary @FILE https://.../studies
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import minimist from 'minimist';
import {
  buildIdentifier, DimseError, moveOutcome, moveStatusString, multipartContentType, multipartSink, randomBoundary, retrieve, tapObjects,
} from '../lib/index';

const USAGE = 'usage: multipart-file --study UID --out FILE [--boundary B] [--host HOST] [--port PORT] [--aec AE] [--aet AE] [--listen PORT]';

class UsageError extends Error {}

function port(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number, not ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<number> {
  const a = minimist(process.argv.slice(2), {
    string: ['host', 'port', 'aec', 'aet', 'listen', 'study', 'out', 'boundary'],
    default: { host: '127.0.0.1', port: '104', aec: 'ANY-SCP', aet: 'MOVESCU', listen: '11113' },
  });
  if (!a.study || !a.out) throw new UsageError(USAGE);
  const boundary: string = a.boundary || randomBoundary();
  const listenPort = port(a.listen, 'listen');
  const archivePort = port(a.port, 'port');

  // Open the file before associating: a bad path fails here, with the system's message, not after the transfer.
  const file = createWriteStream(a.out);
  await once(file, 'open');
  let outputError: Error | null = null;
  // multipartSink throws a RangeError for a boundary RFC 2046 does not allow: a usage error.
  let sink: Writable;
  try {
    sink = multipartSink(file, { boundary, onOutputError: (e) => { outputError = e; } });
  } catch (e) {
    file.destroy();
    throw e instanceof RangeError ? new UsageError(e.message) : e;
  }
  console.log(`Content-Type: ${multipartContentType(boundary)}`);

  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${a.study}`]);
  const retrieval = retrieve({
    host: a.host, port: archivePort, calledAeTitle: a.aec, callingAeTitle: a.aet, model: 'study', listenPort, queries,
  });
  let parts = 0;
  try {
    await pipeline(retrieval, tapObjects((o) => void o.settled.then((s) => { if (s.stored) parts++; })), sink);
  } finally {
    file.destroy(); // a no-op once the sink has ended it; on failure, close the descriptor (the partial file stays)
  }
  // The sink reports a failed output once and refuses every later object (the archive hears 0xA700 for each).
  if (outputError) throw outputError;
  const { finals } = await retrieval.result;
  const final = finals[0];
  if (!final) throw new Error('no final C-MOVE response');
  console.log(`wrote ${parts} parts (${file.bytesWritten} bytes) to ${a.out}; archive: ${final.completed ?? 0} completed, `
    + `${final.failed ?? 0} failed; final status ${moveStatusString(final.status)}`);
  return moveOutcome(final.status) === 'ok' ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: Error) => {
  // Expected failures (bad options, the network, the archive, the file) get one line; anything else is a bug: its stack.
  const expected = e instanceof UsageError || e instanceof DimseError || typeof (e as NodeJS.ErrnoException).code === 'string';
  console.error(`multipart-file: ${expected ? e.message : e.stack}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
