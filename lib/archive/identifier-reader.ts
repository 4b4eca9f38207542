/** Reads a small identifier data set (C-FIND / C-MOVE request) into query keys, with a bound on its size. */
import type { Readable } from 'node:stream';
import { DatasetParser } from '../dataset/codec/tokenizer';
import { ElementAssembler } from '../dataset/codec/element';
import { transferSyntaxInfo } from '../dataset/codec/transfer-syntax';
import { bytesToString } from '../dataset/codec/values';
import { isStringVr } from '../dataset/codec/vr';
import { DimseError } from '../errors';
import type { QueryKey } from './matching';

const MAX_IDENTIFIER_BYTES = 1024 * 1024;

export async function readQueryKeys(dataset: Readable, transferSyntaxUid: string): Promise<QueryKey[]> {
  const ts = transferSyntaxInfo(transferSyntaxUid);
  if (ts.deflated || !ts.uncompressed) {
    dataset.resume();
    throw new DimseError('IDENTIFIER_UNSUPPORTED_TS', `identifier in transfer syntax ${transferSyntaxUid} is not supported`);
  }
  const assembler = new ElementAssembler({ maxBytes: MAX_IDENTIFIER_BYTES });
  const parser = new DatasetParser(ts, (t) => assembler.push(t));
  let total = 0;
  for await (const chunk of dataset) {
    total += (chunk as Buffer).length;
    if (total > MAX_IDENTIFIER_BYTES) throw new DimseError('IDENTIFIER_TOO_LARGE', `identifier larger than ${MAX_IDENTIFIER_BYTES} bytes`);
    parser.write(chunk as Buffer);
  }
  parser.end();
  return assembler.elements()
    .filter((e) => Buffer.isBuffer(e.value))
    .map((e) => ({ tag: e.tag, vr: e.vr, value: isStringVr(e.vr) ? bytesToString(e.value as Buffer, e.vr, 'latin1') : '' }));
}
