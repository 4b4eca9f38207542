/**
 * Nothing is lost and nothing is half-written: an object whose transfer breaks off (the peer aborts mid-data set)
 * leaves no file under a final name and no temporary file; an object the sink cannot write is answered with a
 * failure status (0xA700), not success; a data set that cannot be parsed is answered 0xC000.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../lib/log';
import { ABORT, RELEASE_RQ, dataPdu, rawAssociate, startStoreServer, storeRqPdu, storeStatus, type StoreServer } from '../helpers/raw-store-peer';
import { ctDataset } from '../helpers/dataset';
import { storedNames } from '../helpers/stored-names';

/** The sink's messages; `discarded` waits for the one it logs (debug) once a broken-off object's files are removed. */
const warnings: string[] = [];
let onWarn: (() => void) | undefined;
const note = (m: string): void => { warnings.push(m); onWarn?.(); };
const logger: Logger = { ...silentLogger, warn: note, debug: note };
function discarded(): Promise<string> {
  return new Promise((resolve) => {
    const check = (): void => {
      const w = warnings.find((m) => m.startsWith('incomplete object discarded'));
      if (w) { onWarn = undefined; resolve(w); }
    };
    onWarn = check;
    check();
  });
}

let store: StoreServer;
before(async () => { store = await startStoreServer({ logger }); });
after(async () => { await store.close(); });

/** A small valid data set in explicit VR little endian. */
function dataset(uid: string): Buffer {
  return ctDataset({ sopInstanceUid: uid });
}

test('a peer abort in the middle of an object leaves no file at all', async () => {
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.4.1'));
  // A valid start (so the object is not refused as unparseable): pixel data announced at 10 MB, 3.2 MB of it sent,
  // past the size gathered in memory, so the object is already streaming to its temporary file.
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt32LE(0x00107fe0, 0);
  pixelHeader.write('OB', 4, 'latin1');
  pixelHeader.writeUInt32LE(10_000_000, 8);
  peer.socket.write(dataPdu(Buffer.concat([dataset('1.2.3.4.1'), pixelHeader]), false));
  for (let i = 0; i < 200; i++) peer.socket.write(dataPdu(Buffer.alloc(16000), false));
  await new Promise((r) => setTimeout(r, 200));
  peer.socket.write(ABORT);
  peer.socket.end();
  await once(peer.socket, 'close');
  // The sink says so once it has removed the object's temporary files (the abort follows the data in the stream,
  // so the object always reaches the sink first).
  assert.match(await discarded(), /CT\.1\.2\.3\.4\.1$/);
  assert.deepEqual(storedNames(store.dir), []);
});

test('a complete object arrives under its final name with a success response', async () => {
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.4.2'));
  peer.socket.write(dataPdu(dataset('1.2.3.4.2'), true));
  assert.equal(await storeStatus(peer), 0x0000);
  peer.socket.write(RELEASE_RQ);
  await once(peer.socket, 'close');
  assert.deepEqual(storedNames(store.dir), ['CT.1.2.3.4.2']);
});

test('an object the sink cannot write is answered 0xA700, with no file under its final name', async () => {
  // The output directory vanishes under the sink (a removed mount, say): works the same as root or not.
  rmSync(store.dir, { recursive: true, force: true });
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.4.3'));
  peer.socket.write(dataPdu(dataset('1.2.3.4.3'), true));
  assert.equal(await storeStatus(peer), 0xa700);
  peer.socket.destroy();
  assert.equal(existsSync(join(store.dir, 'CT.1.2.3.4.3')), false);
  mkdirSync(store.dir);
});

test('a data set that cannot be parsed is answered 0xC000 (cannot understand) and not stored', async () => {
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.4.4'));
  // A tag header whose explicit length runs past the end of the data set.
  peer.socket.write(dataPdu(Buffer.from('080016005549ff00312e3200', 'hex'), true));
  assert.equal(await storeStatus(peer), 0xc000);
  peer.socket.destroy();
  assert.deepEqual(storedNames(store.dir).filter((n) => n.includes('1.2.3.4.4')), []);
});
