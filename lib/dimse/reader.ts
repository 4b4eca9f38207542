/**
 * DimseReader: the association's PDVs in, DimseMessage objects out; the stream face of the message parser. A
 * message with a data set is handed on as soon as its command is complete; its data set is a Readable that each
 * fragment is pushed into as its PDU is parsed from the socket. Backpressure is push()'s answer: when the messages
 * or the current data set have as much as they hold, the reader pauses the association's reading (the socket, and
 * so the peer); their consumer's next read lets it go. Memory stays bounded by a socket read or two whatever the
 * size of the object.
 */
import { Readable } from 'node:stream';
import { DimseError } from '../errors';
import { OrderedReadable } from '../association/ordered-readable';
import type { AssociationHandle, PdvSink } from '../association/types';
import type { Pdv } from '../pdu/types';
import { MessageParser, type MessagePart, type MessageParserOptions } from './message-parser';
import type { DimseMessage } from './message';

/**
 * A data set as it arrives. Emits 'fragment' (byte count) for each PDV received, before its bytes are pushed. The
 * PDVs of a small object often come in the same socket read as its command, before the consumer has the message:
 * their counts wait for the first 'fragment' listener (DCMTK prints a progress dot per PDV, and so do we).
 */
class IncomingDataset extends Readable {
  readonly complete: Promise<void>;
  settle!: (err?: Error) => void;
  private unseen: number[] = [];

  /**
   * `wanted`: the consumer reads again, has read it all ('end': an ended stream asks for no more reads), or gave
   * up on it: the association may read again.
   */
  constructor(private readonly wanted: (ds: IncomingDataset) => void) {
    // A few PDVs of room: with one PDV (the 16 KiB default) nearly every fragment would hold the socket back.
    super({ highWaterMark: 64 * 1024 });
    this.complete = new Promise<void>((resolve, reject) => {
      this.settle = (err?: Error) => (err ? reject(err) : resolve());
    });
    // Callers that never look at `complete` must not see an unhandled rejection.
    this.complete.catch(() => {});
    // A data set can fail before its consumer has looked at it (the peer aborts in the same socket read as the
    // command), or after its consumer gave up on it: either way the error stays on the stream (`errored`, which
    // pipeline and finished() report) without becoming an uncaught exception.
    this.on('error', () => {});
    this.on('end', () => wanted(this));
    this.on('newListener', (event: string) => {
      if (event !== 'fragment' || this.unseen.length === 0) return;
      // After the listener is added (newListener runs before), and before anything the consumer awaits resolves.
      process.nextTick(() => {
        const counts = this.unseen;
        this.unseen = [];
        for (const n of counts) this.emit('fragment', n);
      });
    });
  }

  fragment(bytes: number): void {
    if (this.listenerCount('fragment') > 0 && this.unseen.length === 0) this.emit('fragment', bytes);
    else this.unseen.push(bytes);
  }

  override _read(): void {
    this.wanted(this);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.wanted(this);
    cb(err);
  }
}

export type DimseReaderOptions = MessageParserOptions;

type Incoming = Pick<AssociationHandle, 'receivePdvs' | 'pauseReading' | 'resumeReading'>;

/**
 * Every service reads an association's messages through one of these: it names itself the association's PDV sink.
 * An error of the association (an A-ABORT, a lost connection) ends the messages with that error, after those already
 * received; a broken fragment or message rule does the same from the parser.
 */
export class DimseReader extends OrderedReadable {
  private readonly parser: MessageParser;
  private current: IncomingDataset | null = null;
  /** What holds the socket back: the messages not yet read, a data set whose consumer is behind. */
  private messagesFull = false;
  private fullDataset: IncomingDataset | null = null;
  private paused = false;
  /** The PDVs have ended (a release, a failure, or a broken rule here): what still comes is dropped. */
  private over = false;
  private readonly emitPart = (part: MessagePart): void => this.onPart(part);

  constructor(private readonly assoc: Incoming, options: DimseReaderOptions = {}) {
    super({ objectMode: true, highWaterMark: 1 });
    this.parser = new MessageParser(options);
    // The error reaches whoever reads (nextMessage, iteration); a service that stopped before its first read (its
    // request failed: the peer aborted) must not crash the process with an unhandled 'error'.
    this.on('error', () => {});
    const sink: PdvSink = {
      pdv: (pdv) => this.onPdv(pdv),
      end: () => this.onEnd(),
      fail: (err) => this.fail(err),
    };
    assoc.receivePdvs(sink);
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
    this.messagesFull = false;
    this.updateReading();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    // Nobody reads messages any more: drop what comes (the service ends the association) rather than hold the socket.
    this.over = true;
    this.messagesFull = false;
    this.fullDataset = null;
    this.updateReading();
    cb(err);
  }

  private onPdv(pdv: Pdv): void {
    if (this.over) return;
    try {
      this.parser.accept(pdv, this.emitPart);
    } catch (err) {
      // A broken fragment or message rule ends the reader with that error.
      this.fail(err as Error);
    }
  }

  private onPart(part: MessagePart): void {
    if (part.kind === 'command') {
      let msg: DimseMessage;
      if (part.hasDataset) {
        const ds = new IncomingDataset((d) => this.datasetWanted(d));
        this.current = ds;
        msg = { contextId: part.contextId, command: part.command, uidsWithSpaces: part.uidsWithSpaces, dataset: ds, complete: ds.complete };
      } else {
        msg = { contextId: part.contextId, command: part.command, uidsWithSpaces: part.uidsWithSpaces, dataset: null, complete: Promise.resolve() };
      }
      if (!this.push(msg)) this.messagesFull = true;
      this.updateReading();
      return;
    }
    const ds = this.current as IncomingDataset;
    // One 'fragment' event per PDV, whoever reads the bytes (progress, as DCMTK's per-PDV store callback).
    ds.fragment(part.data.length);
    // A consumer that gave up on the data set (destroyed it) still lets the message end cleanly: drop the bytes.
    if (!ds.destroyed && part.data.length > 0 && !ds.push(part.data)) this.fullDataset = ds;
    if (part.last) {
      this.current = null;
      if (!ds.destroyed) ds.push(null);
      ds.settle();
    }
    this.updateReading();
  }

  private datasetWanted(ds: IncomingDataset): void {
    if (this.fullDataset !== ds) return;
    this.fullDataset = null;
    this.updateReading();
  }

  /** Pauses or resumes the association's reading after a change in what holds it back. */
  private updateReading(): void {
    const hold = !this.over && (this.messagesFull || this.fullDataset !== null);
    if (hold === this.paused) return;
    this.paused = hold;
    if (hold) this.assoc.pauseReading();
    else this.assoc.resumeReading();
  }

  private onEnd(): void {
    if (this.over) return;
    this.over = true;
    if (this.current) {
      const err = new DimseError('DIMSE_INCOMPLETE_DATASET', 'association ended in the middle of a data set');
      this.current.settle(err);
      this.current.destroy(err);
      this.current = null;
    }
    this.push(null);
    this.updateReading();
  }

  /** Ends the messages with `err`, after those already pushed; the data set being received fails at once. */
  private fail(err: Error): void {
    if (this.over && this.readableEnded) return;
    this.over = true;
    this.current?.settle(err);
    this.current?.destroy(err);
    this.current = null;
    this.fullDataset = null;
    this.failAfterBuffered(err);
    this.updateReading();
  }
}
