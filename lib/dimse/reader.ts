/**
 * DimseReader: message fragments in (from the PdvAssembler), DimseMessage objects out. A message with a data set is
 * handed on as soon as its command is complete; its data set is a Readable fed fragment by fragment. The reader
 * does not pull the next fragment while the data set's consumer is not reading, so a slow sink holds back the
 * association, the socket and the peer: memory stays bounded by a few PDUs whatever the size of the object.
 */
import { Readable } from 'node:stream';
import { DimseError } from '../errors';
import type { MessageFragment } from '../pdv/fragments';
import { PdvAssembler } from '../pdv/assembler';
import type { Pdv } from '../pdu/types';
import { decodeCommand } from './command';
import { NO_DATASET } from './command-field';
import type { DimseMessage } from './message';

/** A data set as it arrives: push-based; tells the reader when its consumer wants more. */
class IncomingDataset extends Readable {
  readonly complete: Promise<void>;
  settle!: (err?: Error) => void;

  constructor(private readonly onWant: () => void) {
    // A few PDVs of room, so that the reader is not stopped and restarted on every fragment.
    super({ highWaterMark: 256 * 1024 });
    this.complete = new Promise<void>((resolve, reject) => {
      this.settle = (err?: Error) => (err ? reject(err) : resolve());
    });
    // Callers that never look at `complete` must not see an unhandled rejection.
    this.complete.catch(() => {});
  }

  override _read(): void {
    this.onWant();
  }

  /** A consumer that destroys the data set no longer holds the reader back: the rest is dropped. */
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    cb(err);
    this.onWant();
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

export class DimseReader extends Readable {
  private readonly assembler = new PdvAssembler();
  private current: IncomingDataset | null = null;
  private currentContext = 0;
  /** The message consumer or the data set consumer asked us to wait. */
  private waitingForMessageConsumer = false;
  private waitingForDatasetConsumer = false;
  private ended = false;

  /**
   * Reads PDVs synchronously from `source` (the association's object-mode stream) as long as nobody downstream
   * asks to wait: no promise or async iteration per PDV, which is most of the cost of a small object.
   */
  constructor(private readonly source: Readable) {
    super({ objectMode: true, highWaterMark: 1 });
    source.on('readable', () => this.pull());
    source.on('end', () => this.finish());
    source.on('error', (err: Error) => this.fail(err));
    process.nextTick(() => this.pull());
  }

  override _read(): void {
    this.waitingForMessageConsumer = false;
    this.pull();
  }

  private pull(): void {
    try {
      while (!this.destroyed && !this.waitingForMessageConsumer && !this.waitingForDatasetConsumer) {
        const pdv = this.source.read() as Pdv | null;
        if (pdv === null) return;
        const frag = this.assembler.accept(pdv);
        if (frag) this.handle(frag);
      }
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private handle(frag: MessageFragment): void {
    if (frag.kind === 'command') {
      if (this.current) {
        throw new DimseError('DIMSE_INCOMPLETE_DATASET', 'a new command arrived before the last data fragment of the previous data set', { contextId: frag.contextId });
      }
      const command = decodeCommand(frag.command);
      let msg: DimseMessage;
      if (command.CommandDataSetType === NO_DATASET) {
        msg = { contextId: frag.contextId, command, dataset: null, complete: Promise.resolve() };
      } else {
        const ds = new IncomingDataset(() => {
          if (this.current === ds || !this.current) {
            this.waitingForDatasetConsumer = false;
            this.pull();
          }
        });
        this.current = ds;
        this.currentContext = frag.contextId;
        msg = { contextId: frag.contextId, command, dataset: ds, complete: ds.complete };
      }
      if (!this.push(msg)) this.waitingForMessageConsumer = true;
      return;
    }
    const ds = this.current;
    if (!ds) throw new DimseError('DIMSE_UNEXPECTED_DATA', 'data fragment for a command that announced no data set', { contextId: frag.contextId });
    if (frag.contextId !== this.currentContext) {
      throw new DimseError('PDV_CONTEXT_CHANGED', `data set fragment on context ${frag.contextId}, command was on ${this.currentContext}`, { contextId: frag.contextId });
    }
    // A consumer that gave up on the data set (destroyed it) still lets the message end cleanly: drop the bytes.
    if (!ds.destroyed && frag.data.length > 0 && !ds.push(frag.data)) this.waitingForDatasetConsumer = true;
    if (frag.last) {
      this.current = null;
      this.waitingForDatasetConsumer = false;
      if (!ds.destroyed) ds.push(null);
      ds.settle();
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.current) {
      const err = new DimseError('DIMSE_INCOMPLETE_DATASET', 'association ended in the middle of a data set');
      this.current.settle(err);
      abandon(this.current, err);
      this.current = null;
    }
    this.push(null);
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

  private fail(err: Error): void {
    this.current?.settle(err);
    if (this.current) abandon(this.current, err);
    this.current = null;
    this.destroy(err);
  }
}
