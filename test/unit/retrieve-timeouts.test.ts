/**
 * An archive that accepts the association and then says nothing must not hang a retrieval: with -td (dimseTimeoutMs)
 * the C-MOVE gives up with DIMSE_TIMEOUT (exit 69 from the CLI); with -ta an archive that never answers the
 * A-ASSOCIATE-RQ gives up with ARTIM_EXPIRED (exit 61). No wall-time assertion: only that each ends, and how.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { acceptAssociation } from '../../lib/association/association';
import { acceptContexts } from '../../lib/services/negotiation';
import { retrieve } from '../../lib/services/retrieve';
import { QUERY_MODELS } from '../../lib/services/sop-classes';
import { exitCodeFor } from '../../lib/cli/outcome';
import type { DimseError } from '../../lib/errors';
import { pdvsOf } from '../helpers/pdvs-of';

const servers: net.Server[] = [];
after(() => { for (const s of servers) s.close(); });

async function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer(onSocket);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

const query = [{ tag: 0x00080052, vr: 'CS', value: Buffer.from('STUDY ') }];

test('a mute archive: -td ends the C-MOVE with DIMSE_TIMEOUT, mapped to exit 69', async () => {
  const port = await listen((socket) => {
    socket.on('error', () => {});
    void acceptAssociation(socket, {
      maxPduLength: 16384, artimTimeoutMs: 5000,
      decide: (rq) => acceptContexts(rq, new Set([QUERY_MODELS.study.move, QUERY_MODELS.study.find]), ['1.2.840.10008.1.2.1']),
    }).then((a) => { pdvsOf(a).resume(); }, () => {});
  });
  const r = retrieve({ host: '127.0.0.1', port, model: 'study', queries: [query], listenPort: null, dimseTimeoutMs: 300 });
  r.resume();
  r.on('error', () => {});
  const err = await r.result.then(() => null, (e: DimseError) => e);
  assert.ok(err, 'the retrieval must fail');
  assert.equal(err.code, 'MOVE_FAILED');
  assert.equal((err.cause as DimseError).code, 'DIMSE_TIMEOUT');
  assert.equal(exitCodeFor(err.code), 69);
});

test('an archive that never answers the A-ASSOCIATE-RQ: -ta ends it with ARTIM_EXPIRED, mapped to exit 61', async () => {
  const port = await listen((socket) => { socket.on('error', () => {}); socket.resume(); });
  const r = retrieve({ host: '127.0.0.1', port, model: 'study', queries: [query], listenPort: null, acseTimeoutMs: 300 });
  r.resume();
  r.on('error', () => {});
  const err = await r.result.then(() => null, (e: DimseError) => e);
  assert.ok(err, 'the retrieval must fail');
  assert.equal(err.code, 'ARTIM_EXPIRED');
  assert.equal(exitCodeFor(err.code), 61);
});
