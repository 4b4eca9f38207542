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
import {
  directorySink, filterObjects, tapObjects, withAttributes,
  type AttributedObject, type ReceivedObject,
} from '../lib/index';
import { archiveOutcome, connection, CONNECTION_USAGE, exampleArgs, retrieveStudy, runExample } from './cli';

const USAGE = `usage: filter-modality --study UID --modality MODALITY --out DIR ${CONNECTION_USAGE}`;

async function main(): Promise<number> {
  const a = exampleArgs(USAGE, ['out', 'modality'], ['out', 'modality']);
  connection(a);
  const modality = (a.modality as string).toUpperCase(); // CS values are upper case

  await mkdir(a.out, { recursive: true });
  const retrieval = await retrieveStudy(a);
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
  const archive = await archiveOutcome(retrieval);
  console.log(`kept ${kept} of ${seen} objects (Modality ${modality}, ${series.size} series) in ${a.out}; `
    + `${archive.text}`);
  return archive.code;
}

runExample('filter-modality', main);
