/**
 * Nothing is lost and nothing is half-written: an object whose transfer breaks off (the peer aborts mid-data set)
 * leaves no file under a final name and no temporary file; an object the sink cannot write is answered with a
 * failure status (0xA700), not success. The peer is a raw socket driven by our own PDU encoder.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { encodePdu } from '../../lib/pdu/encode';
import { decodePdu } from '../../lib/pdu/decode';
import { buildAssociateRq } from '../../lib/association/association';
import { encodeCommand, decodeCommand } from '../../lib/dimse/command';
import { StorageServer } from '../../lib/services/storage-server';
import { directorySink } from '../../lib/sinks/directory';
import type { ReceivedObject } from '../../lib/services/received-object';
import type { PData } from '../../lib/pdu/types';
import { encodeDataset } from '../../lib/dataset/encode';
import type { DataElement } from '../../lib/dataset/element';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
let dir = '';
let server: StorageServer;
let port = 0;
const objects = new Readable({ objectMode: true, read() {} });
let sinkDone: Promise<void>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-abort-'));
  server = new StorageServer({
    port: 0, host: '127.0.0.1', maxPduLength: 16384, acseTimeoutMs: 2000,
    deliver: (o: ReceivedObject) => objects.push(o),
  });
  port = await server.listen();
  sinkDone = pipeline(objects, directorySink({ directory: dir }));
});
after(async () => {
  objects.push(null);
  await sinkDone;
  server.abortAll();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function associate(): Promise<{ s: net.Socket; replies: Buffer[] }> {
  const s = net.connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  const replies: Buffer[] = [];
  s.on('data', (d: Buffer) => replies.push(d));
  s.on('error', () => {});
  s.write(encodePdu(buildAssociateRq({
    callingAeTitle: 'PEER', calledAeTitle: 'MOVESCU',
    presentationContexts: [{ id: 1, abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] }],
  }, { maxPduLength: 16384, artimTimeoutMs: 2000 })));
  while (Buffer.concat(replies).length < 6) await once(s, 'data');
  assert.equal(Buffer.concat(replies)[0], 0x02);
  replies.length = 0;
  return { s, replies };
}

/** Waits for the C-STORE-RSP (one P-DATA-TF) and returns its status. */
async function storeStatus(s: net.Socket, replies: Buffer[]): Promise<number | undefined> {
  const have = (): Buffer => Buffer.concat(replies);
  while (have().length < 6 || have().length < 6 + have().readUInt32BE(2)) await once(s, 'data');
  return decodeCommand((decodePdu(have()) as PData).pdvs[0].data).Status;
}

function storeRq(uid: string): Buffer {
  const cmd = encodeCommand({ CommandField: 0x0001, MessageID: 1, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid, Priority: 0, CommandDataSetType: 0 });
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: cmd }] });
}

function data(bytes: number, isLast: boolean): Buffer {
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast, data: Buffer.alloc(bytes, 0x41) }] });
}

/** A small valid data set in explicit VR little endian, as one last data PDV. */
function dataset(uid: string): Buffer {
  const ui = (tag: number, v: string): DataElement => ({ tag, vr: 'UI', value: Buffer.from(v.length % 2 ? `${v}\0` : v, 'latin1') });
  const bytes = encodeDataset([ui(0x00080016, CT), ui(0x00080018, uid), { tag: 0x00100020, vr: 'LO', value: Buffer.from('PAT1') }], EXPLICIT_LE);
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: bytes }] });
}

test('a peer abort in the middle of an object leaves no file at all', async () => {
  const { s } = await associate();
  s.write(storeRq('1.2.3.4.1'));
  // 3 MB: past the size gathered in memory, so the object is already streaming to its temporary file.
  for (let i = 0; i < 200; i++) s.write(data(16000, false));
  await new Promise((r) => setTimeout(r, 200));
  s.write(Buffer.from([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0]));
  s.end();
  await once(s, 'close');
  await server.idle();
  // Let the sink finish its clean-up of this object.
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(readdirSync(dir), []);
});

test('a complete object arrives under its final name with a success response', async () => {
  const { s, replies } = await associate();
  s.write(storeRq('1.2.3.4.2'));
  s.write(dataset('1.2.3.4.2'));
  assert.equal(await storeStatus(s, replies), 0x0000);
  s.write(Buffer.from([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]));
  await once(s, 'close');
  assert.deepEqual(readdirSync(dir), ['CT.1.2.3.4.2']);
});

test('an object the sink cannot write is answered 0xA700, with no file under its final name', async () => {
  // The output directory vanishes under the sink (a removed mount, say): works the same as root or not.
  rmSync(dir, { recursive: true, force: true });
  const { s, replies } = await associate();
  s.write(storeRq('1.2.3.4.3'));
  s.write(dataset('1.2.3.4.3'));
  assert.equal(await storeStatus(s, replies), 0xa700);
  s.destroy();
  assert.equal(existsSync(join(dir, 'CT.1.2.3.4.3')), false);
  mkdirSync(dir);
});

test('a data set that cannot be parsed is answered 0xC000 (cannot understand) and not stored', async () => {
  const { s, replies } = await associate();
  s.write(storeRq('1.2.3.4.4'));
  // A tag header whose explicit length runs past the end of the data set.
  s.write(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.from('080016005549ff00312e32', 'hex') }] }));
  assert.equal(await storeStatus(s, replies), 0xc000);
  s.destroy();
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('1.2.3.4.4')), []);
});
