/**
 * Issue 14: each output on the 900 MB object, in bounded memory. Our archive sends one object of about 900 MB; our
 * movescu writes it to /dev/null as part10, tar, multipart and JSON lines, and the library rewrites it through
 * rewriteAttributes into a directory (examples/anonymise.ts). Peak RSS of each process (/usr/bin/time) must stay
 * far below the object. The target is 100 MB; on the 2-core machine each format peaks either near 72 MB or
 * near 95 MB from one run to the next, and the rewrite stage near 77 MB or at 100-124 MB: in its high mode the
 * received Buffers already let go but not yet collected reach 19-27 MB (2.5-8 MB in the low one), and malloc's heap
 * 40-50 MB (BENCHMARKS.md, issues 14 and 17). The bound here is 160 MB: what it guards is that memory does not grow
 * with the 900 MB object. The figures are printed, and the 100 MB target is tracked in BENCHMARKS.md.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { binCommand } from '../../scripts/bin-command';
import { movescuCommand, repoRoot, runTimed, tempDir } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';

/** Far below the 900 MB object (see above). */
const RSS_BOUND_MB = 160;

const tmp = tempDir('big-object');
const closers = cleanupsAfter(() => tmp.cleanup());

const MB = 1024 * 1024;

peerTest('the 900 MB object as part10, tar, multipart and JSON to /dev/null, and through rewriteAttributes, in bounded memory', ['time'], async (t) => {
  const { study, qrPort, storePort, close } = await startOwnArchive({
    folder: join(tmp.path, 'src'),
    study: (f) => writeSyntheticStudy(f, {
      series: [{ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', modality: 'OT', count: 1, rows: 15000, columns: 30000 }],
    }),
  });
  closers.push(close);
  const size = statSync(study.files[0]!.path).size;
  assert.ok(size > 850 * MB, `${size} bytes`);
  const keys = ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUid}`, '127.0.0.1', String(qrPort)];
  const base = ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort)];
  for (const format of ['part10', 'tar', 'multipart', 'json']) {
    const r = await runTimed(movescuCommand('ours', [...base, '-od', '-', '--output-format', format, ...keys]), { time: true, stdoutTo: '/dev/null' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.usage);
    t.diagnostic(`${format}: ${r.usage.wallS} s, ${(size / MB / r.usage.wallS).toFixed(0)} MiB/s of input, peak RSS ${(r.usage.maxRssKb / 1024).toFixed(0)} MB`);
    assert.ok(r.usage.maxRssKb < RSS_BOUND_MB * 1024, `${format}: peak RSS ${r.usage.maxRssKb} kB`);
  }
  const out = join(tmp.path, 'anon');
  mkdirSync(out);
  const r = await runTimed(binCommand(join(repoRoot(), 'dist', 'examples', 'anonymise.js'), ['--study', study.studyInstanceUid, '--port', String(qrPort),
    '--aec', 'ARCHIVE', '--listen', String(storePort), '--out', out]), { time: true });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.usage);
  t.diagnostic(`rewriteAttributes: ${r.usage.wallS} s, peak RSS ${(r.usage.maxRssKb / 1024).toFixed(0)} MB`);
  assert.ok(r.usage.maxRssKb < RSS_BOUND_MB * 1024, `rewriteAttributes: peak RSS ${r.usage.maxRssKb} kB`);
  assert.equal(readdirSync(out).length, 1);
  assert.ok(statSync(join(out, readdirSync(out)[0]!)).size > 850 * MB);
});
