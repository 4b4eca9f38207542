/**
 * Issue 13, item 4: sub-associations do not block each other. A third party connects to our +P port and stops
 * half-way through an object; meanwhile the archive's C-MOVE sends 24 CT images on its own sub-association. The
 * stalled object must not hold up the others (objects are received concurrently), and -td must cut the stalled
 * sub-association (DCMTK applies -td to store sub-associations too): all 24 stored, the stalled object not, exit 0.
 * A proxy delays the C-MOVE association by a moment so that the stall is in place before the archive sends.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { ctDataset } from '../helpers/dataset';
import { dataPdu, rawAssociate, storeRqPdu, CT, EXPLICIT_LE } from '../helpers/raw-store-peer';
import { movescuCommand, spawnGroup, tempDir, waitForListening } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';

const tmp = tempDir('stalled-sub');
const closers = cleanupsAfter(() => tmp.cleanup());

/** Forwards connections to `port` after `delayMs`. */
async function delayingProxy(port: number, delayMs: number): Promise<number> {
  const server = net.createServer((client) => {
    client.pause();
    client.on('error', () => {});
    setTimeout(() => {
      const up = net.connect(port, '127.0.0.1');
      up.on('error', () => client.destroy());
      client.pipe(up).pipe(client);
      client.resume();
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

test('a stalled third-party object does not hold up the archive\'s 24 objects; -td cuts it; exit 0', async (t) => {
  const { study, qrPort, storePort, close } = await startOwnArchive({
    folder: join(tmp.path, 'src'),
    study: (f) => writeSyntheticStudy(f, { series: [{ sopClassUid: CT, modality: 'CT', count: 24, rows: 256, columns: 256 }] }),
  });
  closers.push(close);
  const viaProxy = await delayingProxy(qrPort, 800);
  const out = join(tmp.path, 'out');
  mkdirSync(out);
  const cmd = movescuCommand('ours', ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out, '-td', '2',
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUid}`, '127.0.0.1', String(viaProxy)]);
  const t0 = Date.now();
  const proc = spawnGroup(cmd.cmd, cmd.args);
  await waitForListening(storePort);
  // The third party: a valid start of a data set announcing 1 MB of pixel data, then nothing more.
  const peer = await rawAssociate(storePort, EXPLICIT_LE);
  peer.socket.write(storeRqPdu('1.2.3.999'));
  const head = ctDataset({ sopInstanceUid: '1.2.3.999', patientId: null });
  const pixels = Buffer.alloc(12 + 4096);
  pixels.writeUInt16LE(0x7fe0, 0); pixels.writeUInt16LE(0x0010, 2); pixels.write('OW', 4, 'latin1'); pixels.writeUInt32LE(1 << 20, 8);
  peer.socket.write(dataPdu(Buffer.concat([head, pixels]), false));
  const { code } = await proc.exited;
  const stderr = proc.stderr.toString();
  t.diagnostic(`exit ${code} after ${Date.now() - t0} ms`);
  const names = readdirSync(out);
  assert.equal(names.filter((n) => !n.startsWith('.')).length, 24, stderr);
  assert.deepEqual(names.filter((n) => n.startsWith('.') || n.includes('1.2.3.999')), [], 'no file of the stalled object');
  assert.match(stderr, /DIMSE timeout: nothing received on a sub-association for 2 s/);
  assert.equal(code, 0, stderr);
  peer.socket.destroy();
});
