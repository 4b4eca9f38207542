/**
 * What a sink writes for each object, in DCMTK's terms: the bytes as received (+B), or DCMTK's "normal" mode (-B),
 * which re-encodes with the output options (+t*, +g*, +e/-e, +p, +u/-u, +cl). In normal mode with every option at
 * its default, most data sets would come out byte for byte as received; those take the fast path (the bytes are
 * written untouched, a token check runs alongside) and only the others are converted.
 */
import type { WriteOptions } from '../dataset/codec/writer';
import { transferSyntaxInfo } from '../dataset/codec/transfer-syntax';

export type OutputMode =
  | { kind: 'bit-preserving' }
  /** `write` holds the options given; anything absent is DCMTK's default; no transferSyntax means "same as received". */
  | { kind: 'normal'; write?: Partial<WriteOptions> };

export const DEFAULT_WRITE: Omit<WriteOptions, 'transferSyntax'> = {
  groupLength: 'recalc',
  sequenceLength: 'explicit',
  enableNewVr: true,
  compressionLevel: 6,
};

export type Plan =
  | { path: 'raw' }
  | { path: 'check'; write: WriteOptions }
  | { path: 'convert'; write: WriteOptions };

/** How one object with this transfer syntax is written. */
export function planFor(mode: OutputMode, receivedTs: string): Plan {
  if (mode.kind === 'bit-preserving') return { path: 'raw' };
  const given = mode.write ?? {};
  const write: WriteOptions = { ...DEFAULT_WRITE, ...given, transferSyntax: given.transferSyntax ?? receivedTs };
  const defaults = write.transferSyntax === receivedTs
    && write.groupLength === 'recalc' && write.sequenceLength === 'explicit' && !write.padding && write.enableNewVr;
  // A deflated data set is always re-deflated by DCMTK, so its bytes change whatever the options.
  if (!defaults || transferSyntaxInfo(receivedTs).deflated) return { path: 'convert', write };
  return { path: 'check', write };
}

/** The transfer syntax an object received in `receivedTs` is written in (a multipart part's content type names it). */
export function writtenTransferSyntax(mode: OutputMode, receivedTs: string): string {
  const plan = planFor(mode, receivedTs);
  return plan.path === 'raw' ? receivedTs : plan.write.transferSyntax;
}
