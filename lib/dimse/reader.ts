/**
 * DimseReader: PDVs in (each made a message fragment by the PdvAssembler's core), DimseMessage objects out. A message with a data set is
 * handed on as soon as its command is complete; its data set is a Readable fed fragment by fragment. The reader
 * does not pull the next fragment while the data set's consumer is not reading, so a slow sink holds back the
 * association, the socket and the peer: memory stays bounded by a few PDUs whatever the size of the object.
 */
import { Readable } from 'node:stream';
import { DimseError } from '../errors';
import { PdvAssembler } from '../pdv/assembler';
import type { Pdv } from '../pdu/types';
import { decodeCommand, type Command } from './command';
import { NO_DATASET } from './command-field';
import type { DimseMessage } from './message';

/**
 * A data set as it arrives: push-based, with a promise that resolves when the consumer wants more. Emits
 * 'fragment' (byte count) for each PDV received, before its bytes are pushed.
 */
class IncomingDataset extends Readable {
  private wanted: (() => void) | null = null;
  readonly complete: Promise<void>;
  settle!: (err?: Error) => void;

  constructor() {
    // A few PDVs of room: with one PDV (the 16 KiB default) nearly every fragment waits on a promise.
    super({ highWaterMark: 64 * 1024 });
    this.complete = new Promise<void>((resolve, reject) => {
      this.settle = (err?: Error) => (err ? reject(err) : resolve());
    });
    // Callers that never look at `complete` must not see an unhandled rejection.
    this.complete.catch(() => {});
  }

  override _read(): void {
    const w = this.wanted;
    this.wanted = null;
    w?.();
  }

  /** Pushes one fragment; resolves when the consumer can take the next one. */
  async feed(data: Buffer): Promise<void> {
    if (this.push(data)) return;
    await new Promise<void>((resolve) => { this.wanted = resolve; });
  }

  /** Wakes a pending feed() when the stream is destroyed by its consumer. */
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this._read();
    cb(err);
  }
}

/**
 * Ends a data set that will not be completed. Its consumer learns why through 'error'; a consumer that has already
 * stopped listening (a sink that gave up on the object) must not turn the peer's abort into an uncaught exception.
 */
function abandon(ds: Readable, err: Error): void {
  if (ds.listenerCount('error') > 0) ds.destroy(err);
  else ds.destroy();
}

export interface DimseReaderOptions {
  /**
   * Commands whose data set type is not believed: they are taken to have no data set, so that a data fragment after
   * one is a protocol error (DCMTK's default for a pending C-MOVE response that announces one, movescu -pi).
   */
  ignoreDatasetOf?(command: Command): boolean;
}

export class DimseReader extends Readable {
  private messageWanted: (() => void) | null = null;
  private current: IncomingDataset | null = null;
  private currentContext = 0;

  private readonly assembler = new PdvAssembler();

  /** `pdvs`: the association's incoming PDVs; each is turned into a message fragment here, by the assembler's core. */
  constructor(private readonly pdvs: AsyncIterable<Pdv>, private readonly options: DimseReaderOptions = {}) {
    super({ objectMode: true, highWaterMark: 1 });
    // The error reaches whoever reads (nextMessage, iteration); a service that stopped before its first read (its
    // request failed: the peer aborted) must not crash the process with an unhandled 'error'.
    this.on('error', () => {});
    this.pump().catch((err: Error) => this.fail(err));
  }

  private messageIterator?: AsyncIterator<DimseMessage>;

  /** The next message, or null at the end; unlike a for-await loop, stopping early does not destroy the reader. */
  async nextMessage(timeoutMs?: number): Promise<DimseMessage | null> {
    this.messageIterator ??= this[Symbol.asyncIterator]() as AsyncIterator<DimseMessage>;
    const next = this.messageIterator.next();
    if (!timeoutMs) {
      const r = await next;
      return r.done ? null : r.value;
    }
    // DCMTK's -td: how long to wait for the next message before giving up on the peer.
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DimseError('DIMSE_TIMEOUT', `no DIMSE message within ${timeoutMs / 1000} s (-td)`)), timeoutMs);
    });
    try {
      const r = await Promise.race([next, expired]);
      return r.done ? null : r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  override _read(): void {
    const w = this.messageWanted;
    this.messageWanted = null;
    w?.();
  }

  private async pushMessage(msg: DimseMessage): Promise<void> {
    if (this.push(msg)) return;
    await new Promise<void>((resolve) => { this.messageWanted = resolve; });
  }

  private async pump(): Promise<void> {
    for await (const pdv of this.pdvs) {
      if (this.destroyed) return;
      // A broken fragment rule throws here and ends the reader with that error.
      const frag = this.assembler.accept(pdv);
      if (!frag) continue;
      if (frag.kind === 'command') {
        if (this.current) {
          throw new DimseError('DIMSE_INCOMPLETE_DATASET', 'a new command arrived before the last data fragment of the previous data set', { contextId: frag.contextId });
        }
        const command = decodeCommand(frag.command);
        if (command.CommandDataSetType === NO_DATASET || this.options.ignoreDatasetOf?.(command)) {
          await this.pushMessage({ contextId: frag.contextId, command, dataset: null, complete: Promise.resolve() });
        } else {
          this.current = new IncomingDataset();
          this.currentContext = frag.contextId;
          await this.pushMessage({ contextId: frag.contextId, command, dataset: this.current, complete: this.current.complete });
        }
      } else {
        const ds = this.current;
        // DCMTK's words for this ("DIMSE: Command PDV Expected"), which users grep.
        if (!ds) throw new DimseError('DIMSE_UNEXPECTED_DATA', 'DIMSE: Command PDV Expected (a data set fragment after a command without a data set)', { contextId: frag.contextId });
        if (frag.contextId !== this.currentContext) {
          throw new DimseError('PDV_CONTEXT_CHANGED', `data set fragment on context ${frag.contextId}, command was on ${this.currentContext}`, { contextId: frag.contextId });
        }
        // One 'fragment' event per PDV, whoever reads the bytes (progress, as DCMTK's per-PDV store callback).
        ds.emit('fragment', frag.data.length);
        // A consumer that gave up on the data set (destroyed it) still lets the message end cleanly: drop the bytes.
        if (!ds.destroyed && frag.data.length > 0) await ds.feed(frag.data);
        if (frag.last) {
          this.current = null;
          if (!ds.destroyed) ds.push(null);
          ds.settle();
        }
      }
    }
    if (this.current) {
      const err = new DimseError('DIMSE_INCOMPLETE_DATASET', 'association ended in the middle of a data set');
      this.current.settle(err);
      abandon(this.current, err);
      this.current = null;
    }
    this.push(null);
  }

  private fail(err: Error): void {
    this.current?.settle(err);
    if (this.current) abandon(this.current, err);
    this.current = null;
    this.destroy(err);
  }
}
