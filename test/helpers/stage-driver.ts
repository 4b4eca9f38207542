/**
 * Drives a user stage in tests: ReceivedObjects (createReceivedObject) go through the stage into a sink that reads
 * each body to its end (hashing it, optionally keeping the bytes) and accepts it, or rejects it when the body fails.
 */
import { createHash } from 'node:crypto';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createReceivedObject, type ReceivedObject, type ReceivedObjectInfo } from '../../lib/received-object';
import { storeResponseStatus } from '../../lib/services/store-scp';

export function receivedObject(body: Readable | Buffer | Buffer[], info: Partial<ReceivedObjectInfo> & { transferSyntaxUid: string }): ReceivedObject {
  const stream = body instanceof Readable ? body : Readable.from(Buffer.isBuffer(body) ? [body] : body, { objectMode: false });
  return createReceivedObject({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
    sopInstanceUid: '1.2.3.4',
    callingAeTitle: 'ARCHIVE',
    calledAeTitle: 'MOVESCU',
    messageId: 1,
    ...info,
  }, stream);
}

export interface Delivered {
  obj: ReceivedObject;
  sha256: string;
  length: number;
  /** The body's bytes (when kept). */
  bytes?: Buffer;
  /** The body failed with this error (the sink rejected the object). */
  error?: Error;
}

export interface StageRun {
  delivered: Delivered[];
  /** The outcome of every object given, in order (whoever settled it). */
  /** What the store service answers for each object: its status and error comment. */
  outcomes: { status: number; comment?: string }[];
}

/** Pushes `objects` through `stages` into a reading sink; resolves when the pipeline and every object are done. */
export async function runStages(objects: ReceivedObject[], stages: Transform[], opts: { keep?: boolean; onChunk?: () => void } = {}): Promise<StageRun> {
  const delivered: Delivered[] = [];
  const sink = new Writable({
    objectMode: true,
    write(obj: ReceivedObject, _e, cb): void {
      const hash = createHash('sha256');
      const parts: Buffer[] = [];
      const d: Delivered = { obj, sha256: '', length: 0 };
      // Async iteration, as a sink would read: it also sees a body that failed before it was read.
      (async () => {
        try {
          for await (const c of obj.body as AsyncIterable<Buffer>) {
            hash.update(c);
            d.length += c.length;
            if (opts.keep) parts.push(c);
            opts.onChunk?.();
          }
          d.sha256 = hash.digest('hex');
          if (opts.keep) d.bytes = Buffer.concat(parts);
          obj.accept();
        } catch (e) {
          d.error = e as Error;
          obj.reject();
        }
        delivered.push(d);
      })().then(() => cb(), cb);
    },
  });
  await pipeline([Readable.from(objects, { objectMode: true }), ...stages, sink]);
  const outcomes = (await Promise.all(objects.map((o) => o.settled))).map((o) => {
    const r = storeResponseStatus(o);
    return { status: r.Status, comment: o.stored ? undefined : o.comment };
  });
  return { delivered, outcomes };
}
