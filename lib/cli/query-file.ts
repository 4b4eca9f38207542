/**
 * movescu's dcmfile-in: a DICOM file whose dataset is the C-MOVE identifier, with or without file meta, in any
 * uncompressed transfer syntax (or one guessed from its first bytes, as DCMTK does). Read through the tokenizer,
 * so even a large file given by mistake is read with bounded memory until the small-dataset limit refuses it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { DimseError } from '../errors';
import { ElementAssembler, sortAndDedupe, type DataElement } from '../dataset/codec/element';
import { readFileMeta } from '../dataset/part10/file-meta';
import type { DatasetToken } from '../dataset/codec/tokens';
import { DatasetTokenizer } from '../dataset/codec/tokenizer';

export interface ReadQueryFileOptions {
  /** Largest identifier accepted, in value bytes (default 16 MiB). */
  maxBytes?: number;
}

/**
 * Returns the top-level elements of the file's dataset (sorted by tag, first of duplicates kept, as DCMTK holds
 * them), sequences as nested items. Any failure is a DimseError with code QUERY_FILE_BAD whose message starts as
 * DCMTK 3.6.7 movescu's ("bad DICOM file: <path>: <reason>") and whose cause is the underlying error.
 */
export async function readQueryFile(path: string, options: ReadQueryFileOptions = {}): Promise<DataElement[]> {
  try {
    // DCMTK refuses an empty file ("End of stream"); an empty dataset after a meta header is fine.
    if ((await stat(path)).size === 0) {
      throw new DimseError('DATASET_TRUNCATED', 'End of stream (the file is empty)', { offset: 0, file: path });
    }
    const { meta, body } = await readFileMeta(createReadStream(path), { file: path });
    const tokenizer = new DatasetTokenizer({
      transferSyntax: meta.transferSyntax?.uid ?? meta.syntax,
      startOffset: meta.datasetOffset,
      file: path,
    });
    const assembler = new ElementAssembler({ maxBytes: options.maxBytes });
    const sink = new Writable({
      objectMode: true,
      write(token: DatasetToken, _enc, cb): void {
        try {
          assembler.push(token);
          cb();
        } catch (e) {
          cb(e as Error);
        }
      },
    });
    await pipeline(body, tokenizer, sink);
    // Group 0002 inside the dataset is not part of the identifier.
    return sortAndDedupe(assembler.elements().filter((e) => e.tag >>> 16 !== 0x0002));
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(`${path}: `, '') : String(e);
    const inner = e instanceof DimseError ? e.place : {};
    throw new DimseError('QUERY_FILE_BAD', `bad DICOM file: ${path}: ${reason}`, { ...inner, file: path }, { cause: e });
  }
}
