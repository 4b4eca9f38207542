import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { DimseError } from '../../lib/errors';
import type { Logger, LogLevel } from '../../lib/log';
import { AssociationRejectedError, acceptAssociation, requestAssociation, usablePeerMaxPduLength } from '../../lib/association';
import { sendMessage } from '../../lib/dimse/writer';
import type { AcceptDecision, AcceptorOptions, AssociationHandle, AssociationRequest, RequestorOptions } from '../../lib/association';
import { PduReader, encodePdu } from '../../lib/pdu';
import type { AssociateRq, Pdu, Pdv } from '../../lib/pdu';
import { IMPLEMENTATION_CLASS_UID } from '../../lib/implementation';
import { pdvsOf } from '../helpers/pdvs-of';

const VERIFICATION = '1.2.840.10008.1.1';
const CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const IVR_LE = '1.2.840.10008.1.2';
const EVR_LE = '1.2.840.10008.1.2.1';

// ---- plumbing ----------------------------------------------------------------------------------------------

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

/** Two connected TCP sockets on 127.0.0.1. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket }> {
  const srv = net.createServer();
  servers.push(srv);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  const accepted = once(srv, 'connection');
  const client = net.connect(port, '127.0.0.1');
  client.setNoDelay(true);
  const [server] = (await accepted) as [net.Socket];
  await once(client, 'connect').catch(() => undefined);
  server.setNoDelay(true);
  sockets.push(client, server);
  srv.close();
  return { client, server };
}

function recordingLogger(): Logger & { lines: Record<LogLevel, string[]> } {
  const lines: Record<LogLevel, string[]> = { trace: [], debug: [], info: [], warn: [], error: [], fatal: [] };
  return {
    lines,
    trace: (m) => void lines.trace.push(m),
    debug: (m) => void lines.debug.push(m),
    info: (m) => void lines.info.push(m),
    warn: (m) => void lines.warn.push(m),
    error: (m) => void lines.error.push(m),
    fatal: (m) => void lines.fatal.push(m),
    enabled: () => true,
  };
}

const limits = { maxPduLength: 16384, artimTimeoutMs: 5000 };

const request: AssociationRequest = {
  callingAeTitle: 'MOVESCU',
  calledAeTitle: 'ARCHIVE',
  presentationContexts: [
    { id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IVR_LE] },
    { id: 3, abstractSyntax: CT_STORAGE, transferSyntaxes: [EVR_LE, IVR_LE] },
  ],
};

function acceptVerificationOnly(rq: AssociateRq): AcceptDecision {
  return {
    accept: true,
    contexts: rq.presentationContexts.map((pc) =>
      pc.abstractSyntax === VERIFICATION ? { id: pc.id, result: 0, transferSyntax: pc.transferSyntaxes[0] } : { id: pc.id, result: 3, transferSyntax: '' },
    ),
  };
}

async function associate(
  req: Partial<RequestorOptions> = {},
  acc: Partial<AcceptorOptions> = {},
): Promise<{ scu: AssociationHandle; scp: AssociationHandle; client: net.Socket; server: net.Socket }> {
  const { client, server } = await socketPair();
  const [scu, scp] = await Promise.all([
    requestAssociation(client, request, { ...limits, ...req }),
    acceptAssociation(server, { ...limits, decide: acceptVerificationOnly, ...acc }),
  ]);
  return { scu, scp, client, server };
}

/** A peer written by hand: PDUs from the socket as they come, and raw writes. */
function rawPeer(socket: net.Socket): { next(): Promise<Pdu>; ended: Promise<void> } {
  const reader = new PduReader({ maxPduLength: 1 << 20 });
  const queue: Pdu[] = [];
  const waiters: ((p: Pdu) => void)[] = [];
  reader.on('data', (p: Pdu) => (waiters.length ? waiters.shift()!(p) : queue.push(p)));
  reader.on('error', () => {});
  socket.pipe(reader);
  return {
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))),
    ended: new Promise((r) => socket.on('close', () => r())),
  };
}

/**
 * Our acceptor established with a hand-written requestor: `rq` sent, the A-ASSOCIATE-AC checked. Returns the raw
 * side (client socket and its PDU reader) and our handle.
 */
async function acceptedByRawPeer(
  acc: Partial<AcceptorOptions> = {},
  rq: AssociateRq = rqPdu(),
): Promise<{ client: net.Socket; peer: ReturnType<typeof rawPeer>; h: AssociationHandle }> {
  const { client, server } = await socketPair();
  const scp = acceptAssociation(server, { ...limits, decide: acceptVerificationOnly, ...acc });
  const peer = rawPeer(client);
  client.write(encodePdu(rq));
  assert.equal((await peer.next()).type, 'A-ASSOCIATE-AC');
  return { client, peer, h: await scp };
}

function rqPdu(): AssociateRq {
  return {
    type: 'A-ASSOCIATE-RQ', protocolVersion: 1, calledAeTitle: 'ARCHIVE', callingAeTitle: 'RAW', applicationContext: '1.2.840.10008.3.1.1.1',
    presentationContexts: [{ id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IVR_LE] }],
    userInfo: { maxPduLength: 16384, implementationClassUid: '1.2.3', roleSelections: [], extendedNegotiations: [], commonExtendedNegotiations: [] },
  };
}

function codeOf(err: unknown): string {
  return err instanceof DimseError ? err.code : `not a DimseError: ${String(err)}`;
}

// ---- establishment ------------------------------------------------------------------------------------------

test('a peer advertising a maximum PDU length too small to carry data (1..23) gets PDUs of 4096 bytes, as from DCMTK', async () => {
  for (const advertised of [1, 6, 23]) {
    const rq = rqPdu();
    rq.userInfo.maxPduLength = advertised;
    const { client, peer, h } = await acceptedByRawPeer({}, rq);
    assert.equal(h.peerMaxPduLength, 4096);
    // A message of 10 000 bytes: before, the splitter looped forever on PDVs of no data.
    const sent = sendMessage(h, 1, { CommandField: 0x8030, MessageIDBeingRespondedTo: 1, AffectedSOPClassUID: VERIFICATION, Status: 0 }, Buffer.alloc(10000, 7));
    let data = 0;
    while (data < 10000) {
      const pdu = await peer.next();
      assert.equal(pdu.type, 'P-DATA-TF');
      if (pdu.type !== 'P-DATA-TF') break;
      const size = pdu.pdvs.reduce((n, v) => n + 6 + v.data.length, 0);
      assert.ok(size <= 4096, `P-DATA-TF of ${size} bytes`);
      for (const v of pdu.pdvs) if (!v.isCommand) data += v.data.length;
    }
    await sent;
    assert.equal(data, 10000);
    client.destroy();
  }
  assert.equal(usablePeerMaxPduLength(24), 24);
  assert.equal(usablePeerMaxPduLength(0), 0);
});

test('accept: negotiated contexts, max PDU lengths and implementation ids on both sides', async () => {
  const { scu, scp } = await associate({ maxPduLength: 32768 });
  assert.deepEqual([...scu.contexts.values()], [{ id: 1, abstractSyntax: VERIFICATION, transferSyntax: IVR_LE }]);
  assert.deepEqual([...scp.contexts.values()], [{ id: 1, abstractSyntax: VERIFICATION, transferSyntax: IVR_LE }]);
  assert.equal(scu.peerMaxPduLength, 16384);
  assert.equal(scp.peerMaxPduLength, 32768);
  assert.equal(scp.rq.callingAeTitle, 'MOVESCU');
  assert.equal(scp.rq.userInfo.implementationClassUid, IMPLEMENTATION_CLASS_UID);
  assert.equal(scu.ac.presentationContexts.find((p) => p.id === 3)?.result, 3);
  assert.equal(scu.ac.userInfo.implementationClassUid, IMPLEMENTATION_CLASS_UID);
  await scu.release();
  assert.deepEqual(await scu.closed, { how: 'released' });
  assert.deepEqual(await scp.closed, { how: 'released' });
});

test('reject: the requestor gets ASSOC_REJECTED with the RJ; the acceptor closes after the peer', async () => {
  const { client, server } = await socketPair();
  const decide = (): AcceptDecision => ({ accept: false, result: 1, source: 1, reason: 7 });
  const [r, a] = await Promise.allSettled([requestAssociation(client, request, limits), acceptAssociation(server, { ...limits, decide })]);
  assert.equal(r.status, 'rejected');
  assert.ok(r.status === 'rejected' && r.reason instanceof AssociationRejectedError);
  if (r.status === 'rejected') {
    assert.equal(codeOf(r.reason), 'ASSOC_REJECTED');
    assert.deepEqual((r.reason as AssociationRejectedError).rj, { type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 7 });
    assert.match((r.reason as Error).message, /Called AE Title Not Recognized/);
  }
  assert.ok(a.status === 'rejected' && a.reason instanceof AssociationRejectedError && a.reason.byUs);
  await Promise.all([once(client, 'close'), server.destroyed ? Promise.resolve() : once(server, 'close')]);
});

test('a wrong application context name is rejected (1, 1, 2) without asking decide()', async () => {
  const { client, server } = await socketPair();
  let asked = false;
  const accepting = acceptAssociation(server, { ...limits, decide: (rq) => ((asked = true), acceptVerificationOnly(rq)) }).catch((e: unknown) => e);
  const peer = rawPeer(client);
  client.write(encodePdu({ ...rqPdu(), applicationContext: '1.2.3' }));
  assert.deepEqual(await peer.next(), { type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 2 });
  assert.ok((await accepting) instanceof AssociationRejectedError);
  assert.equal(asked, false);
  client.end();
  await peer.ended;
});

// ---- data ---------------------------------------------------------------------------------------------------

test('P-DATA both ways, PDVs in order, then release by the requestor', async () => {
  const { scu, scp } = await associate();
  const received: Pdv[] = [];
  pdvsOf(scp).on('data', (v: Pdv) => received.push(v));
  const scpEnded = once(pdvsOf(scp), 'end');
  await scu.sendPdvs([{ contextId: 1, isCommand: true, isLast: false, data: Buffer.from('abc') }, { contextId: 1, isCommand: true, isLast: true, data: Buffer.from('def') }]);
  await scu.sendPdvs([{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(10000, 1) }]);
  const back = once(pdvsOf(scu), 'data');
  await scp.sendPdvs([{ contextId: 1, isCommand: true, isLast: true, data: Buffer.from('rsp') }]);
  const [v] = (await back) as [Pdv];
  assert.equal(v.data.toString(), 'rsp');
  await scu.release();
  await scpEnded;
  assert.deepEqual(received.map((p) => [p.isCommand, p.isLast, p.data.length]), [[true, false, 3], [true, true, 3], [false, true, 10000]]);
  assert.deepEqual(await scp.closed, { how: 'released' });
  assert.deepEqual(await scu.closed, { how: 'released' });
});

test('sendPdvs refuses an unaccepted context, a PDU over the peer max, and sending after release', async () => {
  const { scu } = await associate();
  await assert.rejects(scu.sendPdvs([{ contextId: 3, isCommand: true, isLast: true, data: Buffer.alloc(1) }]), (e) => codeOf(e) === 'ASSOC_BAD_CONTEXT_ID');
  await assert.rejects(scu.sendPdvs([{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(16384) }]), (e) => codeOf(e) === 'PDU_TOO_LONG');
  await scu.release();
  await assert.rejects(scu.sendPdvs([{ contextId: 1, isCommand: true, isLast: true, data: Buffer.alloc(1) }]), (e) => codeOf(e) === 'ASSOC_INVALID_STATE');
});

test('backpressure: 200 MB to a slow consumer; the sender is held back and memory stays bounded', async (t) => {
  const { scu, scp } = await associate();
  const TOTAL = 200 * 1024 * 1024;
  const payload = Buffer.alloc(16384 - 6, 0x5a); // one PDV filling a 16 KiB PDU
  let sent = 0;
  let consumed = 0;
  let maxInFlight = 0;
  let maxBuffered = 0;
  const sender = (async () => {
    while (sent < TOTAL) {
      const n = Math.min(payload.length, TOTAL - sent);
      await scu.sendPdvs([{ contextId: 1, isCommand: false, isLast: sent + n === TOTAL, data: payload.subarray(0, n) }]);
      sent += n;
      maxInFlight = Math.max(maxInFlight, sent - consumed);
    }
  })();
  // Phase 1: nobody reads. The sender must stall well short of 200 MB.
  let last = -1;
  let still = 0;
  while (still < 5) {
    await new Promise((r) => setTimeout(r, 20));
    if (sent === last) still++;
    else still = 0;
    last = sent;
  }
  const stalledAt = sent;
  assert.ok(stalledAt < 64 * 1024 * 1024, `sender ran ahead ${stalledAt} bytes with no reader`);
  assert.ok(pdvsOf(scp).readableLength <= 16, `pdvs buffered ${pdvsOf(scp).readableLength}`);
  // Phase 2: read slowly (one PDV per macrotask), to the end.
  for await (const v of pdvsOf(scp) as AsyncIterable<Pdv>) {
    consumed += v.data.length;
    maxBuffered = Math.max(maxBuffered, pdvsOf(scp).readableLength);
    if (consumed % (64 * payload.length) === 0) await new Promise((r) => setImmediate(r));
    if (v.isLast) break;
  }
  await sender;
  assert.equal(consumed, TOTAL);
  t.diagnostic(`sender stalled after ${stalledAt} bytes with no reader; max in flight ${maxInFlight}; max PDVs buffered ${maxBuffered}`);
  assert.ok(maxInFlight < 64 * 1024 * 1024, `in flight up to ${maxInFlight}`);
  assert.ok(maxBuffered <= 16, `pdvs buffered up to ${maxBuffered}`);
  await scu.release();
});

// ---- release collision, abort ------------------------------------------------------------------------------

test('release collision: both sides release at once; both complete, both see "released"', async () => {
  const scuLog = recordingLogger();
  const scpLog = recordingLogger();
  const { scu, scp } = await associate({ logger: scuLog }, { logger: scpLog });
  await Promise.all([scu.release(), scp.release()]);
  assert.deepEqual(await scu.closed, { how: 'released' });
  assert.deepEqual(await scp.closed, { how: 'released' });
  // The collision paths of table 9-10 were taken: requestor Sta7 -> Sta9 -> Sta11 -> Sta1, acceptor Sta7 -> Sta10 -> Sta12 -> Sta13.
  const path = (lines: string[]): string => lines.filter((l) => /-> (AR|AA)-/.test(l)).map((l) => l.replace(/^Association: /, '')).join(', ');
  assert.match(path(scuLog.lines.trace), /Sta7 \+ Evt12 -> AR-8 -> Sta9, Sta9 \+ Evt14 -> AR-9 -> Sta11, Sta11 \+ Evt13 -> AR-3 -> Sta1/);
  assert.match(path(scpLog.lines.trace), /Sta7 \+ Evt12 -> AR-8 -> Sta10, Sta10 \+ Evt13 -> AR-10 -> Sta12, Sta12 \+ Evt14 -> AR-4 -> Sta13/);
});

test('abort by the requestor: the acceptor\'s pdvs fail with ASSOC_ABORTED; closed says who', async () => {
  const { scu, scp } = await associate();
  const failed = new Promise<unknown>((r) => pdvsOf(scp).on('error', r));
  pdvsOf(scp).resume();
  scu.abort();
  assert.equal(codeOf(await failed), 'ASSOC_ABORTED');
  assert.deepEqual(await scp.closed, { how: 'aborted-by-peer', source: 0, reason: 0 });
  assert.equal((await scu.closed).how, 'aborted-by-us');
});

test('connection lost: pdvs fail with CONNECTION_LOST', async () => {
  const { scu, server } = await associate();
  const failed = new Promise<unknown>((r) => pdvsOf(scu).on('error', r));
  server.destroy();
  assert.equal(codeOf(await failed), 'CONNECTION_LOST');
  assert.equal((await scu.closed).how, 'connection-lost');
});

// ---- timers -------------------------------------------------------------------------------------------------

test('ARTIM: an acceptor that never gets an A-ASSOCIATE-RQ gives up and closes', async () => {
  const { client, server } = await socketPair();
  const closed = once(client, 'close');
  await assert.rejects(acceptAssociation(server, { maxPduLength: 16384, artimTimeoutMs: 200, decide: acceptVerificationOnly }), (e) => codeOf(e) === 'ARTIM_EXPIRED');
  client.resume();
  await closed;
});

test('ARTIM: a requestor that never gets an answer sends A-ABORT and rejects with ARTIM_EXPIRED', async () => {
  const { client, server } = await socketPair();
  const peer = rawPeer(server);
  await assert.rejects(requestAssociation(client, request, { maxPduLength: 16384, artimTimeoutMs: 200 }), (e) => codeOf(e) === 'ARTIM_EXPIRED');
  assert.equal((await peer.next()).type, 'A-ASSOCIATE-RQ');
  assert.deepEqual(await peer.next(), { type: 'A-ABORT', source: 0, reason: 0 });
  server.end();
});

test('ARTIM after our A-RELEASE-RP: a peer that never closes is disconnected', async () => {
  const { client, peer, h } = await acceptedByRawPeer({ artimTimeoutMs: 200 });
  client.write(encodePdu({ type: 'A-RELEASE-RQ' }));
  assert.deepEqual(await peer.next(), { type: 'A-RELEASE-RP' });
  await peer.ended; // we did not close: the acceptor did, on ARTIM
  assert.deepEqual(await h.closed, { how: 'released' });
});

// ---- protocol errors ----------------------------------------------------------------------------------------

test('P-DATA on a context that was not accepted: A-ABORT (2, 6), one error line, pdvs fail', async () => {
  const log = recordingLogger();
  const { client, peer, h } = await acceptedByRawPeer({ logger: log },
    { ...rqPdu(), presentationContexts: [...rqPdu().presentationContexts, { id: 5, abstractSyntax: CT_STORAGE, transferSyntaxes: [IVR_LE] }] });
  const failed = new Promise<unknown>((r) => pdvsOf(h).on('error', r));
  pdvsOf(h).resume();
  client.write(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 5, isCommand: true, isLast: true, data: Buffer.alloc(4) }] }));
  assert.deepEqual(await peer.next(), { type: 'A-ABORT', source: 2, reason: 6 });
  assert.equal(codeOf(await failed), 'ASSOC_BAD_CONTEXT_ID');
  assert.equal(log.lines.error.length, 1);
  assert.match(log.lines.error[0], /presentation context 5/);
  client.end();
  const reason = await h.closed;
  assert.equal(reason.how, 'aborted-by-us');
});

test('P-DATA before the A-ASSOCIATE-AC: the requestor aborts (2, 2) and rejects', async () => {
  const { client, server } = await socketPair();
  const peer = rawPeer(server);
  const log = recordingLogger();
  const req = requestAssociation(client, request, { ...limits, logger: log });
  assert.equal((await peer.next()).type, 'A-ASSOCIATE-RQ');
  server.write(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.alloc(2) }] }));
  await assert.rejects(req, (e) => codeOf(e) === 'ASSOC_UNEXPECTED_PDU');
  assert.deepEqual(await peer.next(), { type: 'A-ABORT', source: 2, reason: 2 });
  assert.equal(log.lines.error.length, 1);
  server.end();
});

test('garbage after establishment: unknown PDU type -> A-ABORT (2, 1); 4 GiB header -> A-ABORT (2, 6)', async () => {
  for (const [bytes, reason, code] of [
    [Buffer.from([0x0a, 0, 0, 0, 0, 0]), 1, 'PDU_UNKNOWN_TYPE'],
    [Buffer.from([0x04, 0, 0xff, 0xff, 0xff, 0xff]), 6, 'PDU_TOO_LONG'],
  ] as const) {
    const { client, peer, h } = await acceptedByRawPeer();
    const failed = new Promise<unknown>((r) => pdvsOf(h).on('error', r));
    client.write(bytes);
    assert.deepEqual(await peer.next(), { type: 'A-ABORT', source: 2, reason });
    assert.equal(codeOf(await failed), code);
    client.end();
    assert.equal((await h.closed).how, 'aborted-by-us');
  }
});

test('an A-ASSOCIATE-RQ in Sta6 is a protocol error (AA-8)', async () => {
  const { client, peer, h } = await acceptedByRawPeer();
  pdvsOf(h).resume();
  client.write(encodePdu(rqPdu()));
  assert.deepEqual(await peer.next(), { type: 'A-ABORT', source: 2, reason: 2 });
  client.end();
  assert.equal((await h.closed).how, 'aborted-by-us');
});

test('the peer sends data, aborts and closes while our consumer is not reading: the consumer gets the data, then ASSOC_ABORTED', async () => {
  const { client, h } = await acceptedByRawPeer();
  const pdv = encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: false, data: Buffer.alloc(16000) }] });
  for (let i = 0; i < 20; i++) client.write(pdv);
  client.end(encodePdu({ type: 'A-ABORT', source: 0, reason: 0 }));
  await new Promise((r) => setTimeout(r, 50)); // the consumer is busy elsewhere
  let got = 0;
  let error: unknown;
  try {
    for await (const v of pdvsOf(h) as AsyncIterable<Pdv>) got += v.data.length;
  } catch (e) {
    error = e;
  }
  assert.equal(got, 20 * 16000);
  assert.equal(codeOf(error), 'ASSOC_ABORTED');
  assert.deepEqual(await h.closed, { how: 'aborted-by-peer', source: 0, reason: 0 });
});
