/**
 * Where the association puts the PDVs it receives: straight into the sink a service named (receivePdvs), or, until
 * one is named, into a short queue (the peer may send its first request before the service has asked for it). The
 * PDVs end once: at a release or a failure, whichever comes first, after every PDV received before it.
 */
import type { Pdv } from '../pdu/types';
import type { PdvSink } from './types';

/** PDVs queued before a sink is named; past this the socket is held back. */
const QUEUE_BEFORE_PAUSE = 8;

export interface ReadingSwitch {
  pause(): void;
  resume(): void;
}

export class PdvInbox {
  private sink: PdvSink | null = null;
  private queued: Pdv[] = [];
  private pausedForQueue = false;
  /** How the PDVs ended, while no sink was named. */
  private ending: { err: Error | null } | null = null;
  private ended = false;

  constructor(private readonly reading: ReadingSwitch) {}

  attach(sink: PdvSink): void {
    if (this.sink) throw new Error('the PDVs of an association go to one sink');
    this.sink = sink;
    if (this.pausedForQueue) {
      // Resumed before the queue is handed over: the socket delivers nothing before the next turn, and the sink
      // may hold it back again while it takes the queue.
      this.pausedForQueue = false;
      this.reading.resume();
    }
    const queued = this.queued;
    this.queued = [];
    for (const v of queued) sink.pdv(v);
    const ending = this.ending;
    this.ending = null;
    if (ending) this.deliverEnd(sink, ending.err);
  }

  deliver(pdv: Pdv): void {
    if (this.ended) return;
    if (this.sink) {
      this.sink.pdv(pdv);
      return;
    }
    this.queued.push(pdv);
    if (this.queued.length >= QUEUE_BEFORE_PAUSE && !this.pausedForQueue) {
      this.pausedForQueue = true;
      this.reading.pause();
    }
  }

  /** The PDVs end here (a release). */
  finish(): void {
    this.end(null);
  }

  /** The PDVs end with `err`. */
  fail(err: Error): void {
    this.end(err);
  }

  private end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sink) this.deliverEnd(this.sink, err);
    else this.ending = { err };
  }

  private deliverEnd(sink: PdvSink, err: Error | null): void {
    if (err) sink.fail(err);
    else sink.end();
  }
}
