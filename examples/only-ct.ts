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
import minimist from 'minimist';
import { buildIdentifier, DimseError, directorySink, filterObjects, moveOutcome, moveStatusString, retrieve, tapObjects } from '../lib/index';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const USAGE = 'usage: only-ct --study UID --out DIR [--host HOST] [--port PORT] [--aec AE] [--aet AE] [--listen PORT]';

class UsageError extends Error {}

function port(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number, not ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<number> {
  const a = minimist(process.argv.slice(2), {
    string: ['host', 'port', 'aec', 'aet', 'listen', 'study', 'out'],
    default: { host: '127.0.0.1', port: '104', aec: 'ANY-SCP', aet: 'MOVESCU', listen: '11113' },
  });
  if (!a.study || !a.out) throw new UsageError(USAGE);
  await mkdir(a.out, { recursive: true });
  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${a.study}`]);
  const retrieval = retrieve({
    host: a.host, port: port(a.port, 'port'), calledAeTitle: a.aec, callingAeTitle: a.aet, model: 'study',
    listenPort: port(a.listen, 'listen'), queries,
  });
  let kept = 0;
  await pipeline(
    retrieval,
    filterObjects((o) => o.sopClassUid === CT_IMAGE_STORAGE),
    tapObjects((o) => void o.settled.then((s) => { if (s.stored) kept++; })), // kept = really written by the sink
    directorySink({ directory: a.out }),
  );
  const { finals } = await retrieval.result;
  const final = finals[0];
  if (!final) throw new Error('no final C-MOVE response');
  console.log(`kept ${kept} CT images in ${a.out}; archive: ${final.completed ?? 0} completed, ${final.failed ?? 0} failed; `
    + `final status ${moveStatusString(final.status)}`);
  return moveOutcome(final.status) === 'ok' ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: Error) => {
  // Expected failures (bad options, the network, the archive, the disk) get one line; anything else is a bug: its stack.
  const expected = e instanceof UsageError || e instanceof DimseError || typeof (e as NodeJS.ErrnoException).code === 'string';
  console.error(`only-ct: ${expected ? e.message : e.stack}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
