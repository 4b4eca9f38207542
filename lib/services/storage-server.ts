/**
 * The embedded Storage SCP of a retrieval: listens on a port, accepts the archive's sub-associations (Verification
 * and every storage SOP class of the generated list, with DCMTK's default transfer syntax preference) and hands each
 * received object to `deliver`. Runs over any duplex stream; no module-level state.
 */
import net from 'node:net';
import { DimseError } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { STORAGE_SOP_CLASSES, TS } from '../dataset/dictionary/uids';
import { VERIFICATION_SOP_CLASS } from './sop-classes';
import { DEFAULT_MAX_ASSOCIATIONS } from '../defaults';
import { acceptContexts, screenRequest, type AdmissionPolicy } from './negotiation';
import { admitHost } from './host-access';
import { RejectReason, RejectResult, RejectSource } from '../pdu/constants';
import type { StoreEvent, StoreProgress } from './store-scp';
import { receiveObjects } from './way-in';
import type { AssociateAc, AssociateRq } from '../pdu/types';
import type { OwnParameters } from '../association/types';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';
import type { ReceivedObject } from '../received-object';

/** DCMTK's default for incoming associations on a little-endian host: explicit LE, explicit BE, implicit LE. */
export const DEFAULT_STORE_TRANSFER_SYNTAXES: readonly string[] = [
  TS.ExplicitVRLittleEndian, TS.ExplicitVRBigEndian, TS.ImplicitVRLittleEndian,
];

export interface StorageServerOptions {
  port: number;
  host?: string;
  deliver(obj: ReceivedObject): void;
  logger?: Logger;
  maxPduLength: number;
  acseTimeoutMs: number;
  transferSyntaxes?: readonly string[];
  onEvent?(event: StorageServerEvent): void;
  onProgress?(event: StoreProgress): void;
  /**
   * DCMTK's -td on the store side: a sub-association on which nothing arrives for this long while we are waiting
   * for the peer (not while our own sink holds it back) is aborted; the others go on. None by default.
   */
  dimseTimeoutMs?: number;
  /** Who may send us objects (opt-in checks; anyone by default, as DCMTK). */
  admission?: AdmissionPolicy;
  /** Sub-associations open at once; more are refused as "local limit exceeded" (default 16). */
  maxAssociations?: number;
}

/** The storage server's sub-associations, and what the store service does on each (StoreEvent). */
export type StorageServerEvent =
  | { type: 'sub-association-received'; rq: AssociateRq; own: OwnParameters }
  | { type: 'sub-association-rejected'; why: string }
  | { type: 'sub-association-acknowledged'; rq: AssociateRq; ac: AssociateAc; own: OwnParameters; peerMaxPduLength: number; contexts: number }
  /** -td: nothing received on a sub-association for this long; it is aborted. */
  | { type: 'dimse-timeout'; timeoutMs: number }
  | StoreEvent;

export class StorageServer {
  private readonly server: net.Server;
  private readonly active = new Set<Promise<void>>();
  private readonly handles = new Set<{ abort(): void }>();
  private readonly log: Logger;
  received = 0;

  private emit(e: StorageServerEvent): void {
    this.opts.onEvent?.(e);
  }

  constructor(private readonly opts: StorageServerOptions) {
    this.log = opts.logger ?? silentLogger;
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  /** Binds the port; rejects with LISTEN_FAILED (DCMTK: "cannot create network", exit 60). */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new DimseError('LISTEN_FAILED', `cannot listen on port ${this.opts.port}: ${e.code ?? e.message}`, {}, { cause: e }));
      };
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (e) => this.log.error(`listening socket: ${e.message}`));
        resolve();
      });
    });
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  /** Number of sub-associations still open. */
  get openAssociations(): number {
    return this.active.size;
  }

  /** Resolves when every open sub-association has ended. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  /** Aborts every open sub-association (a peer that never releases must not hold a retrieval open forever). */
  abortAll(): void {
    for (const h of this.handles) h.abort();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: net.Socket): void {
    socket.setNoDelay(true);
    const access = this.opts.admission?.hostAccess;
    const admitted = access === undefined ? this.serve(socket)
      : admitHost(socket, access, this.log).then((ok) => (ok ? this.serve(socket) : undefined));
    const run = admitted.catch((err: Error) => {
      this.log.error(err.message);
      socket.destroy();
    });
    const tracked = run.finally(() => this.active.delete(tracked));
    this.active.add(tracked);
  }

  private async serve(socket: net.Socket): Promise<void> {
    const supported = new Set<string>([VERIFICATION_SOP_CLASS, ...STORAGE_SOP_CLASSES]);
    const preference = this.opts.transferSyntaxes ?? DEFAULT_STORE_TRANSFER_SYNTAXES;
    const own = { implementationClassUid: IMPLEMENTATION_CLASS_UID, implementationVersionName: IMPLEMENTATION_VERSION_NAME, maxPduLength: this.opts.maxPduLength };
    this.received += await receiveObjects(socket, {
      accept: {
        maxPduLength: this.opts.maxPduLength,
        artimTimeoutMs: this.opts.acseTimeoutMs,
        logger: this.log,
        decide: (rq) => {
          this.emit({ type: 'sub-association-received', rq, own });
          const refusal = this.active.size > (this.opts.maxAssociations ?? DEFAULT_MAX_ASSOCIATIONS)
            ? { result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: RejectReason.LocalLimitExceeded,
              why: `more than ${this.opts.maxAssociations ?? DEFAULT_MAX_ASSOCIATIONS} sub-associations at once` }
            : screenRequest(rq, socket.remoteAddress, this.opts.admission);
          if (refusal) {
            this.emit({ type: 'sub-association-rejected', why: refusal.why });
            return { accept: false, result: refusal.result, source: refusal.source, reason: refusal.reason };
          }
          return acceptContexts(rq, supported, preference);
        },
      },
      established: (assoc) => {
        this.handles.add(assoc);
        const stopWatching = this.opts.dimseTimeoutMs ? watchIdle(socket, this.opts.dimseTimeoutMs, () => {
          this.emit({ type: 'dimse-timeout', timeoutMs: this.opts.dimseTimeoutMs! });
          assoc.abort();
        }) : () => {};
        void assoc.closed.finally(() => { stopWatching(); this.handles.delete(assoc); });
        this.emit({ type: 'sub-association-acknowledged', rq: assoc.rq, ac: assoc.ac, own, peerMaxPduLength: assoc.peerMaxPduLength, contexts: assoc.contexts.size });
      },
      store: { deliver: this.opts.deliver, onEvent: (e) => this.emit(e), onProgress: this.opts.onProgress },
    });
  }
}

/**
 * Calls `expired` once when `socket` has received nothing for `timeoutMs` while it was reading. Time during which
 * the socket is paused (our sink is slow: backpressure) does not count: that wait is ours, not the peer's.
 */
function watchIdle(socket: net.Socket, timeoutMs: number, expired: () => void): () => void {
  let lastBytes = socket.bytesRead;
  let idleSince = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    if (socket.bytesRead !== lastBytes || socket.isPaused()) {
      lastBytes = socket.bytesRead;
      idleSince = now;
    } else if (now - idleSince >= timeoutMs) {
      clearInterval(timer);
      expired();
    }
  }, Math.min(1000, Math.max(50, timeoutMs / 10)));
  timer.unref();
  return () => clearInterval(timer);
}
