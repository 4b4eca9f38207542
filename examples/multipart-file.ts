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
import {
  multipartContentType, multipartSink, randomBoundary, tapObjects,
} from '../lib/index';
import { archiveOutcome, connection, CONNECTION_USAGE, exampleArgs, retrieveStudy, runExample, UsageError } from './cli';

const USAGE = `usage: multipart-file --study UID --out FILE [--boundary B] ${CONNECTION_USAGE}`;

async function main(): Promise<number> {
  const a = exampleArgs(USAGE, ['out', 'boundary'], ['out']);
  connection(a);
  const boundary: string = a.boundary || randomBoundary();

  // Open the file before associating: a bad path fails here, with the system's message, not after the transfer.
  const file = createWriteStream(a.out as string);
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

  const retrieval = await retrieveStudy(a);
  let parts = 0;
  try {
    await pipeline(retrieval, tapObjects((o) => void o.settled.then((s) => { if (s.stored) parts++; })), sink);
  } finally {
    file.destroy(); // a no-op once the sink has ended it; on failure, close the descriptor (the partial file stays)
  }
  // The sink reports a failed output once and refuses every later object (the archive hears 0xA700 for each).
  if (outputError) throw outputError;
  const archive = await archiveOutcome(retrieval);
  console.log(`wrote ${parts} parts (${file.bytesWritten} bytes) to ${a.out}; ${archive.text}`);
  return archive.code;
}

runExample('multipart-file', main);
