/**
 * A user stage between receiver and sink: keep only CT images, count what passes, acknowledge the rest unstored.
 *   node dist/examples/only-ct.js HOST PORT STUDY_UID [LISTEN_PORT] [OUT_DIR]
 */
import { pipeline } from 'node:stream/promises';
import { buildIdentifier, directorySink, filterObjects, moveStatusString, retrieve, tapObjects } from '../lib/index';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

async function main(): Promise<void> {
  const [host = '127.0.0.1', port = '104', studyUid = '', listen = '11113', out = '.'] = process.argv.slice(2);
  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${studyUid}`]);
  const r = retrieve({ host, port: Number(port), calledAeTitle: 'ARCHIVE', model: 'study', listenPort: Number(listen), queries });
  let kept = 0;
  await pipeline(r, filterObjects((o) => o.sopClassUid === CT_IMAGE_STORAGE), tapObjects(() => kept++), directorySink({ directory: out }));
  const { finals } = await r.result;
  console.log(`kept ${kept} CT images; final status ${moveStatusString(finals[0]!.status)}`);
}

main().catch((e: Error) => { console.error(e.message); process.exitCode = 1; });
