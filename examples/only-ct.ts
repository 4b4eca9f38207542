#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * A user stage between receiver and sink: keep only CT images (by SOP class, known without reading the data set),
 * count what was kept, acknowledge the rest unstored (the archive hears success for them).
 *
 *   node dist/examples/only-ct.js --study UID --out DIR [--host 127.0.0.1] [--port 104] [--aec ANY-SCP]
 *     [--aet MOVESCU] [--listen 11113]
 */
import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { directorySink, filterObjects, tapObjects } from '../lib/index';
import { archiveOutcome, connection, CONNECTION_USAGE, exampleArgs, retrieveStudy, runExample } from './cli';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const USAGE = `usage: only-ct --study UID --out DIR ${CONNECTION_USAGE}`;

async function main(): Promise<number> {
  const a = exampleArgs(USAGE, ['out'], ['out']);
  connection(a);
  await mkdir(a.out, { recursive: true });
  const retrieval = await retrieveStudy(a);
  let kept = 0;
  await pipeline(
    retrieval,
    filterObjects((o) => o.sopClassUid === CT_IMAGE_STORAGE),
    tapObjects((o) => void o.settled.then((s) => { if (s.stored) kept++; })), // kept = really written by the sink
    directorySink({ directory: a.out }),
  );
  const archive = await archiveOutcome(retrieval);
  console.log(`kept ${kept} CT images in ${a.out}; ${archive.text}`);
  return archive.code;
}

runExample('only-ct', main);
