/**
 * The stream face of an association's incoming PDVs: an object-mode Readable fed by receivePdvs, holding the socket
 * back while it is full. For whoever works at the PDV level (tests, tools); services read messages (dimse/reader.ts).
 * It ends at a release; at a failure, after the PDVs already received, with the association's error.
 */
import type { Readable } from 'node:stream';
import { OrderedReadable } from './ordered-readable';
import type { AssociationHandle } from './types';

/** PDVs buffered before the socket is held back. */
const PDVS_HIGH_WATER_MARK = 8;

export function pdvStream(assoc: Pick<AssociationHandle, 'receivePdvs' | 'pauseReading' | 'resumeReading'>): Readable {
  const out = new OrderedReadable({ objectMode: true, highWaterMark: PDVS_HIGH_WATER_MARK, read: () => assoc.resumeReading() });
  // A consumer sees the error through for-await or pipeline; this keeps an unobserved stream from crashing the process.
  out.on('error', () => {});
  assoc.receivePdvs({
    pdv: (pdv) => {
      if (!out.push(pdv) && !out.destroyed) assoc.pauseReading();
    },
    end: () => out.push(null),
    fail: (err) => out.failAfterBuffered(err),
  });
  return out;
}
