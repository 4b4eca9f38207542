/**
 * Our association layer against DCMTK 3.6.7's own tools: our requestor with storescp, echoscu with our
 * acceptor. Skipped (with the reason shown) when the tools are absent, failed when DIMSE_REQUIRE_PEERS=1.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { freePort, waitForListening } from '../helpers/net';
import { DimseError } from '../../lib/errors';
import { AssociationRejectedError, acceptAssociation, requestAssociation } from '../../lib/association';
import type { AcceptDecision, AssociationHandle } from '../../lib/association';
import type { AssociateRq, Pdv } from '../../lib/pdu';
import { pdvsOf } from '../helpers/pdvs-of';

const VERIFICATION = '1.2.840.10008.1.1';
const IVR_LE = '1.2.840.10008.1.2';
const limits = { maxPduLength: 16384, artimTimeoutMs: 10000 };

const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of cleanups) f();
});

/** Connects once the peer listens. */
async function connectWhenUp(port: number): Promise<net.Socket> {
  await waitForListening(port);
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  s.setNoDelay(true);
  return s;
}

function startStorescp(port: number, extra: string[] = []): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'dimse-storescp-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn('storescp', ['-aet', 'ARCHIVE', '-od', dir, ...extra, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** A command set in implicit VR little endian, elements of group 0000 in order, group length first. */
function commandSet(elements: [number, Buffer][]): Buffer {
  const parts = elements.map(([el, value]) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0x0000, 0);
    h.writeUInt16LE(el, 2);
    h.writeUInt32LE(value.length, 4);
    return Buffer.concat([h, value]);
  });
  const body = Buffer.concat(parts);
  const gl = Buffer.alloc(12);
  gl.writeUInt32LE(4, 4);
  gl.writeUInt32LE(body.length, 8);
  return Buffer.concat([gl, body]);
}
const us = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
const uid = (s: string): Buffer => Buffer.from(s.length % 2 ? `${s}\0` : s, 'latin1');

/** Finds a US element of group 0000 in an implicit VR LE command set. */
function commandUs(cmd: Buffer, element: number): number | undefined {
  let off = 0;
  while (off + 8 <= cmd.length) {
    const el = cmd.readUInt16LE(off + 2);
    const len = cmd.readUInt32LE(off + 4);
    if (el === element) return cmd.readUInt16LE(off + 8);
    off += 8 + len;
  }
  return undefined;
}

/** Reads PDVs until the last fragment of a command; returns the command bytes. */
async function readCommand(h: AssociationHandle): Promise<Buffer> {
  const parts: Buffer[] = [];
  // destroyOnReturn false: leaving the loop must not destroy the association's PDV stream.
  for await (const v of pdvsOf(h).iterator({ destroyOnReturn: false }) as AsyncIterable<Pdv>) {
    assert.ok(v.isCommand);
    parts.push(v.data);
    if (v.isLast) return Buffer.concat(parts);
  }
  throw new Error('pdvs ended before a whole command arrived');
}

peerTest('DCMTK storescp: our requestor associates, C-ECHO over our PDVs, releases', ['storescp'], async () => {
  const port = await freePort();
  startStorescp(port);
  const socket = await connectWhenUp(port);
  const h = await requestAssociation(
    socket,
    { callingAeTitle: 'DIMSESTREAM', calledAeTitle: 'ARCHIVE', presentationContexts: [{ id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IVR_LE] }] },
    limits,
  );
  assert.deepEqual([...h.contexts.values()], [{ id: 1, abstractSyntax: VERIFICATION, transferSyntax: IVR_LE }]);
  assert.equal(h.peerMaxPduLength, 16384); // DCMTK's default receive limit
  assert.equal(h.ac.userInfo.implementationVersionName, 'OFFIS_DCMTK_367');
  const rq = commandSet([[0x0002, uid(VERIFICATION)], [0x0100, us(0x0030)], [0x0110, us(7)], [0x0800, us(0x0101)]]);
  await h.sendPdvs([{ contextId: 1, isCommand: true, isLast: true, data: rq }]);
  const rsp = await readCommand(h);
  assert.equal(commandUs(rsp, 0x0100), 0x8030); // C-ECHO-RSP
  assert.equal(commandUs(rsp, 0x0120), 7); // message id being responded to
  assert.equal(commandUs(rsp, 0x0900), 0x0000); // success
  await h.release();
  assert.deepEqual(await h.closed, { how: 'released' });
});

peerTest('DCMTK storescp --refuse: ASSOC_REJECTED with the RJ it sent', ['storescp'], async () => {
  const port = await freePort();
  startStorescp(port, ['--refuse']);
  const socket = await connectWhenUp(port);
  await assert.rejects(
    requestAssociation(socket, { callingAeTitle: 'A', calledAeTitle: 'ARCHIVE', presentationContexts: [{ id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IVR_LE] }] }, limits),
    (e: unknown) => e instanceof AssociationRejectedError && e.code === 'ASSOC_REJECTED' && e.rj.result === 1 && e.rj.source === 1 && e.rj.reason === 1,
  );
});

function runEchoscu(port: number, extra: string[] = []): Promise<{ code: number | null; output: string }> {
  const child = spawn('echoscu', ['-aet', 'ECHOSCU', '-aec', 'DIMSESTREAM', ...extra, '127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

const acceptVerification = (rq: AssociateRq): AcceptDecision => ({
  accept: true,
  contexts: rq.presentationContexts.map((pc) => ({ id: pc.id, result: pc.abstractSyntax === VERIFICATION ? 0 : 3, transferSyntax: IVR_LE })),
});

/** One connection on a fresh listener, handed to our acceptor. */
async function listenOnce(): Promise<{ port: number; handle: Promise<AssociationHandle>; server: net.Server }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const handle = once(server, 'connection').then(([s]) => {
    server.close();
    (s as net.Socket).setNoDelay(true);
    return acceptAssociation(s as net.Socket, { ...limits, decide: acceptVerification });
  });
  return { port: (server.address() as net.AddressInfo).port, handle, server };
}

peerTest('DCMTK echoscu: associates with our acceptor, gets our C-ECHO-RSP, releases', ['echoscu'], async () => {
  const { port, handle } = await listenOnce();
  const exit = runEchoscu(port);
  const h = await handle;
  assert.equal(h.rq.callingAeTitle, 'ECHOSCU');
  assert.equal(h.rq.calledAeTitle, 'DIMSESTREAM');
  assert.equal(h.rq.userInfo.maxPduLength, 16384);
  const cmd = await readCommand(h);
  assert.equal(commandUs(cmd, 0x0100), 0x0030);
  const msgId = commandUs(cmd, 0x0110) ?? 0;
  const rsp = commandSet([[0x0002, uid(VERIFICATION)], [0x0100, us(0x8030)], [0x0120, us(msgId)], [0x0800, us(0x0101)], [0x0900, us(0)]]);
  await h.sendPdvs([{ contextId: 1, isCommand: true, isLast: true, data: rsp }]);
  // echoscu releases: our pdvs end, we answer A-RELEASE-RP, it closes.
  for await (const _ of pdvsOf(h)) assert.fail('no PDV expected after the C-ECHO-RQ');
  assert.deepEqual(await h.closed, { how: 'released' });
  const { code, output } = await exit;
  assert.equal(code, 0, output);
});

peerTest('DCMTK echoscu --abort: our acceptor sees the A-ABORT', ['echoscu'], async () => {
  const { port, handle } = await listenOnce();
  const exit = runEchoscu(port, ['--abort']);
  const h = await handle;
  const cmd = await readCommand(h);
  const rsp = commandSet([[0x0002, uid(VERIFICATION)], [0x0100, us(0x8030)], [0x0120, us(commandUs(cmd, 0x0110) ?? 0)], [0x0800, us(0x0101)], [0x0900, us(0)]]);
  await h.sendPdvs([{ contextId: 1, isCommand: true, isLast: true, data: rsp }]);
  const error = await new Promise<unknown>((r) => pdvsOf(h).on('error', r).resume());
  assert.ok(error instanceof DimseError && error.code === 'ASSOC_ABORTED');
  assert.deepEqual(await h.closed, { how: 'aborted-by-peer', source: 0, reason: 0 });
  assert.equal((await exit).code, 0);
});
