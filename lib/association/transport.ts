/**
 * The transport under one association: the socket, the PDU parser reading it and the PDU encoder writing to it.
 * It owns everything about the connection (what is written and not yet flushed, whether the reader is paused for a
 * slow consumer, whether the socket has closed) and turns it into three things the association's state machine
 * consumes: a PDU, a broken PDU (Evt19), the connection closed (Evt17). Deciding when the connection counts as
 * closed is done here and nowhere else.
 */
import type { Duplex } from 'node:stream';
import { DimseError } from '../errors';
import { AbortReason } from '../pdu/constants';
import { encodePdu } from '../pdu/encode';
import { PduParser } from '../pdu/pdu-parser';
import type { Pdu } from '../pdu/types';
import { quickAckFor } from './quick-ack';

export interface TransportEvents {
  pdu(pdu: Pdu): void;
  /** A PDU that cannot be read; the bytes after it mean nothing and are discarded. */
  broken(err: Error, abortReason: number): void;
  /** Evt17: the socket closed and every PDU that arrived before the close has been handed on. */
  closed(cause: Error | undefined): void;
  /** The socket itself is gone (after `closed`, or at any time once the association has ended). */
  socketGone(): void;
}

/** A-ABORT reason (PS3.8 table 9-26) for a decoding error of the PDU layer. */
function abortReasonFor(err: Error): number {
  const code = err instanceof DimseError ? err.code : '';
  return code === 'PDU_UNKNOWN_TYPE' ? AbortReason.UnrecognizedPdu : AbortReason.InvalidPduParameterValue;
}

export class Transport {
  private readonly parser: PduParser;
  private socketClosed = false;
  private socketError: Error | null = null;
  /**
   * The parser has seen the end of the bytes or a PDU it cannot read, or the association is over: what follows is
   * discarded (PDUs still in the chunk being parsed too).
   */
  private readerDone = false;
  private closedSent = false;
  private pausedForConsumer = false;
  private pendingWrites = 0;
  /** Leaves the kernel's delayed-ACK "ping-pong" mode (quick-ack.ts), where the optional addon is built. */
  private readonly quickAck: (() => void) | null;
  private flushWaiters: (() => void)[] = [];

  private on: TransportEvents | null = null;

  /** Reads nothing yet: the socket is read from start() on, by the association that consumes the PDUs. */
  constructor(private readonly socket: Duplex, maxPduLength: number) {
    this.parser = new PduParser({ maxPduLength });
    this.quickAck = quickAckFor(socket);
  }

  /** Whether the socket is already gone (nothing can be sent or received on it). */
  get isGone(): boolean {
    return this.socket.destroyed;
  }

  /** Starts reading: each PDU, a broken PDU and the close go to `on`, the one consumer. */
  start(on: TransportEvents): void {
    if (this.on) throw new Error('a transport has one consumer');
    this.on = on;
    const socket = this.socket;
    socket.on('error', (err: Error) => {
      this.socketError ??= err;
    });
    socket.on('close', () => {
      this.socketClosed = true;
      this.maybeClosed();
      on.socketGone();
    });
    // The way in starts here: each chunk the socket reads goes through the parser at once, and each PDU it completes
    // to the association's state machine, synchronously. Backpressure is one switch, the socket's pause().
    const emit = (pdu: Pdu): void => {
      if (!this.readerDone) on.pdu(pdu);
    };
    socket.on('data', (chunk: Buffer) => {
      if (this.readerDone) return;
      try {
        this.parser.parse(chunk, emit);
      } catch (err) {
        this.onReaderError(err as Error);
      }
    });
    socket.on('end', () => {
      if (this.readerDone) return;
      try {
        this.parser.end();
      } catch (err) {
        this.onReaderError(err as Error);
        return;
      }
      this.readerDone = true;
      this.maybeClosed();
    });
  }

  get isClosed(): boolean {
    return this.socketClosed;
  }

  /** The first socket error, if any (for the message of a lost connection). */
  get error(): Error | null {
    return this.socketError;
  }

  /**
   * Encodes and writes one PDU as one Buffer (one write: a PDU split over two can stall on Nagle against a delayed
   * ACK). Throws if the PDU cannot be encoded (nothing is written then); false if the socket is already closed.
   */
  send(pdu: Pdu): boolean {
    const bytes = encodePdu(pdu);
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    this.pendingWrites++;
    this.socket.write(bytes, () => {
      // Our answer has gone out soon after the peer's data: the kernel now delays ACKs ("ping-pong"), which can hold
      // the tail of the next object at a Nagle-on archive for 40 ms. Leave that mode at once.
      this.quickAck?.();
      this.pendingWrites--;
      if (this.pendingWrites === 0) for (const w of this.flushWaiters.splice(0)) w();
    });
    return true;
  }

  /** Runs `fn` once everything written so far has been handed to the system. */
  whenFlushed(fn: () => void): void {
    if (this.pendingWrites === 0) setImmediate(fn);
    else this.flushWaiters.push(fn);
  }

  /** Resolves when the socket takes more writes; rejects with `failure()` if it closes first. */
  afterWrite(resolve: () => void, reject: (e: Error) => void, failure: () => Error): void {
    const s = this.socket;
    if (!s.writableNeedDrain) {
      resolve();
      return;
    }
    const onDrain = (): void => {
      s.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      s.off('drain', onDrain);
      reject(failure());
    };
    s.once('drain', onDrain);
    s.once('close', onClose);
  }

  /** Backpressure: stop reading PDUs until `resumeForConsumer()`. */
  pauseForConsumer(): void {
    if (this.pausedForConsumer) return;
    this.pausedForConsumer = true;
    this.socket.pause();
  }

  resumeForConsumer(): void {
    if (!this.pausedForConsumer) return;
    this.pausedForConsumer = false;
    this.socket.resume();
  }

  /** Nobody consumes PDVs any more (Sta13, the end): keep reading so that PDUs are handled and the close is seen. */
  drain(): void {
    this.pausedForConsumer = false;
    this.socket.resume();
  }

  /** Ends our side; destroys the socket once what we wrote is flushed, or after `graceMs` at the latest. */
  close(graceMs: number): void {
    const s = this.socket;
    if (s.destroyed) return;
    if (!s.writableEnded) s.end();
    // A peer that never reads cannot hold us.
    this.whenFlushed(() => s.destroy());
    setTimeout(() => s.destroy(), graceMs).unref();
  }

  /** The association is over: stop handing PDUs on, and read (discarding) until the peer closes. */
  detach(): void {
    this.readerDone = true;
    this.socket.resume();
  }

  private onReaderError(err: Error): void {
    this.readerDone = true;
    // Bytes after a broken PDU mean nothing: discard them, but keep reading so the peer's close is seen.
    this.socket.resume();
    if ((err instanceof DimseError && err.code === 'PDU_TRUNCATED') || this.socketClosed) {
      // The peer closed in the middle of a PDU: a lost connection, not a PDU to answer.
      this.socketError ??= err;
      this.maybeClosed();
      return;
    }
    this.on?.broken(err, abortReasonFor(err));
  }

  /**
   * Evt17 once the socket is closed and every PDU that arrived before the close has been handled: a peer
   * that sends A-ABORT and closes at once must be seen as aborting, even while our consumer is slow.
   */
  private maybeClosed(): void {
    if (!this.socketClosed || this.closedSent) return;
    this.closedSent = true;
    this.on?.closed(this.socketError ?? undefined);
  }
}
