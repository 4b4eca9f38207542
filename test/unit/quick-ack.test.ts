/**
 * The optional TCP_QUICKACK addon (native/tcp-quickack.c, lib/association/quick-ack.ts). Where it cannot be built
 * (no compiler or Node-API headers, not Linux) the tests skip with the reason; CI (DIMSE_REQUIRE_PEERS=1, gcc
 * installed) must have built it. What it buys against a Nagle-on archive is measured in BENCHMARKS.md.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { quickAckAvailable, quickAckFor } from '../../lib/association/quick-ack';
import { peersRequired } from '../helpers/peer-gate';

const ADDON = join(__dirname, '..', '..', 'native', 'tcp-quickack.node');
const skip = quickAckAvailable ? false : `the optional addon is not built (${existsSync(ADDON) ? 'DIMSE_QUICKACK=0' : 'no C compiler or Node-API headers'})`;

test('the addon is built and loaded where CI requires it', { skip: process.platform !== 'linux' ? 'not Linux' : false }, () => {
  if (!peersRequired() && !quickAckAvailable) return; // a laptop without gcc: the other tests skip with the reason
  assert.equal(quickAckAvailable, true, `expected ${ADDON} to be built (npm run build) and loaded`);
});

test('TCP_QUICKACK is set on an accepted and a connected socket, refused on a file and a closed descriptor', { skip }, async () => {
  const mod = { exports: {} as { setQuickAck?: (fd: number) => boolean } };
  process.dlopen(mod, ADDON);
  const setQuickAck = mod.exports.setQuickAck as (fd: number) => boolean;
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  for (const s of [client, peer]) {
    const fd = (s as unknown as { _handle: { fd: number } })._handle.fd;
    assert.ok(fd >= 0);
    assert.equal(setQuickAck(fd), true);
    const after = quickAckFor(s);
    assert.equal(typeof after, 'function');
  }
  const file = openSync(__filename, 'r');
  try {
    assert.equal(setQuickAck(file), false, 'not a socket: ENOTSOCK');
  } finally {
    closeSync(file);
  }
  assert.equal(setQuickAck(-1), false);
  assert.equal(quickAckFor(new PassThrough()), null, 'no descriptor: nothing to set');
  client.destroy();
  peer.destroy();
  server.close();
});
