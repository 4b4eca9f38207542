/**
 * convertDataset: dataset bytes in one transfer syntax → dataset bytes in another, with DCMTK's output options
 * (movescu / dcmconv: +t? +g= +g -g +e -e +p -p +u -u +cl), as a stream in bounded memory:
 * bytes → DatasetTokenizer → DatasetWriter → raw deflate (deflated output only).
 *
 * Deflated output is zlib's raw deflate (no zlib header, as DCMTK's +bd default) at compressionLevel with zlib's
 * defaults otherwise (window 15, memLevel 8, default strategy), which is what DCMTK's DcmZLibOutputFilter asks for.
 */
import { PassThrough, Transform, pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DimseError } from '../../errors';
import { SequenceSorter } from './sequence-sorter';
import { inTagOrder, sortTokens } from './sort-tokens';
import { DatasetParser, DatasetTokenizer } from './tokenizer';
import type { DatasetToken } from './tokens';
import { transferSyntaxInfo } from './transfer-syntax';
import { DatasetEncoder, DatasetWriter, type WriteOptions } from './writer';

export type { WriteOptions } from './writer';

export interface ConvertOptions extends WriteOptions {
  /** File name for errors. */
  file?: string;
  /**
   * For deflated output: leave the bytes inflated (the caller deflates them itself, e.g. in one synchronous call
   * for a small object, which saves the thread-pool round trips of a zlib stream).
   */
  skipDeflate?: boolean;
  /** Passed to the tokenizer (see DatasetTokenizerOptions.strictLengths). */
  strictLengths?: boolean | 'value-size';
  /** Values longer than this are streamed through the writer, not held (default 256 KiB). */
  maxHeldValue?: number;
  /** convertBuffer: called with DCMTK's warning for each element out of tag order or repeated (see sort-tokens.ts). */
  onReorder?: (warning: string) => void;
  /** convertDataset: put the elements inside each top-level sequence in tag order (SequenceSorter). */
  sortSequences?: boolean;
  /** Called with each tolerated anomaly of the input (odd lengths, ...), as the tokenizer's 'warning' events. */
  onWarning?: (warning: DimseError) => void;
  /** Sees every token of the input as it is read (e.g. a TagOrderCheck, a SopIdentity). */
  observe?: (token: DatasetToken) => void;
  /**
   * Sees every token in the order it is written: convertBuffer, elements in tag order, after the input is read;
   * convertDataset, after the sequences are sorted (sortSequences).
   */
  observeWritten?: (token: DatasetToken) => void;
  /** Called with the writer, e.g. to read its peakHeldBytes in a test. */
  onWriter?: (writer: DatasetWriter) => void;
}

/**
 * Converts a dataset stream. Errors of the input, the tokenizer (bad data) or the writer (e.g. encapsulated
 * pixel data to an uncompressed syntax) destroy the returned stream with that error; tokenizer warnings
 * (odd lengths, ...) are re-emitted on it as 'warning' events.
 */
export function convertDataset(input: Readable, inputTransferSyntax: string, options: ConvertOptions): Readable {
  const out = new PassThrough();
  const inTs = transferSyntaxInfo(inputTransferSyntax);
  const outTs = transferSyntaxInfo(options.transferSyntax);
  const level = options.compressionLevel;
  if (outTs.deflated && (!Number.isInteger(level) || level < 0 || level > 9)) {
    process.nextTick(() => out.destroy(new DimseError('WRITER_BAD_OPTION', `compression level ${level} must be 0..9`, { offset: 0, file: options.file })));
    return out;
  }
  let tokenizer: DatasetTokenizer;
  let writer: DatasetWriter;
  try {
    tokenizer = new DatasetTokenizer({ transferSyntax: inTs.uid, file: options.file, strictLengths: options.strictLengths });
    writer = new DatasetWriter({
      ...options,
      implicitInput: !inTs.explicitVr,
      inputTransferSyntax: inTs.uid,
    });
  } catch (e) {
    process.nextTick(() => out.destroy(e instanceof Error ? e : new Error(String(e))));
    return out;
  }
  options.onWriter?.(writer);
  tokenizer.on('warning', (w: DimseError) => { options.onWarning?.(w); out.emit('warning', w); });
  const observe = options.observe;
  if (observe) tokenizer.on('data', (t: DatasetToken) => observe(t));
  const written = options.observeWritten;
  const tap = written ? [new Transform({ objectMode: true, transform(t: DatasetToken, _e, cb) { written(t); cb(null, t); } })] : [];
  const stages: (Readable | Transform)[] = options.sortSequences ? [input, tokenizer, new SequenceSorter(), ...tap, writer] : [input, tokenizer, ...tap, writer];
  if (outTs.deflated && !options.skipDeflate) stages.push(zlib.createDeflateRaw({ level }));
  pipeline([...stages, out], (err) => {
    if (err && !out.destroyed) out.destroy(err);
  });
  return out;
}

/**
 * The same conversion, synchronous, for a dataset held in memory (a small received object, as one buffer or the
 * chunks it arrived in: large values leave as slices of them, never copied): no stream, zlib
 * stream or callback per object, whose set-up costs more than the conversion itself on a CT image. Unlike
 * convertDataset, it puts elements out of tag order in order and drops repeated ones, as DCMTK does. Deflated
 * input is not taken here (its inflated size is not bounded by the input's): use convertDataset. Returns the
 * output chunks (deflated output: one chunk); throws the DimseError convertDataset would fail with.
 */
export function convertBuffer(data: Buffer | readonly Buffer[], inputTransferSyntax: string, options: ConvertOptions): Buffer[] {
  const inTs = transferSyntaxInfo(inputTransferSyntax);
  const outTs = transferSyntaxInfo(options.transferSyntax);
  const level = options.compressionLevel;
  if (inTs.deflated) {
    throw new DimseError('WRITER_BAD_OPTION', 'convertBuffer does not read deflated input: use convertDataset', { offset: 0, file: options.file });
  }
  if (outTs.deflated && (!Number.isInteger(level) || level < 0 || level > 9)) {
    throw new DimseError('WRITER_BAD_OPTION', `compression level ${level} must be 0..9`, { offset: 0, file: options.file });
  }
  const out: Buffer[] = [];
  const encoder = new DatasetEncoder({
    ...options,
    implicitInput: !inTs.explicitVr,
    inputTransferSyntax: inTs.uid,
  }, (b) => out.push(b));
  // The tokens are held (values are slices of `data`): elements out of tag order are put in order first, as DCMTK
  // stores them when it reads (sort-tokens.ts); the streaming convertDataset keeps the order it is given.
  const tokens: DatasetToken[] = [];
  const parser = new DatasetParser(
    { explicitVr: inTs.explicitVr, littleEndian: inTs.littleEndian },
    options.observe ? (t) => { options.observe?.(t); tokens.push(t); } : (t) => tokens.push(t),
    { file: options.file, strictLengths: options.strictLengths },
    options.onWarning,
  );
  for (const chunk of Buffer.isBuffer(data) ? [data] : data) parser.write(chunk);
  parser.end();
  let ordered = tokens;
  if (!inTagOrder(tokens)) {
    const sorted = sortTokens(tokens);
    for (const w of sorted.warnings) options.onReorder?.(w);
    ordered = sorted.tokens;
  }
  const written = options.observeWritten;
  if (written) for (const t of ordered) { written(t); encoder.write(t); }
  else for (const t of ordered) encoder.write(t);
  encoder.end();
  return outTs.deflated && !options.skipDeflate ? [zlib.deflateRawSync(Buffer.concat(out), { level })] : out;
}
