/**
 * The embedded Storage SCP of a retrieval: listens on a port, accepts the archive's sub-associations (Verification
 * and every storage SOP class of the generated list, with DCMTK's default transfer syntax preference) and hands each
 * received object to `deliver`. Runs over any duplex stream; no module-level state.
 */
import net from 'node:net';
import { acceptAssociation } from '../association/association';
import { dcmtkMaxSendPdv } from '../dcmtk/dimse-dump';
import { DimseError } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { STORAGE_SOP_CLASSES, TS } from '../dataset/uids';
import { VERIFICATION_SOP_CLASS } from './sop-classes';
import { DEFAULT_MAX_ASSOCIATIONS } from '../defaults';
import { acceptContexts, screenRequest, type AdmissionPolicy } from './negotiation';
import { admitHost } from './host-access';
import { RejectReason, RejectResult, RejectSource } from '../pdu/constants';
import { serveStore, type StoreProgress } from './store-scp';
import { dumpAssociationParameters } from '../dcmtk/association-dump';
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
  describe?(sopClassUid: string): string;
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

export class StorageServer {
  private readonly server: net.Server;
  private readonly active = new Set<Promise<void>>();
  private readonly handles = new Set<{ abort(): void }>();
  private readonly log: Logger;
  received = 0;

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
    const assoc = await acceptAssociation(socket, {
      maxPduLength: this.opts.maxPduLength,
      artimTimeoutMs: this.opts.acseTimeoutMs,
      logger: this.log,
      // serveStore answers a release only after the C-STORE-RSPs it owes (a peer may release before it has them).
      release: 'manual',
      decide: (rq) => {
        this.log.info('Sub-Association Received');
        if (this.log.enabled('debug')) this.log.debug(['Parameters:', ...dumpAssociationParameters({ side: 'acceptor', rq, own })].join('\n'));
        const refusal = this.active.size > (this.opts.maxAssociations ?? DEFAULT_MAX_ASSOCIATIONS)
          ? { result: RejectResult.Transient, source: RejectSource.ServiceProviderPresentation, reason: RejectReason.LocalLimitExceeded,
            why: `more than ${this.opts.maxAssociations ?? DEFAULT_MAX_ASSOCIATIONS} sub-associations at once` }
          : screenRequest(rq, socket.remoteAddress, this.opts.admission);
        if (refusal) {
          this.log.warn(`Sub-Association Rejected: ${refusal.why}`);
          return { accept: false, result: refusal.result, source: refusal.source, reason: refusal.reason };
        }
        return acceptContexts(rq, supported, preference);
      },
    });
    this.handles.add(assoc);
    const stopWatching = this.opts.dimseTimeoutMs ? watchIdle(socket, this.opts.dimseTimeoutMs, () => {
      this.log.error(`DIMSE timeout: nothing received on a sub-association for ${this.opts.dimseTimeoutMs! / 1000} s (-td): aborting it`);
      assoc.abort();
    }) : () => {};
    void assoc.closed.finally(() => { stopWatching(); this.handles.delete(assoc); });
    this.log.info(`Sub-Association Acknowledged (Max Send PDV: ${dcmtkMaxSendPdv(assoc.peerMaxPduLength)})`);
    if (assoc.contexts.size === 0) this.log.info('    (but no valid presentation contexts)');
    if (this.log.enabled('debug')) this.log.debug(dumpAssociationParameters({ side: 'acceptor', rq: assoc.rq, ac: assoc.ac, own }).join('\n'));
    this.received += await serveStore(assoc, { deliver: this.opts.deliver, logger: this.log, describe: this.opts.describe, onProgress: this.opts.onProgress });
    await assoc.closed;
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
