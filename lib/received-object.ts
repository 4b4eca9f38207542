/**
 * A received C-STORE object on its way to a sink: the contract between the store service, user stages and sinks
 * (below all three, so that none imports another). The store service sends the C-STORE-RSP only when the last
 * stage settles the object: accept() once it is safe (on disk under its final name, or handed on to an output),
 * reject() with the reason otherwise; the store service turns the reason into a DIMSE status (a sink or stage never
 * picks one). Settling twice is ignored: the first answer is the one sent.
 */
import type { Readable } from 'node:stream';

/**
 * Why an object could not be kept. The store service answers (PS3.4 B.2.3): 'out-of-resources' 0xA700 (a write
 * failed, the output is gone, a stage refused it), 'cannot-understand' 0xC000 (the data set cannot be read),
 * 'does-not-match' 0xA900 (the data set contradicts its command: another SOP instance or class).
 */
export type StoreFailureReason = 'out-of-resources' | 'cannot-understand' | 'does-not-match';

export type StoreOutcome =
  | { stored: true }
  | { stored: false; reason: StoreFailureReason; comment?: string };

export interface ReceivedObjectInfo {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** AE title of the peer that sent the object (the archive for a C-MOVE). */
  callingAeTitle: string;
  /** Our AE title as the peer addressed us. */
  calledAeTitle: string;
  messageId: number;
  moveOriginatorAeTitle?: string;
  moveOriginatorMessageId?: number;
}

export interface ReceivedObject extends ReceivedObjectInfo {
  /** The data set's bytes, in `transferSyntaxUid`, exactly as received. Read it to its end, or destroy it. */
  body: Readable;
  /** The object is safe: the store service answers success. */
  accept(): void;
  /** The object could not be kept (default reason: out of resources). */
  reject(reason?: StoreFailureReason, comment?: string): void;
  readonly settled: Promise<StoreOutcome>;
}

export function createReceivedObject(info: ReceivedObjectInfo, body: Readable): ReceivedObject {
  let settle!: (o: StoreOutcome) => void;
  const settled = new Promise<StoreOutcome>((resolve) => { settle = resolve; });
  let done = false;
  const once = (o: StoreOutcome): void => {
    if (done) return;
    done = true;
    settle(o);
  };
  return {
    ...info,
    body,
    settled,
    accept: () => once({ stored: true }),
    reject: (reason: StoreFailureReason = 'out-of-resources', comment?: string) => once({ stored: false, reason, comment }),
  };
}

