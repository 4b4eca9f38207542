/**
 * Test helpers for the store side: a StorageServer feeding a directory sink in a temporary folder, and a raw peer
 * (a plain socket speaking our own PDU encoder) that can send exactly the bytes a test wants, well-formed or not.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodePdu } from '../../lib/pdu/encode';
import { decodePdu } from '../../lib/pdu/decode';
import type { PData } from '../../lib/pdu/types';
import { buildAssociateRq } from '../../lib/association/negotiation';
import { encodeCommand, decodeCommand } from '../../lib/dimse/command';
import { StorageServer } from '../../lib/services/storage-server';
import { directorySink } from '../../lib/sinks/directory';
import type { ReceivedObject } from '../../lib/received-object';
import type { Logger } from '../../lib/log';
import { dcmtkRetrieveLog } from '../../lib/cli/retrieve-log';

export const CT = '1.2.840.10008.5.1.4.1.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export interface StoreServer {
  port: number;
  dir: string;
  server: StorageServer;
  /**
   * Stops the server once the sink is done with every object; returns what the folder held then, and removes it
   * (after `inspect`, if given, has looked at it).
   */
  close(inspect?: (dir: string) => void): Promise<string[]>;
}

/** A StorageServer on a free loopback port whose objects go to a directory sink in a fresh temporary folder. */
export async function startStoreServer(
  opts: { logger?: Logger; transferSyntaxes?: string[]; parent?: string; acseTimeoutMs?: number } = {},
): Promise<StoreServer> {
  const dir = mkdtempSync(join(opts.parent ?? tmpdir(), 'store-'));
  const objects = new Readable({ objectMode: true, read() {} });
  const server = new StorageServer({
    port: 0, host: '127.0.0.1', maxPduLength: 16384, acseTimeoutMs: opts.acseTimeoutMs ?? 2000, transferSyntaxes: opts.transferSyntaxes, logger: opts.logger,
    // The store service's lines as the CLI prints them (DCMTK's), for tests that look at the log.
    onEvent: opts.logger ? dcmtkRetrieveLog(opts.logger) : undefined,
    deliver: (o: ReceivedObject) => objects.push(o),
  });
  const port = await server.listen();
  const sinkDone = pipeline(objects, directorySink({ directory: dir, logger: opts.logger }));
  return {
    port, dir, server,
    async close(inspect?: (dir: string) => void) {
      objects.push(null);
      await sinkDone;
      server.abortAll();
      await server.close();
      const left = existsSync(dir) ? readdirSync(dir) : [];
      inspect?.(dir);
      rmSync(dir, { recursive: true, force: true });
      return left;
    },
  };
}

export interface RawPeer {
  socket: net.Socket;
  /** The next whole PDU the server sent. */
  nextPdu(): Promise<Buffer>;
}

/** Connects and negotiates one context (id 1) for CT with `ts`. */
export async function rawAssociate(port: number, ts: string = EXPLICIT_LE): Promise<RawPeer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const got: Buffer[] = [];
  socket.on('data', (d: Buffer) => got.push(d));
  socket.on('error', () => {});
  const have = (): Buffer => Buffer.concat(got);
  const nextPdu = async (): Promise<Buffer> => {
    while (have().length < 6 || have().length < 6 + have().readUInt32BE(2)) await once(socket, 'data');
    const all = have();
    const pdu = all.subarray(0, 6 + all.readUInt32BE(2));
    got.splice(0, got.length, all.subarray(pdu.length));
    return pdu;
  };
  socket.write(encodePdu(buildAssociateRq({
    callingAeTitle: 'PEER', calledAeTitle: 'MOVESCU',
    presentationContexts: [{ id: 1, abstractSyntax: CT, transferSyntaxes: [ts] }],
  }, { maxPduLength: 16384, artimTimeoutMs: 2000 })));
  assert.equal((await nextPdu())[0], 0x02, 'expected an A-ASSOCIATE-AC');
  return { socket, nextPdu };
}

/** The C-STORE-RQ command of a CT object, as one P-DATA-TF. */
export function storeRqPdu(uid: string, messageId = 1): Buffer {
  const cmd = encodeCommand({ CommandField: 0x0001, MessageID: messageId, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid, Priority: 0, CommandDataSetType: 0 });
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: cmd }] });
}

/** Data set bytes as one data PDV in one P-DATA-TF. */
export function dataPdu(data: Buffer, isLast: boolean): Buffer {
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast, data }] });
}

/** Waits for the C-STORE-RSP and returns its status. */
export async function storeStatus(peer: RawPeer): Promise<number | undefined> {
  return decodeCommand((decodePdu(await peer.nextPdu()) as PData).pdvs[0].data).Status;
}

export const RELEASE_RQ = Buffer.from([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
export const ABORT = Buffer.from([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
