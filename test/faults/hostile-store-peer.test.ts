/**
 * Issue 13, item 3: a hostile peer on our +P port, built from our own PDU layer, one case per test, each with its
 * documented outcome (README, "Faults and hostile peers"): a log line, no crash, no file outside -od and none under a
 * final name for a refused object, file descriptors back where they were. Cases already covered elsewhere: a 4 GiB
 * PDU, an unknown PDU type, a P-DATA on a context never negotiated (store-scp-hostile.test.ts); a PDU over our
 * maximum (pdu-stream.test.ts); a maximum PDU length of 1..23 (association-net.test.ts); an abort mid-object
 * (store-abort.test.ts); a stall mid-object (stalled-sub-association.test.ts); a flood past the limit
 * (admission.test.ts).
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { deflateRawSync } from 'node:zlib';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { silentLogger, type Logger } from '../../lib/log';
import { decodeCommand, encodeCommand } from '../../lib/dimse/command';
import { CT, EXPLICIT_LE, dataPdu, rawAssociate, startStoreServer, storeRqPdu, storeStatus, type StoreServer } from '../helpers/raw-store-peer';
import { ctDataset } from '../helpers/dataset';
import { storedNames } from '../helpers/stored-names';

const DEFLATED = '1.2.840.10008.1.2.1.99';
const lines: string[] = [];
const logger: Logger = { ...silentLogger, warn: (m) => lines.push(`W: ${m}`), error: (m) => lines.push(`E: ${m}`) };
let store: StoreServer;
before(async () => { store = await startStoreServer({ logger, transferSyntaxes: [EXPLICIT_LE, DEFLATED] }); });
after(async () => { await store.close(); });

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

const dataset = (classUid: string | null, instanceUid: string | null): Buffer => ctDataset({ sopClassUid: classUid, sopInstanceUid: instanceUid });

/** Waits until the peer's connection is closed by us. */
async function closedByServer(socket: net.Socket): Promise<void> {
  if (!socket.destroyed && !socket.readableEnded) await once(socket, 'close');
}

test('an empty Affected SOP Instance UID: the sub-association is aborted (as DCMTK), no file', async () => {
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu(''));
  peer.socket.write(dataPdu(dataset(CT, '1.2.3'), true));
  await closedByServer(peer.socket);
  // DCMTK's lines (dimse.cc validateMessage), compared with its movescu in peers/fidelity-dcmtk.test.ts.
  assert.ok(lines.includes('W: DIMSE Warning: (PEER,MOVESCU): C-Store RQ: AffectedSOPInstanceUID: bad size'), lines.join('\n'));
  assert.ok(lines.includes('E: DIMSE failure (aborting sub-association): 0006:0203 DIMSE Badly formed message'), lines.join('\n'));
  assert.deepEqual(storedNames(store.dir), []);
});

test('a P-DATA fragment of odd length: aborted as DCMTK aborts ("DIMSE: Odd Fragment Length"), no file', async () => {
  const before = lines.length;
  const uid = '1.2.3.11';
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu(uid));
  const ds = dataset(CT, uid);
  peer.socket.write(dataPdu(ds.subarray(0, 13), false));
  peer.socket.write(dataPdu(ds.subarray(13), true));
  await closedByServer(peer.socket);
  assert.deepEqual(lines.slice(before, before + 2), [
    'E: Store SCP Failed: 0006:020d DIMSE: Odd Fragment Length: 13',
    'E: DIMSE failure (aborting sub-association): 0006:020d DIMSE: Odd Fragment Length: 13',
  ]);
  assert.ok(!readdirSync(store.dir).some((n) => n.includes(uid)));
});

test('a 65-character SOP Instance UID: aborted, no file; 64 characters: stored', async () => {
  const long = `1.${'2'.repeat(63)}`;
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu(long));
  await closedByServer(peer.socket);
  assert.ok(lines.includes('E: DIMSE failure (aborting sub-association): 0006:020b DIMSE: Command Parse Failed: Element: (0000,1000) AffectedSOPInstanceUID'), lines.join('\n'));
  const ok = `1.${'2'.repeat(62)}`;
  const peer2 = await rawAssociate(store.port);
  peer2.socket.write(storeRqPdu(ok));
  peer2.socket.write(dataPdu(dataset(CT, ok), true));
  assert.equal(await storeStatus(peer2), 0);
  peer2.socket.destroy();
  assert.ok(readdirSync(store.dir).includes(`CT.${ok}`));
});

test('a traversal UID stays inside -od: "/" becomes "_" as in DCMTK\'s file names', async () => {
  const uid = '../../../tmp/x';
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu(uid));
  peer.socket.write(dataPdu(dataset(CT, uid), true));
  assert.equal(await storeStatus(peer), 0);
  peer.socket.destroy();
  assert.ok(readdirSync(store.dir).includes('CT..._.._.._tmp_x'), readdirSync(store.dir).join(' '));
  assert.ok(!existsSync(join(dirname(store.dir), 'tmp', 'x')));
});

test('UIDs as DCMTK\'s parser reads them: leading and trailing spaces stripped; each non-ASCII byte one "_" in the name', async () => {
  assert.equal(decodeCommand(encodeCommand({ CommandField: 1, CommandDataSetType: 0x0101, AffectedSOPInstanceUID: '  1.2.3 ' })).AffectedSOPInstanceUID, '1.2.3');
  // Bytes C3 A9 (an "é" in UTF-8) in a UID: two bytes, two "_", as OFStandard::sanitizeFilename replaces bytes.
  const uid = `1.2.${Buffer.from('é', 'utf8').toString('latin1')}.5`;
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu(uid));
  peer.socket.write(dataPdu(dataset(CT, uid), true));
  assert.equal(await storeStatus(peer), 0);
  peer.socket.destroy();
  assert.ok(readdirSync(store.dir).includes('CT.1.2.__.5'), readdirSync(store.dir).join(' '));
});

test('a data set naming another SOP instance than its request: 0xA900 (as DCMTK), no file', async () => {
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.4'));
  peer.socket.write(dataPdu(dataset(CT, '1.2.3.5'), true));
  assert.equal(await storeStatus(peer), 0xa900);
  peer.socket.destroy();
  assert.ok(!readdirSync(store.dir).some((n) => n.includes('1.2.3.4') || n.includes('1.2.3.5')));
  assert.ok(lines.some((l) => /data set does not match its C-STORE request, not stored: .*1\.2\.3\.5.*1\.2\.3\.4/.test(l)), lines.join('\n'));
});

test('a data set without its SOP Instance UID: 0xC000 (DCMTK: "bad DICOM file"), no file', async () => {
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.6'));
  peer.socket.write(dataPdu(dataset(CT, null), true));
  assert.equal(await storeStatus(peer), 0xc000);
  peer.socket.destroy();
  assert.ok(!readdirSync(store.dir).some((n) => n.includes('1.2.3.6')));
});

test('a connection reset in the middle of an object: no file, no temporary file, the server goes on', async () => {
  const before = lines.length;
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.7'));
  const head = dataset(CT, '1.2.3.7');
  const pixels = Buffer.alloc(12 + 8192);
  pixels.writeUInt16LE(0x7fe0, 0); pixels.writeUInt16LE(0x0010, 2); pixels.write('OW', 4, 'latin1'); pixels.writeUInt32LE(1 << 22, 8);
  peer.socket.write(dataPdu(Buffer.concat([head, pixels]), false));
  await new Promise((r) => setTimeout(r, 50));
  peer.socket.resetAndDestroy();
  // DCMTK's line for a transfer cut off (a reset is a peer abort to it too), logged once the sink has given up.
  const cut = 'E: Store SCP Failed: 0006:0317 Peer aborted Association (or never connected)';
  for (let i = 0; i < 100 && !lines.includes(cut); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(lines.includes(cut), lines.join('\n'));
  assert.ok(!lines.slice(before).some((l) => l.startsWith('E: DIMSE failure')), lines.join('\n'));
  assert.ok(!readdirSync(store.dir).some((n) => n.includes('1.2.3.7')));
});

test('a byte a second during association setup, and a flood of 200 idle connections: ARTIM closes them; fds come back', async () => {
  const fds = openFds();
  const slow = net.connect(store.port, '127.0.0.1');
  slow.on('error', () => {});
  await once(slow, 'connect');
  const drip = setInterval(() => { if (!slow.destroyed) slow.write(Buffer.of(0x01)); }, 1000);
  const flood = await Promise.all(Array.from({ length: 200 }, async () => {
    const s = net.connect(store.port, '127.0.0.1');
    s.on('error', () => {});
    await once(s, 'connect');
    return s;
  }));
  // The server's ARTIM (2 s in this server) closes every connection that has not completed an A-ASSOCIATE-RQ.
  await Promise.all([slow, ...flood].map(closedByServer));
  clearInterval(drip);
  // Meanwhile, and after, a well-behaved peer is served.
  const peer = await rawAssociate(store.port);
  peer.socket.write(storeRqPdu('1.2.3.8'));
  peer.socket.write(dataPdu(dataset(CT, '1.2.3.8'), true));
  assert.equal(await storeStatus(peer), 0);
  peer.socket.destroy();
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(openFds() <= fds + 2, `${openFds()} descriptors open, ${fds} before`);
});

test('a deflate bomb (a 200 KB data set that inflates to 200 MB): streamed in bounded memory, stored', async () => {
  const uid = '1.2.3.9';
  const head = dataset(CT, uid);
  const size = 200 * 1024 * 1024;
  const ob = Buffer.alloc(12);
  ob.writeUInt16LE(0x7fe0, 0); ob.writeUInt16LE(0x0010, 2); ob.write('OB', 4, 'latin1'); ob.writeUInt32LE(size, 8);
  // deflate each part separately would not be one stream: build the inflated bytes lazily in pieces instead.
  const zlib = await import('node:zlib');
  const d = zlib.createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  d.on('data', (c: Buffer) => parts.push(c));
  d.write(Buffer.concat([head, ob]));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < size / zeros.length; i++) d.write(zeros);
  d.end();
  await once(d, 'end');
  // PS3.5 A.5: an odd-length deflated stream is padded with one NUL (P-DATA fragments must be even, PS3.7 annex F).
  const bomb = Buffer.concat([...parts, Buffer.alloc(parts.reduce((n, p) => n + p.length, 0) % 2)]);
  assert.ok(bomb.length < 1 << 20, `${bomb.length} bytes deflated`);
  assert.ok(deflateRawSync(Buffer.alloc(0)).length > 0);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const peer = await rawAssociate(store.port, DEFLATED);
  peer.socket.write(storeRqPdu(uid));
  for (let o = 0; o < bomb.length; o += 16000) peer.socket.write(dataPdu(bomb.subarray(o, o + 16000), o + 16000 >= bomb.length));
  assert.equal(await storeStatus(peer), 0);
  clearInterval(sample);
  peer.socket.destroy();
  assert.ok(peak - rss0 < 100 * 1024 * 1024, `RSS grew by ${((peak - rss0) / 1048576).toFixed(0)} MB`);
  assert.ok(readdirSync(store.dir).includes(`CT.${uid}`));
});
