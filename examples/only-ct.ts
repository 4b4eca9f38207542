/**
 * A user stage between receiver and sink: keep only CT images, count what passes, write the rest nowhere.
 *   node dist/examples/only-ct.js HOST PORT STUDY_UID [LISTEN_PORT] [OUT_DIR]
 */
import { pipeline } from 'node:stream/promises';
import { directorySink, filterObjects, moveStatusString, retrieve, tapObjects, type DataElement } from '../lib/index';
import { lookupKeyword } from '../lib/dataset/dictionary';
import { valueFromString } from '../lib/dataset/values';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

function key(keyword: string, value: string): DataElement {
  const e = lookupKeyword(keyword)!;
  return { tag: e.tag, vr: e.vr, value: valueFromString(e.vr, value) };
}

async function main(): Promise<void> {
  const [host = '127.0.0.1', port = '104', studyUid = '', listen = '11113', out = '.'] = process.argv.slice(2);
  const r = retrieve({
    host, port: Number(port), calledAeTitle: 'ARCHIVE', model: 'study', listenPort: Number(listen),
    queries: [[key('QueryRetrieveLevel', 'STUDY'), key('StudyInstanceUID', studyUid)]],
  });
  let kept = 0;
  await pipeline(r, filterObjects((o) => o.sopClassUid === CT_IMAGE_STORAGE), tapObjects(() => kept++), directorySink({ directory: out }));
  const { finals } = await r.result;
  console.log(`kept ${kept} CT images; final status ${moveStatusString(finals[0].status)}`);
}

main().catch((e: Error) => { console.error(e.message); process.exitCode = 1; });
