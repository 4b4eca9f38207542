/**
 * The DICOM JSON (PS3.18 F.2) form of one received object, as one line: the body's tokens through the
 * DicomJsonEncoder into a target (memory, then a temporary file past 2 MiB), so that a line is handed on only when
 * complete: a data set that fails half-way leaves no half line in the output.
 */
import { pipeline } from 'node:stream/promises';
import { DatasetTokenizer } from '../dataset/codec/tokenizer';
import { DicomJsonEncoder, type JsonBulkDataOptions } from '../dataset/codec/json-encoder';
import type { JsonBufferPool } from './json-buffers';
import type { ReceivedObject } from '../received-object';
import type { Part10Target } from './part10-writer';
import { spillWriter } from './spill';

export interface JsonOptions {
  /** Binary values over a threshold to files, referred to by BulkDataURI (default: all InlineBinary). */
  bulkData?: JsonBulkDataOptions;
}

/** `buffers`: where the text is written (the caller hands back what `target` has written out); new ones if absent. */
export async function writeJson(obj: ReceivedObject, opts: JsonOptions, target: Part10Target, buffers?: JsonBufferPool): Promise<void> {
  await pipeline(
    obj.body,
    new DatasetTokenizer({ transferSyntax: obj.transferSyntaxUid, strictLengths: 'value-size' }),
    new DicomJsonEncoder({ inputTransferSyntax: obj.transferSyntaxUid, bulkData: opts.bulkData, outputBuffers: buffers }),
    spillWriter(target, undefined, buffers && ((chunks) => buffers.release(chunks))),
  );
}
