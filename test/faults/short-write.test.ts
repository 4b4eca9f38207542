/**
 * Issue 13, item 1: a write that the system cuts short (a file size limit, a full disk) is a failure, never a
 * success. Our archive serves CT images of 512 KiB, one of 1.5 MiB (written in one writev) and one of 4 MiB (written
 * as a stream); our movescu runs under `ulimit -f` (Node ignores SIGXFSZ, so the writes come back short, then fail
 * with EFBIG). Every object that does not fit must be answered with a failure status, leave no file under its final
 * name and no temporary file, and the run must exit 68 (the archive's final status: sub-operations failed).
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startOwnArchive, type OwnArchive } from '../helpers/archive';
import { writeSyntheticStudy, type SyntheticStudy } from '../../lib/archive/synthetic';
import { dcmtkFileName } from '../../lib/dcmtk/prefixes';
import { movescuCommand, runProcess, tempDir } from '../helpers/peers';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const tmp = tempDir('short-write');
let archive: OwnArchive<SyntheticStudy> | undefined;
after(async () => { await archive?.close(); tmp.cleanup(); });

async function setup(): Promise<{ study: SyntheticStudy; qrPort: number; storePort: number }> {
  archive = await startOwnArchive({
    folder: join(tmp.path, 'src'),
    study: (f) => writeSyntheticStudy(f, {
      series: [
        { sopClassUid: CT, modality: 'CT', count: 20, rows: 512, columns: 512 },
        { sopClassUid: CT, modality: 'CT', count: 1, rows: 768, columns: 1024 },
        { sopClassUid: CT, modality: 'CT', count: 1, rows: 2048, columns: 1024 },
      ],
    }),
  });
  return archive;
}
const ready = setup();

/** Our movescu under `ulimit -f <blocks>` (1 KiB blocks in bash), into a fresh folder. */
async function retrieveUnderLimit(blocks: number, out: string): Promise<{ code: number | null; stderr: string }> {
  const { study, qrPort, storePort } = await ready;
  const cmd = movescuCommand('ours', ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUid}`, '127.0.0.1', String(qrPort)]);
  const r = await runProcess('bash', ['-c', `ulimit -f ${blocks} && exec "$0" "$@"`, cmd.cmd, ...cmd.args]);
  return { code: r.code, stderr: r.stderr };
}

for (const [blocks, expectStored] of [[256, 0], [1024, 20]] as const) {
  test(`ulimit -f ${blocks}: objects over ${blocks} KiB get a failure status and no file; the run exits 68`, async () => {
    const { study } = await ready;
    const out = join(tmp.path, `out-${blocks}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    const r = await retrieveUnderLimit(blocks, out);
    const names = readdirSync(out);
    assert.deepEqual(names.filter((n) => n.startsWith('.')), [], 'no temporary file left');
    // Every file under a final name is complete: as large as its source's data set at least.
    const stored = study.files.filter((f) => names.includes(dcmtkFileName(f.sopClassUid, f.sopInstanceUid)));
    for (const f of stored) {
      const size = statSync(join(out, dcmtkFileName(f.sopClassUid, f.sopInstanceUid))).size;
      assert.ok(size <= blocks * 1024, `${f.sopInstanceUid}: ${size} bytes under a ${blocks} KiB limit`);
      assert.ok(size >= statSync(f.path).size - 64, `${f.sopInstanceUid}: ${size} bytes, source ${statSync(f.path).size}`);
    }
    assert.equal(stored.length, expectStored, r.stderr);
    assert.equal(names.length, expectStored);
    assert.equal(r.code, 68, r.stderr);
    const failures = r.stderr.split('\n').filter((l) => l.startsWith('E: cannot write DICOM file:'));
    assert.equal(failures.length, study.files.length - expectStored, r.stderr);
    assert.ok(failures.every((l) => /EFBIG|file too large|short write/i.test(l)), failures.join('\n'));
  });
}
