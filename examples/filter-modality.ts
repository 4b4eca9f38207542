#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Retrieve a study but keep only the objects of one modality, judged by the Modality attribute in each data set
 * (not by the SOP class, which does not tell CT from, say, a CT-derived secondary capture). The others are read,
 * dropped and answered success, so the archive reports a complete retrieval.
 *
 *   node dist/examples/filter-modality.js --study UID --modality CT --out DIR [--host 127.0.0.1] [--port 104]
 *     [--aec ANY-SCP] [--aet MOVESCU] [--listen 11113]
 */
import { mkdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import minimist from 'minimist';
import {
  buildIdentifier, DimseError, directorySink, filterObjects, moveOutcome, moveStatusString, retrieve, tapObjects, withAttributes,
  type AttributedObject, type ReceivedObject,
} from '../lib/index';

const USAGE = 'usage: filter-modality --study UID --modality MODALITY --out DIR [--host HOST] [--port PORT] [--aec AE] [--aet AE] [--listen PORT]';

class UsageError extends Error {}

function port(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number, not ${JSON.stringify(text)}`);
  return n;
}

async function main(): Promise<number> {
  const a = minimist(process.argv.slice(2), {
    string: ['host', 'port', 'aec', 'aet', 'listen', 'study', 'out', 'modality'],
    default: { host: '127.0.0.1', port: '104', aec: 'ANY-SCP', aet: 'MOVESCU', listen: '11113' },
  });
  if (!a.study || !a.out || !a.modality) throw new UsageError(USAGE);
  const modality = (a.modality as string).toUpperCase(); // CS values are upper case

  await mkdir(a.out, { recursive: true });
  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${a.study}`]);
  const retrieval = retrieve({
    host: a.host, port: port(a.port, 'port'), calledAeTitle: a.aec, callingAeTitle: a.aet, model: 'study',
    listenPort: port(a.listen, 'listen'), queries,
  });
  let seen = 0;
  let kept = 0;
  const series = new Set<string>();
  // withAttributes sets obj.attributes; the stages in between still see a ReceivedObject.
  const attrs = (o: ReceivedObject): AttributedObject['attributes'] => (o as AttributedObject).attributes;
  await pipeline(
    retrieval,
    // Reads only the head of each data set, up to SeriesInstanceUID, and replays it: the body is not held.
    withAttributes(['Modality', 'SeriesInstanceUID']),
    tapObjects(() => seen++),
    filterObjects((o) => attrs(o).Modality === modality), // the others are accepted unstored: the archive hears success
    tapObjects((o) => void o.settled.then((s) => {
      if (!s.stored) return;
      kept++;
      series.add(String(attrs(o).SeriesInstanceUID));
    })),
    directorySink({ directory: a.out }),
  );
  const { finals } = await retrieval.result;
  const final = finals[0];
  if (!final) throw new Error('no final C-MOVE response');
  console.log(`kept ${kept} of ${seen} objects (Modality ${modality}, ${series.size} series) in ${a.out}; `
    + `archive: ${final.completed ?? 0} completed, ${final.failed ?? 0} failed; final status ${moveStatusString(final.status)}`);
  return moveOutcome(final.status) === 'ok' ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: Error) => {
  // Expected failures (bad options, the network, the archive, the disk) get one line; anything else is a bug: its stack.
  const expected = e instanceof UsageError || e instanceof DimseError || typeof (e as NodeJS.ErrnoException).code === 'string';
  console.error(`filter-modality: ${expected ? e.message : e.stack}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
