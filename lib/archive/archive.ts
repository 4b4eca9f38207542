/**
 * Our own small Q/R SCP over a folder of DICOM files, built from the same layers as the client: C-ECHO, C-FIND
 * and C-MOVE on the three information models, C-STORE sub-operations to configured destinations, each file's data
 * set sent as stored (byte for byte, never re-encoded). It serves the demo, tests and benchmarks, and is the
 * archive against which the bit-preserving path is checked (dcmqrscp re-encodes what it sends).
 */
import net from 'node:net';
import { acceptAssociation } from '../association/association';
import type { AssociationHandle } from '../association/types';
import { TS } from '../dataset/dictionary/uids';
import { CommandField } from '../dimse/command-field';
import type { DimseMessage } from '../dimse/message';
import { DimseReader } from '../dimse/reader';
import { Status } from '../dimse/status';
import { sendMessage } from '../dimse/writer';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { findScp } from './find-scp';
import { moveScp, type MoveDestination } from './move-scp';
import { acceptContexts } from '../services/negotiation';
import { QUERY_MODELS, VERIFICATION_SOP_CLASS } from '../services/sop-classes';
import { readQueryKeys } from './identifier-reader';
import { indexFolder } from './catalog';
import { DEFAULT_ACSE_TIMEOUT_MS, DEFAULT_MAX_PDU } from '../defaults';
import type { CatalogEntry } from './catalog-types';

export interface ArchiveOptions {
  aeTitle: string;
  folder: string;
  port: number;
  host?: string;
  /** AE title → address of each move destination (dcmqrscp's HostTable). */
  destinations: Record<string, MoveDestination>;
  maxPduLength?: number;
  acseTimeoutMs?: number;
  logger?: Logger;
}

const FIND_MOVE = new Set(Object.values(QUERY_MODELS).flatMap((m) => [m.find, m.move]));
const MOVE_CLASSES = new Set(Object.values(QUERY_MODELS).map((m) => m.move));

export class Archive {
  private readonly server = net.createServer((s) => this.onConnection(s));
  private readonly log: Logger;
  private readonly open = new Set<AssociationHandle>();
  entries: CatalogEntry[] = [];

  constructor(private readonly opts: ArchiveOptions) {
    this.log = opts.logger ?? silentLogger;
  }

  /** Indexes the folder and starts listening; resolves with the port. */
  async start(): Promise<number> {
    this.entries = await indexFolder(this.opts.folder, this.log);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  async stop(): Promise<void> {
    for (const a of this.open) a.abort();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.serve(socket).catch((err: Error) => {
      this.log.error(`archive: ${err.message}`);
      socket.destroy();
    });
  }

  private async serve(socket: net.Socket): Promise<void> {
    const maxPduLength = this.opts.maxPduLength ?? DEFAULT_MAX_PDU;
    const acseTimeoutMs = this.opts.acseTimeoutMs ?? DEFAULT_ACSE_TIMEOUT_MS;
    const assoc = await acceptAssociation(socket, {
      maxPduLength,
      artimTimeoutMs: acseTimeoutMs,
      logger: this.log,
      decide: (rq) => rq.calledAeTitle !== this.opts.aeTitle
        // PS3.8 table 9-21: rejected-permanent, service user, called AE title not recognized.
        ? { accept: false, result: 1, source: 1, reason: 7 }
        : acceptContexts(rq, new Set([VERIFICATION_SOP_CLASS, ...FIND_MOVE]),
          [TS.ExplicitVRLittleEndian, TS.ImplicitVRLittleEndian, TS.ExplicitVRBigEndian]),
    });
    this.open.add(assoc);
    try {
      const reader = new DimseReader(assoc);
      for (let msg = await reader.nextMessage(); msg;) {
        const c = msg.command;
        // Read on while a C-MOVE runs, so that its C-CANCEL-RQ is seen; whatever comes is handled next, in turn.
        let following: Promise<DimseMessage | null> | null = null;
        const ctx = assoc.contexts.get(msg.contextId);
        if (c.CommandField === CommandField.C_ECHO_RQ) {
          await sendMessage(assoc, msg.contextId, {
            CommandField: CommandField.C_ECHO_RSP, MessageIDBeingRespondedTo: c.MessageID,
            AffectedSOPClassUID: c.AffectedSOPClassUID, Status: Status.Success,
          });
        } else if ((c.CommandField === CommandField.C_FIND_RQ || c.CommandField === CommandField.C_MOVE_RQ) && msg.dataset && ctx) {
          const keys = await readQueryKeys(msg.dataset, ctx.transferSyntax);
          if (c.CommandField === CommandField.C_FIND_RQ) {
            await findScp(assoc, msg, keys, ctx.transferSyntax, this.entries);
          } else if (MOVE_CLASSES.has(ctx.abstractSyntax)) {
            let cancelled = false;
            following = reader.nextMessage();
            following.then((m) => {
              if (m?.command.CommandField === CommandField.C_CANCEL_RQ && m.command.MessageIDBeingRespondedTo === c.MessageID) cancelled = true;
            }, () => { /* awaited below */ });
            await moveScp(assoc, msg, keys, this.entries, {
              aeTitle: this.opts.aeTitle, destinations: new Map(Object.entries(this.opts.destinations)),
              maxPduLength, acseTimeoutMs, logger: this.log, cancelled: () => cancelled,
            });
          }
        } else if (c.CommandField === CommandField.C_CANCEL_RQ) {
          // A cancel of a C-MOVE is seen while it runs (above); one arriving between requests has nothing to stop.
        } else {
          this.log.error(`archive: unexpected command 0x${c.CommandField.toString(16)}: aborting`);
          assoc.abort();
          break;
        }
        msg = await (following ?? reader.nextMessage());
      }
      await assoc.closed;
    } finally {
      this.open.delete(assoc);
    }
  }
}
