/**
 * A received C-STORE object on its way to a sink. The store service sends the C-STORE-RSP only when the last
 * stage settles the object: accept() once it is safe (on disk under its final name, or taken by a user stage),
 * reject() with a failure status otherwise. Settling twice is ignored: the first answer is the one sent.
 */
import type { Readable } from 'node:stream';
import { Status } from '../dimse/status';

export interface StoreOutcome {
  status: number;
  comment?: string;
}

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
  /** The object could not be kept: the store service answers this failure status (default 0xA700, out of resources). */
  reject(status?: number, comment?: string): void;
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
    accept: () => once({ status: Status.Success }),
    reject: (status: number = Status.StoreOutOfResources, comment?: string) => once({ status, comment }),
  };
}
