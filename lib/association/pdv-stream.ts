/**
 * The stream face of an association's incoming PDVs: an object-mode Readable fed by receivePdvs, holding the socket
 * back while it is full. For whoever works at the PDV level (tests, tools); services read messages (dimse/messages.ts).
 * It ends at a release; at a failure, after the PDVs already received, with the association's error.
 */
import { Readable } from 'node:stream';
import type { AssociationHandle, PdvSink } from './types';

/** PDVs buffered before the socket is held back. */
const PDVS_HIGH_WATER_MARK = 8;

export function pdvStream(assoc: Pick<AssociationHandle, 'receivePdvs' | 'pauseReading' | 'resumeReading'>): Readable {
  let pendingError: Error | null = null;
  const out = new Readable({
    objectMode: true,
    highWaterMark: PDVS_HIGH_WATER_MARK,
    read: () => assoc.resumeReading(),
  });
  // A consumer sees the error through for-await or pipeline; this keeps an unobserved stream from crashing the process.
  out.on('error', () => {});
  // Flowing mode and async iteration both go through read(): where a failure after buffered PDVs is delivered.
  const read = out.read.bind(out);
  out.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    const err = pendingError;
    if (err && out.readableLength === 0) {
      pendingError = null;
      process.nextTick(() => out.destroy(err));
    }
    return chunk;
  };
  const sink: PdvSink = {
    pdv: (pdv) => {
      if (!out.push(pdv) && !out.destroyed) assoc.pauseReading();
    },
    end: () => {
      out.push(null);
    },
    fail: (err) => {
      if (out.readableLength === 0) out.destroy(err);
      else pendingError = err;
    },
  };
  assoc.receivePdvs(sink);
  return out;
}
