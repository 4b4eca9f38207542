/**
 * Bad data sets received in a C-STORE (issue: bad input): each is answered with a failure status (0xC000, cannot
 * understand) and leaves no file under any name, the association stays usable, and a log line names the element and
 * byte offset. Cases: a length running past the end, a length a fixed-size VR cannot have, 0xFFFFFFFF on a VR that
 * cannot have it, a sequence delimiter without a sequence, a corrupt deflate stream.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
import type { Logger, LogLevel } from '../../lib/log';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const lines: string[] = [];
const logger: Logger = Object.assign(
  Object.fromEntries((['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as LogLevel[]).map((l) => [l, (m: string) => lines.push(`${l}: ${m}`)])) as unknown as Logger,
  { enabled: () => false },
);
let dir = '';
let server: StorageServer;
let port = 0;
const objects = new Readable({ objectMode: true, read() {} });
let sinkDone: Promise<void>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-bad-'));
  server = new StorageServer({
    port: 0, host: '127.0.0.1', maxPduLength: 16384, acseTimeoutMs: 2000, transferSyntaxes: [EXPLICIT_LE, DEFLATED],
    deliver: (o: ReceivedObject) => objects.push(o),
  });
  port = await server.listen();
  sinkDone = pipeline(objects, directorySink({ directory: dir, logger }));
});
after(async () => {
  objects.push(null);
  await sinkDone;
  server.abortAll();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One association, one C-STORE with `dataset` on a context of `ts`; resolves with the response status. */
async function store(dataset: Buffer, ts: string): Promise<number | undefined> {
  const s = net.connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => got.push(d));
  s.on('error', () => {});
  const have = (): Buffer => Buffer.concat(got);
  const pdu = async (): Promise<Buffer> => {
    while (have().length < 6 || have().length < 6 + have().readUInt32BE(2)) await once(s, 'data');
    const b = have().subarray(0, 6 + have().readUInt32BE(2));
    got.splice(0, got.length, have().subarray(b.length));
    return b;
  };
  s.write(encodePdu(buildAssociateRq({
    callingAeTitle: 'PEER', calledAeTitle: 'MOVESCU',
    presentationContexts: [{ id: 1, abstractSyntax: CT, transferSyntaxes: [ts] }],
  }, { maxPduLength: 16384, artimTimeoutMs: 2000 })));
  assert.equal((await pdu())[0], 0x02, 'A-ASSOCIATE-AC expected');
  const cmd = encodeCommand({ CommandField: 0x0001, MessageID: 7, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: '1.2.3.9', Priority: 0, CommandDataSetType: 0 });
  s.write(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: cmd }] }));
  s.write(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: dataset }] }));
  const status = decodeCommand((decodePdu(await pdu()) as PData).pdvs[0].data).Status;
  // The association is still usable: release it properly.
  s.write(Buffer.from([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]));
  assert.equal((await pdu())[0], 0x06, 'A-RELEASE-RP expected');
  s.destroy();
  return status;
}

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const CASES: [string, Buffer, string, RegExp][] = [
  ['a length running past the end', hex('0800 1600 5549 ff00 312e32'), EXPLICIT_LE, /ended inside the value of \(0008,0016\)/],
  ['a US of 3 bytes (not a multiple of its value size)', hex('2800 1000 5553 0300 010203 00'), EXPLICIT_LE, /\(0028,0010\) US has length 3/],
  // A 2-byte length cannot hold 0xFFFFFFFF: a UT (4-byte length) that cannot be of undefined length.
  ['0xFFFFFFFF on a VR that cannot have it', hex('0810 3000 5554 0000 ffffffff'), EXPLICIT_LE, /\(1008,0030\).*undefined length|undefined length.*\(1008,0030\)/i],
  ['a sequence delimiter without a sequence', hex('feff dde0 00000000'), EXPLICIT_LE, /delimit/i],
  ['a corrupt deflate stream', hex('ffffffff 0000 1111 2222'), DEFLATED, /deflate/i],
];

for (const [name, bytes, ts, pattern] of CASES) {
  test(`received ${name}: 0xC000, no file, a log line naming it`, async () => {
    lines.length = 0;
    assert.equal(await store(bytes, ts), 0xc000);
    assert.deepEqual(readdirSync(dir), []);
    assert.ok(lines.some((l) => pattern.test(l)), lines.join('\n'));
  });
}
