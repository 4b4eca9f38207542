/** An association's incoming PDVs as one stream per association, for tests that work at the PDV level. */
import type { Readable } from 'node:stream';
import { pdvStream } from '../../lib/association/pdv-stream';
import type { AssociationHandle } from '../../lib/association/types';

const streams = new WeakMap<AssociationHandle, Readable>();

export function pdvsOf(h: AssociationHandle): Readable {
  let s = streams.get(h);
  if (!s) streams.set(h, (s = pdvStream(h)));
  return s;
}
