/**
 * A query file that is not DICOM: our movescu says which file and why, and exits 1 before any network traffic.
 * (DCMTK 3.6.7 associates first, then logs "bad DICOM file: ..." and "Move SCU Failed", and exits 0: a script
 * cannot tell that from success. See the README.)
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(__dirname, '..', '..', 'bin', 'movescu.js');

test('a query file that is not DICOM: exit 1, and the message names the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qf-'));
  try {
    const file = join(dir, 'not-dicom.txt');
    writeFileSync(file, 'this is not a DICOM file at all, just some text that goes on for a while\n');
    // Port 1 on loopback: nothing listens there, so reaching the network would show as exit 61.
    const r = spawnSync(process.execPath, [bin, '-k', 'QueryRetrieveLevel=STUDY', '127.0.0.1', '1', file], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^E: bad DICOM file: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `, 'm'));
    assert.doesNotMatch(r.stderr, /Association/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
