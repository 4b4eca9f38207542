/**
 * Hostile bytes against the embedded Storage SCP (the port movescu listens on): each case must end in an A-ABORT
 * (or a closed connection when nothing can be answered) and one clear log line; never a crash, never a hang.
 * The peer here is a raw socket speaking our own encoder's PDUs, so each fault is exact.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { encodePdu } from '../../lib/pdu/encode';
import { buildAssociateRq } from '../../lib/association/negotiation';
import { encodeCommand } from '../../lib/dimse/command';
import { StorageServer } from '../../lib/services/storage-server';
import type { Logger, LogLevel } from '../../lib/log';
import type { ReceivedObject } from '../../lib/received-object';
import { dcmtkRetrieveLog } from '../../lib/cli/retrieve-log';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const lines: string[] = [];
const logger: Logger = Object.assign(
  Object.fromEntries((['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as LogLevel[]).map((l) => [l, (m: string) => lines.push(`${l}: ${m}`)])) as unknown as Logger,
  { enabled: () => true },
);
const delivered: ReceivedObject[] = [];
let server: StorageServer;
let port = 0;

before(async () => {
  server = new StorageServer({
    port: 0, host: '127.0.0.1', logger, onEvent: dcmtkRetrieveLog(logger), maxPduLength: 16384, acseTimeoutMs: 2000,
    deliver: (o) => { delivered.push(o); o.body.resume(); o.body.on('end', () => o.accept()); },
  });
  port = await server.listen();
});
after(async () => { server.abortAll(); await server.close(); });

/** Connects, optionally associates, sends `bytes`, and collects everything until the server closes. */
async function exchange(bytes: Buffer, associate: boolean): Promise<Buffer> {
  const s = net.connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => got.push(d));
  const closed = once(s, 'close');
  if (associate) {
    const rq = buildAssociateRq({
      callingAeTitle: 'HOSTILE', calledAeTitle: 'MOVESCU',
      presentationContexts: [{ id: 1, abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] }],
    }, { maxPduLength: 16384, artimTimeoutMs: 2000 });
    s.write(encodePdu(rq));
    while (Buffer.concat(got).length < 6) await once(s, 'data');
    assert.equal(Buffer.concat(got)[0], 0x02, 'expected an A-ASSOCIATE-AC');
    got.length = 0;
  }
  s.write(bytes);
  await closed;
  return Buffer.concat(got);
}

function isAbort(b: Buffer): boolean {
  return b.length >= 10 && b[0] === 0x07 && b.readUInt32BE(2) === 4;
}

function pdata(contextId: number, isCommand: boolean, data: Buffer): Buffer {
  const pdv = Buffer.alloc(6 + data.length);
  pdv.writeUInt32BE(2 + data.length, 0);
  pdv[4] = contextId;
  pdv[5] = (isCommand ? 1 : 0) | 2;
  data.copy(pdv, 6);
  const h = Buffer.from([0x04, 0, 0, 0, 0, 0]);
  h.writeUInt32BE(pdv.length, 2);
  return Buffer.concat([h, pdv]);
}

test('a PDU announcing 4 GiB is refused at once with an A-ABORT', async () => {
  lines.length = 0;
  const reply = await exchange(Buffer.from([0x04, 0x00, 0xff, 0xff, 0xff, 0xff]), true);
  assert.ok(isAbort(reply), `reply ${reply.toString('hex')}`);
  assert.ok(lines.some((l) => /length/i.test(l)), lines.join('\n'));
});

test('an unknown PDU type ends in an A-ABORT', async () => {
  lines.length = 0;
  const reply = await exchange(Buffer.from([0x09, 0x00, 0, 0, 0, 2, 0, 0]), true);
  assert.ok(isAbort(reply), `reply ${reply.toString('hex')}`);
  assert.ok(lines.some((l) => /type/i.test(l)), lines.join('\n'));
});

test('a P-DATA on a presentation context that was not negotiated ends in an A-ABORT', async () => {
  lines.length = 0;
  const reply = await exchange(pdata(7, true, Buffer.alloc(12)), true);
  assert.ok(isAbort(reply), `reply ${reply.toString('hex')}`);
  assert.ok(lines.some((l) => /context/i.test(l)), lines.join('\n'));
});

test('a command set with a wrong group length ends in an A-ABORT and no object', async () => {
  lines.length = 0;
  const cmd = encodeCommand({ CommandField: 0x0001, MessageID: 1, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: '1.2.3', Priority: 0, CommandDataSetType: 0 });
  cmd.writeUInt32LE(cmd.readUInt32LE(8) + 10, 8);
  const before = delivered.length;
  const reply = await exchange(pdata(1, true, cmd), true);
  assert.ok(isAbort(reply), `reply ${reply.toString('hex')}`);
  assert.ok(lines.some((l) => /group length/i.test(l)), lines.join('\n'));
  assert.equal(delivered.length, before);
});

test('a truncated A-ASSOCIATE-RQ followed by a closed connection is dropped without a crash', async () => {
  lines.length = 0;
  const s = net.connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  s.end(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01]));
  await once(s, 'close');
  // The server is still serving: a well-formed association works afterwards.
  const reply = await exchange(Buffer.from([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]), true);
  assert.equal(reply[0], 0x06, `expected an A-RELEASE-RP, got ${reply.toString('hex')}`);
});
