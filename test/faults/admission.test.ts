/**
 * Issue 13, items 6 and 7: who may send us objects, and limits a peer cannot lift. By default anyone may (DCMTK's
 * default); the opt-in policy refuses another called AE title, another calling AE title or another address with
 * an A-ASSOCIATE-RJ of the PS3.8 reason; presentation context IDs PS3.8 forbids (even, duplicate) are refused; past
 * the limit of sub-associations at once, one more is refused as transient "local limit exceeded". Then the CLI with
 * --require-called-aet --require-archive still receives everything from the real archive.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StorageServer } from '../../lib/services/storage-server';
import { buildAssociateRq } from '../../lib/association/negotiation';
import { encodePdu } from '../../lib/pdu/encode';
import type { AdmissionPolicy } from '../../lib/services/negotiation';
import type { PresentationContextRq } from '../../lib/pdu/types';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { CT, EXPLICIT_LE } from '../helpers/raw-store-peer';
import { runMovescu, tempDir } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';

const tmp = tempDir('admission');
const closers = cleanupsAfter(() => tmp.cleanup());

async function server(opts: { admission?: AdmissionPolicy; maxAssociations?: number } = {}): Promise<number> {
  const s = new StorageServer({ port: 0, host: '127.0.0.1', maxPduLength: 16384, acseTimeoutMs: 2000, deliver: (o) => { o.body.resume(); o.accept(); }, ...opts });
  const port = await s.listen();
  closers.push(async () => { s.abortAll(); await s.close(); });
  return port;
}

const CONTEXT: PresentationContextRq[] = [{ id: 1, abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] }];

/** Sends an A-ASSOCIATE-RQ and returns the answer: 'AC', or the A-ASSOCIATE-RJ's [result, source, reason]. */
async function associate(port: number, called: string, calling: string, contexts = CONTEXT, keep = false): Promise<'AC' | [number, number, number]> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(encodePdu(buildAssociateRq({ callingAeTitle: calling, calledAeTitle: called, presentationContexts: contexts }, { maxPduLength: 16384, artimTimeoutMs: 2000 })));
  const [pdu] = (await once(socket, 'data')) as [Buffer];
  if (keep) closers.push(() => { socket.destroy(); }); else socket.destroy();
  if (pdu[0] === 0x02) return 'AC';
  assert.equal(pdu[0], 0x03, `PDU type ${pdu[0]}`);
  return [pdu[7]!, pdu[8]!, pdu[9]!];
}

test('by default anyone may send (DCMTK\'s default)', async () => {
  const port = await server();
  assert.equal(await associate(port, 'ANYTHING', 'ANYONE'), 'AC');
});

test('--require-called-aet: another called AE title is refused, "called AE title not recognized" (1, 1, 7)', async () => {
  const port = await server({ admission: { calledAeTitle: 'MOVESCU' } });
  assert.deepEqual(await associate(port, 'OTHER', 'ARCHIVE'), [1, 1, 7]);
  assert.equal(await associate(port, 'MOVESCU', 'ARCHIVE'), 'AC');
});

test('--require-archive: another calling AE title (1, 1, 3) or another address (1, 1, 1) is refused', async () => {
  const byTitle = await server({ admission: { callingAeTitle: 'ARCHIVE', addresses: ['127.0.0.1'] } });
  assert.deepEqual(await associate(byTitle, 'MOVESCU', 'INTRUDER'), [1, 1, 3]);
  assert.equal(await associate(byTitle, 'MOVESCU', 'ARCHIVE'), 'AC');
  const byAddress = await server({ admission: { callingAeTitle: 'ARCHIVE', addresses: ['192.0.2.7'] } });
  assert.deepEqual(await associate(byAddress, 'MOVESCU', 'ARCHIVE'), [1, 1, 1]);
});

test('presentation context IDs PS3.8 forbids (duplicate, even) are refused, not echoed back', async () => {
  const port = await server();
  assert.deepEqual(await associate(port, 'MOVESCU', 'PEER', [...CONTEXT, { id: 1, abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] }]), [1, 1, 1]);
  assert.deepEqual(await associate(port, 'MOVESCU', 'PEER', [{ id: 2, abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] }]), [1, 1, 1]);
});

test('past the limit of sub-associations at once, one more is refused: transient, local limit exceeded (2, 3, 2)', async () => {
  const port = await server({ maxAssociations: 2 });
  assert.equal(await associate(port, 'MOVESCU', 'A', CONTEXT, true), 'AC');
  assert.equal(await associate(port, 'MOVESCU', 'B', CONTEXT, true), 'AC');
  assert.deepEqual(await associate(port, 'MOVESCU', 'C'), [2, 3, 2]);
});

test('movescu --require-called-aet --require-archive still receives every object from the archive', async () => {
  const { study, qrPort, storePort, close } = await startOwnArchive({ folder: join(tmp.path, 'src'), study: (f) => writeSyntheticStudy(f) });
  closers.push(close);
  const out = join(tmp.path, 'out');
  mkdirSync(out);
  const r = await runMovescu('ours', ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out, '--require-called-aet', '--require-archive',
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUid}`, '127.0.0.1', String(qrPort)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(out).length, study.files.length);
});
