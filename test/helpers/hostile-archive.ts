/**
 * A hostile archive, scripted per test and built from our own PDU layer: it listens on a free loopback port, takes
 * the C-MOVE SCU's A-ASSOCIATE-RQ, and then does what the test says: accept and abort at once, answer garbage,
 * never answer the release, and so on. It records what it received, for the test to assert on.
 */
import net from 'node:net';
import { encodePdu } from '../../lib/pdu/encode';
import { PduReader } from '../../lib/pdu/pdu-reader';
import type { AssociateAc, AssociateRq, Pdu } from '../../lib/pdu/types';
import { AbortSource } from '../../lib/pdu/constants';

/** What the archive does once it has the A-ASSOCIATE-RQ; `send` writes PDUs or raw bytes, `end` closes the socket. */
export type ArchiveScript = (ctx: ScriptContext) => void | Promise<void>;

export interface ScriptContext {
  rq: AssociateRq;
  socket: net.Socket;
  send(p: Pdu | Buffer): void;
  /** An A-ASSOCIATE-AC accepting every proposed context with its first transfer syntax. */
  acceptAll(): AssociateAc;
  /** Resolves with the next PDU the SCU sends (null if the connection closes first). */
  next(): Promise<Pdu | null>;
}

export interface HostileArchive {
  port: number;
  received: Pdu[];
  close(): Promise<void>;
}

export const ABORT: Pdu = { type: 'A-ABORT', source: AbortSource.ServiceProvider, reason: 0 } as Pdu;

export async function startHostileArchive(script: ArchiveScript): Promise<HostileArchive> {
  const received: Pdu[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => { /* the client may reset: nothing to assert here */ });
    const reader = new PduReader({ maxPduLength: 1 << 20 });
    reader.on('error', () => socket.destroy());
    socket.pipe(reader);
    const queue: Pdu[] = [];
    const waiting: ((p: Pdu | null) => void)[] = [];
    reader.on('data', (p: Pdu) => {
      received.push(p);
      const w = waiting.shift();
      if (w) w(p); else queue.push(p);
    });
    reader.on('end', () => { for (const w of waiting.splice(0)) w(null); });
    socket.on('close', () => { for (const w of waiting.splice(0)) w(null); });
    const next = (): Promise<Pdu | null> => {
      const q = queue.shift();
      if (q) return Promise.resolve(q);
      if (socket.destroyed) return Promise.resolve(null);
      return new Promise((r) => waiting.push(r));
    };
    void (async () => {
      const first = await next();
      if (!first || first.type !== 'A-ASSOCIATE-RQ') { socket.destroy(); return; }
      const rq = first;
      await script({
        rq, socket, next,
        send: (p) => { if (!socket.destroyed) socket.write(Buffer.isBuffer(p) ? p : encodePdu(p)); },
        acceptAll: () => ({
          type: 'A-ASSOCIATE-AC', protocolVersion: 1, calledAeTitle: rq.calledAeTitle, callingAeTitle: rq.callingAeTitle,
          applicationContext: rq.applicationContext,
          presentationContexts: rq.presentationContexts.map((pc) => ({ id: pc.id, result: 0, transferSyntax: pc.transferSyntaxes[0] ?? '' })),
          userInfo: { ...rq.userInfo, maxPduLength: 16384, implementationClassUid: '1.2.3.4' },
        }),
      });
    })().catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port, received,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
