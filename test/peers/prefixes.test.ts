/**
 * Checks our prefix table and file naming against DCMTK's own binaries: one tiny object per SOP class of DCMTK's
 * dcmAllStorageSOPClassUIDs (made with dump2dcm), sent with storescu to a storescp; each file storescp writes must
 * be named dcmtkFileName(class, instance). storescp and movescu name files the same way (both
 * dcmSOPClassUIDToModality + '.' + SOP Instance UID, sanitised: see scripts/data/SOURCES.md).
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { peerTest } from '../helpers/peer-gate';
import { freePort, waitForListening } from '../helpers/net';
import { DCMTK_STORAGE_SOP_CLASSES } from '../../lib/dataset/dictionary/uids';
import { dcmtkFileName } from '../../lib/dcmtk/prefixes';

const run = promisify(execFile);
const BINARIES: string[] = ['dump2dcm', 'storescu', 'storescp'];
/** storescu -R proposes up to 3 contexts per SOP class; 128 contexts at most per association. */
const BATCH = 40;
/** DCMTK leaves Nagle's algorithm on unless TCP_NODELAY=1: each C-STORE-RSP would wait for a delayed ACK. */
const ENV = { ...process.env, TCP_NODELAY: '1' };

let dir = '';
let scp: ChildProcess | undefined;
let scpLog = '';

function dumpText(sopClass: string, sopInstance: string): string {
  return [
    `(0008,0016) UI [${sopClass}]`,
    `(0008,0018) UI [${sopInstance}]`,
    '(0010,0010) PN [Prefix^Test]',
    '(0010,0020) LO [PREFIXTEST]',
    '(0020,000d) UI [1.2.826.0.1.3680043.10.1.1]',
    '(0020,000e) UI [1.2.826.0.1.3680043.10.1.2]',
    '',
  ].join('\n');
}

after(() => {
  if (scp && scp.exitCode === null) scp.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

peerTest("storescp names every DCMTK storage class's file as dcmtkFileName() says", BINARIES, async () => {
  dir = mkdtempSync(join(tmpdir(), 'prefixes-peer-'));
  const inDir = join(dir, 'in');
  const outDir = join(dir, 'out');
  mkdirSync(inDir);
  mkdirSync(outDir);
  // One object per SOP class, plus some whose SOP Instance UID tries to leave the output folder or has odd bytes.
  const objects = DCMTK_STORAGE_SOP_CLASSES.map((c, i) => ({ sopClass: c, sopInstance: `1.2.826.0.1.3680043.10.2.${i + 1}` }));
  objects.push({ sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '1.2.826.0.1.3680043.10.3/../../escape' });
  objects.push({ sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '1.2.826.0.1.3680043.10.4;a$b*c:d@e-f+g,h=i%j' });
  const files: string[] = [];
  for (let i = 0; i < objects.length; i += 16) {
    await Promise.all(
      objects.slice(i, i + 16).map(async (o, j) => {
        const n = i + j;
        const dump = join(inDir, `${n}.dump`);
        const file = join(inDir, `${n}.dcm`);
        writeFileSync(dump, dumpText(o.sopClass, o.sopInstance));
        await run('dump2dcm', ['-q', dump, file]);
        files[n] = file;
      }),
    );
  }

  const port = await freePort();
  scp = spawn('storescp', ['-aet', 'PREFIXSCP', '-od', outDir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
  scp.stdout?.on('data', (b: Buffer) => (scpLog += b.toString()));
  scp.stderr?.on('data', (b: Buffer) => (scpLog += b.toString()));
  await waitForListening(port, { isDead: () => (scp?.exitCode === null ? null : `storescp exited before listening on ${port}: ${scpLog}`) });

  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH);
    try {
      await run('storescu', ['-R', '-aec', 'PREFIXSCP', '127.0.0.1', String(port), ...batch], { timeout: 30_000, env: ENV });
    } catch (e) {
      throw new Error(`storescu failed on files ${i}..${i + batch.length - 1}: ${String(e)}\nstorescp: ${scpLog}`);
    }
  }

  const expected = objects.map((o) => dcmtkFileName(o.sopClass, o.sopInstance)).sort();
  const written = readdirSync(outDir).sort();
  assert.deepEqual(written, expected);
});
