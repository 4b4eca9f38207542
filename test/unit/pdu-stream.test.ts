import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { DimseError } from '../../lib/errors';
import { Duplex } from 'node:stream';
import { PduReader, encodePdu, decodePdu } from '../../lib/pdu';
import { Transport } from '../../lib/association/transport';
import type { Pdu, PData } from '../../lib/pdu';

const samples: Pdu[] = [
  {
    type: 'A-ASSOCIATE-RQ',
    protocolVersion: 1,
    calledAeTitle: 'B',
    callingAeTitle: 'A',
    applicationContext: '1.2.840.10008.3.1.1.1',
    presentationContexts: [{ id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'] }],
    userInfo: { maxPduLength: 16384, implementationClassUid: '1.2.3', roleSelections: [], extendedNegotiations: [], commonExtendedNegotiations: [] },
  },
  { type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.from('hello world') }] },
  { type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: false, data: Buffer.alloc(3000, 0xab) }, { contextId: 3, isCommand: false, isLast: true, data: Buffer.alloc(10, 1) }] },
  { type: 'A-RELEASE-RQ' },
  { type: 'A-ABORT', source: 2, reason: 1 },
];
const stream = Buffer.concat(samples.map(encodePdu));

/** Runs bytes (as the given chunks) through a reader and collects PDUs, or the error. */
async function readAll(chunks: Buffer[], opts = { maxPduLength: 16384 }): Promise<{ pdus: Pdu[]; error?: DimseError }> {
  const r = new PduReader(opts);
  const pdus: Pdu[] = [];
  r.on('data', (p: Pdu) => pdus.push(p));
  const done = new Promise<DimseError | undefined>((resolve) => {
    r.on('end', () => resolve(undefined));
    r.on('error', (e) => resolve(e as DimseError));
  });
  for (const c of chunks) r.write(c);
  r.end();
  return { pdus, error: await done };
}

function split(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

test('PduReader: same PDUs whatever the chunking (1 byte .. whole stream)', async () => {
  for (const size of [1, 2, 3, 5, 6, 7, 13, 64, 1000, 3011, stream.length]) {
    const { pdus, error } = await readAll(split(stream, size));
    assert.equal(error, undefined, `chunk size ${size}`);
    assert.deepEqual(pdus, samples, `chunk size ${size}`);
  }
});

test('PduReader: a PDU within one chunk gives PDV data that are slices of that chunk (no copy)', async () => {
  const chunk = encodePdu(samples[1]);
  const { pdus } = await readAll([chunk]);
  const v = (pdus[0] as PData).pdvs[0];
  assert.equal(v.data.buffer, chunk.buffer);
  assert.equal(v.data.byteOffset, chunk.byteOffset + 12);
  // A straddling PDU is assembled into one buffer of exactly its length.
  const big = encodePdu(samples[2]);
  const { pdus: p2 } = await readAll([big.subarray(0, 100), big.subarray(100)]);
  const pd = p2[0] as PData;
  assert.equal(pd.pdvs[0].data.buffer, pd.pdvs[1].data.buffer);
  assert.equal(pd.pdvs[1].data.byteOffset - pd.pdvs[0].data.byteOffset, 3000 + 6);
  big.fill(0); // the assembled PDU is a copy: the chunks may be reused
  assert.equal(pd.pdvs[0].data[0], 0xab);
});

test('PduReader: P-DATA-TF over maxPduLength refused as soon as the header is read (4 GiB announced, nothing follows)', async () => {
  const r = new PduReader({ maxPduLength: 16384 });
  const err = once(r, 'error');
  r.write(Buffer.from([0x04, 0x00, 0xff, 0xff, 0xff, 0xff])); // and the stream stays open
  const [e] = (await err) as [DimseError];
  assert.equal(e.code, 'PDU_TOO_LONG');
  assert.equal(e.place.pduType, 4);
  assert.equal(e.place.offset, 2);
  assert.match(e.message, /4294967295.*16384/);
});

test('PduReader: P-DATA-TF of exactly maxPduLength passes; one byte more does not', async () => {
  const ok: PData = { type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(4096 - 6) }] };
  const bytes = encodePdu(ok);
  assert.equal(bytes.readUInt32BE(2), 4096);
  assert.deepEqual((await readAll([bytes], { maxPduLength: 4096 })).pdus, [ok]);
  assert.equal((await readAll([bytes], { maxPduLength: 4095 })).error?.code, 'PDU_TOO_LONG');
});

test('PduReader: other PDUs are bounded too (default 1 MiB), independently of maxPduLength', async () => {
  const r = new PduReader({ maxPduLength: 1 << 30 });
  const err = once(r, 'error');
  r.write(Buffer.from([0x01, 0x00, 0x00, 0x20, 0x00, 0x00])); // A-ASSOCIATE-RQ of 2 MiB
  const [e] = (await err) as [DimseError];
  assert.equal(e.code, 'PDU_TOO_LONG');
  assert.equal(e.place.pduType, 1);
});

test('PduReader: unknown PDU type, with its stream offset', async () => {
  const bad = Buffer.concat([encodePdu({ type: 'A-RELEASE-RQ' }), Buffer.from([0x09, 0, 0, 0, 0, 0])]);
  const { pdus, error } = await readAll([bad]);
  assert.equal(error?.code, 'PDU_UNKNOWN_TYPE');
  assert.equal(error?.place.offset, 10);
  assert.equal(error?.place.pduType, 9);
  assert.ok(pdus.length <= 1);
});

test('PduReader: truncated PDU at end of stream (inside the header, inside the body)', async () => {
  const one = encodePdu(samples[1]);
  const a = await readAll([one.subarray(0, 3)]);
  assert.equal(a.error?.code, 'PDU_TRUNCATED');
  const b = await readAll([stream.subarray(0, stream.length - 1)]);
  assert.equal(b.error?.code, 'PDU_TRUNCATED');
  assert.equal(b.error?.place.pduType, 7);
  assert.equal(b.error?.place.offset, stream.length - 10);
});

test('PduReader: a decoding error inside a PDU carries the stream offset', async () => {
  const bad = Buffer.from([0x04, 0, 0, 0, 0, 8, 0, 0, 0, 9, 1, 3, 0, 0]); // PDV length 9 > 4 left
  const { error } = await readAll([encodePdu({ type: 'A-RELEASE-RP' }), bad]);
  assert.equal(error?.code, 'PDU_BAD_ITEM');
  assert.equal(error?.place.offset, 16);
});

test('PduReader: backpressure; it stops taking bytes while nobody reads its PDUs', async () => {
  const r = new PduReader({ maxPduLength: 16384, highWaterMark: 2 });
  const pdu = encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(1000) }] });
  let accepted = 0;
  for (let i = 0; i < 200; i++) {
    if (!r.write(pdu)) break;
    accepted++;
  }
  assert.ok(accepted < 200, 'write() must report a full buffer');
  await new Promise((res) => setImmediate(res));
  assert.ok(r.readableLength <= 2 + 1, `readable buffer ${r.readableLength}`);
  r.destroy();
});

/** A socket stand-in that records each write() as it was made. */
function recordingSocket(): { socket: Duplex; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) { writes.push(chunk); done(); },
  });
  return { socket, writes };
}

const noEvents = { pdu: () => {}, broken: () => {}, closed: () => {}, socketGone: () => {} };

test('transport: one write per PDU, each exactly the encoding', async () => {
  const { socket, writes } = recordingSocket();
  const t = new Transport(socket, 16384);
  t.start(noEvents);
  for (const p of samples) assert.equal(t.send(p), true);
  await new Promise<void>((res) => t.whenFlushed(res));
  assert.equal(writes.length, samples.length);
  writes.forEach((c, i) => assert.deepEqual(decodePdu(c), samples[i]));
  socket.destroy();
});

test('transport: a PDU that cannot be encoded throws and writes nothing', () => {
  const { socket, writes } = recordingSocket();
  const t = new Transport(socket, 16384);
  t.start(noEvents);
  assert.throws(
    () => t.send({ type: 'P-DATA-TF', pdvs: [{ contextId: 0, isCommand: false, isLast: true, data: Buffer.alloc(1) }] }),
    (e: DimseError) => e.code === 'PDU_BAD_VALUE',
  );
  assert.equal(writes.length, 0);
  socket.destroy();
});
