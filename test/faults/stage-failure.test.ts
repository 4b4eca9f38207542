/**
 * A user stage that fails mid-retrieval (passes an error to its callback): the pipeline rejects with that error,
 * and no object is left without an answer: those the sink had stored are Success, the one in the failing stage, any
 * still in flight and every later one are refused with 0xA700, so the archive's C-MOVE ends (with a warning status)
 * instead of waiting for responses that never come.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import through2 from 'through2';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { buildIdentifier, directorySink, retrieve, type ReceivedObject } from '../../lib/index';
import { tempDir } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';

const tmp = tempDir('stage-failure');
const closers = cleanupsAfter(() => tmp.cleanup());

test('a stage that fails: the pipeline rejects; every object still gets an answer; the C-MOVE ends', async () => {
  const { study, qrPort, storePort: listenPort, close } = await startOwnArchive({ folder: join(tmp.path, 'src'), study: (f) => writeSyntheticStudy(f) });
  closers.push(close);
  const queries = await buildIdentifier([], ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${study.studyInstanceUid}`]);
  const r = retrieve({ host: '127.0.0.1', port: qrPort, calledAeTitle: 'ARCHIVE', model: 'study', listenPort, queries });
  const seen: ReceivedObject[] = [];
  let n = 0;
  const failing = through2.obj((obj: ReceivedObject, _enc, done) => {
    seen.push(obj);
    if (++n === 3) done(new Error('stage bug'));
    else done(null, obj);
  });
  await assert.rejects(pipeline(r, failing, directorySink({ directory: join(tmp.path, 'src', '..') })), /stage bug/);
  const summary = await r.result;
  assert.equal(summary.finals.length, 1);
  const final = summary.finals[0]!;
  assert.equal(final.status, 0xb000, 'sub-operations complete, one or more failures');
  assert.equal((final.completed ?? 0) + (final.failed ?? 0) + (final.warning ?? 0), study.files.length);
  assert.ok((final.failed ?? 0) >= study.files.length - 2, `${final.failed} failed`);
  for (const o of seen) assert.notEqual(await o.settled, undefined);
});
