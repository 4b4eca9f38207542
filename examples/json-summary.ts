#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Retrieve a study as DICOM JSON (PS3.18 F.2), one object per line, into a Writable of our own that reads the
 * lines as they come and prints a summary: objects per Modality and per series, and the bytes carried as
 * InlineBinary (pixel data and other binary values). Nothing is written to disk.
 *
 *   node dist/examples/json-summary.js --study UID [--host 127.0.0.1] [--port 104] [--aec ANY-SCP] [--aet MOVESCU]
 *     [--listen 11113]
 *
 * Each line holds a whole object, its pixel data in base64: fine for ordinary images; for very large objects give
 * jsonSink `bulkData` so that binary values go to files instead.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonSink } from '../lib/index';
import { archiveOutcome, connection, CONNECTION_USAGE, exampleArgs, retrieveStudy, runExample } from './cli';

const USAGE = `usage: json-summary --study UID ${CONNECTION_USAGE}`;

/** A DICOM JSON data set: tag (8 upper-case hex digits) → attribute. */
type JsonDataset = Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string }>;

const MODALITY = '00080060';
const SERIES_INSTANCE_UID = '0020000E';

/** Decoded bytes of every InlineBinary in a data set, sequence items included. */
function inlineBinaryBytes(ds: JsonDataset): number {
  let n = 0;
  for (const attr of Object.values(ds)) {
    if (attr.InlineBinary !== undefined) n += Buffer.byteLength(attr.InlineBinary, 'base64');
    if (attr.vr === 'SQ') for (const item of attr.Value ?? []) n += inlineBinaryBytes(item as JsonDataset);
  }
  return n;
}

/** A Writable that cuts its input into lines and hands each to `onLine`; a line that throws fails the stream. */
function lineWriter(onLine: (line: string) => void): Writable {
  let pending: Buffer[] = [];
  const emit = (): void => {
    const line = Buffer.concat(pending).toString('utf8');
    pending = [];
    if (line !== '') onLine(line);
  };
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        let start = 0;
        for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
          pending.push(chunk.subarray(start, nl));
          start = nl + 1;
          emit();
        }
        if (start < chunk.length) pending.push(chunk.subarray(start));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
    final(done) {
      try {
        emit(); // a last line without its newline
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}

async function main(): Promise<number> {
  const a = exampleArgs(USAGE, [], []);
  connection(a);

  let objects = 0;
  let binaryBytes = 0;
  const byModality = new Map<string, number>();
  const bySeries = new Map<string, number>();
  const count = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  const summary = lineWriter((line) => {
    const ds = JSON.parse(line) as JsonDataset;
    objects++;
    count(byModality, String(ds[MODALITY]?.Value?.[0] ?? '(none)'));
    count(bySeries, String(ds[SERIES_INSTANCE_UID]?.Value?.[0] ?? '(none)'));
    binaryBytes += inlineBinaryBytes(ds);
  });

  const retrieval = await retrieveStudy(a);
  // If our Writable fails (a line that is not JSON), the sink refuses that object and every later one
  // (the archive hears 0xA700 for each) and tells us once, here.
  let outputError: Error | null = null;
  await pipeline(retrieval, jsonSink(summary, { onOutputError: (e) => { outputError = e; } }));
  if (outputError) throw outputError;
  const archive = await archiveOutcome(retrieval);

  for (const [m, n] of [...byModality].sort()) console.log(`Modality ${m}: ${n}`);
  for (const [s, n] of [...bySeries].sort()) console.log(`Series ${s}: ${n}`);
  console.log(`${objects} objects, ${bySeries.size} series, ${binaryBytes} bytes of InlineBinary; `
    + `${archive.text}`);
  return archive.code;
}

runExample('json-summary', main);
