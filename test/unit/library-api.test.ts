/**
 * The library as a Node developer uses it, in one process against our own archive: retrieve() → a user stage →
 * directorySink. Objects the stage drops are settled by it (accepted unstored), so the archive reports success;
 * the objects it keeps arrive under DCMTK's names.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buildIdentifier, directorySink, filterObjects, retrieve, tapObjects } from '../../lib/index';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';


test('retrieve → filterObjects → directorySink: kept objects stored, dropped ones acknowledged', async () => {
  const root = mkdtempSync(join(tmpdir(), 'api-'));
  try {
    const { study, qrPort, storePort, close } = await startOwnArchive({ folder: join(root, 'archive'), study: (f) => writeSyntheticStudy(f) });
    try {
      const out = join(root, 'out');
      mkdirSync(out);
      const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${study.studyInstanceUid}`]);
      const r = retrieve({ host: '127.0.0.1', port: qrPort, calledAeTitle: 'ARCHIVE', model: 'study', listenPort: storePort, queries });
      let seen = 0;
      const CT = '1.2.840.10008.5.1.4.1.1.2';
      await pipeline(r, tapObjects(() => seen++), filterObjects((o) => o.sopClassUid === CT), directorySink({ directory: out }));
      const { finals, received } = await r.result;
      assert.equal(finals.length, 1);
      assert.equal(finals[0]!.status, 0x0000);
      assert.equal(finals[0]!.completed, study.files.length);
      assert.equal(received, study.files.length);
      assert.equal(seen, study.files.length);
      const cts = study.files.filter((f) => f.sopClassUid === CT);
      assert.deepEqual(readdirSync(out).sort(), cts.map((f) => `CT.${f.sopInstanceUid}`).sort());
    } finally {
      await close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
