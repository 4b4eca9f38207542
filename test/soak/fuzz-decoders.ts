/**
 * Soak phase 1: fast-check inputs into every decoder a peer's bytes reach. Random bytes, and valid encodings with
 * bytes changed, cut off, or cut into chunks as a socket delivers them, go into decodePdu, the PduReader, decodeCommand,
 * the DatasetParser in the four uncompressed syntaxes, the DatasetTokenizer on deflated data, parseFileMeta (then the
 * data set it announces) and the PDV assembler. Each case ends ok, in a DimseError (counted by code), or in a crash:
 * any other exception, or a DimseError that does not name where it happened (a byte offset; a context id for the
 * PDV assembler). A streaming decoder that neither ends nor fails within the deadline is a hang.
 *
 * Cases are drawn in batches with fc.sample and seeds derived from the soak's seed, so a failure names the
 * (seed, target, batch, index) that replays it.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { DimseError } from '../../lib/errors';
import { PduReader, decodePdu, encodePdu, emptyUserInformation, type Pdu } from '../../lib/pdu';
import { encodeCommand, decodeCommand, type Command } from '../../lib/dimse/command';
import { DatasetParser, DatasetTokenizer } from '../../lib/dataset/codec/tokenizer';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import { encodeFileMeta, parseFileMeta } from '../../lib/dataset/part10/file-meta';
import { lookupKeyword } from '../../lib/dataset/dictionary/dictionary';
import type { DataElement } from '../../lib/dataset/codec/element';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_BE, EXPLICIT_LE, EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_LE,
  IMPLICIT_VR_LITTLE_ENDIAN, type DatasetSyntax,
} from '../../lib/dataset/codec/transfer-syntax';
import { PdvAssembler } from '../../lib/pdv/assembler';
import type { Pdv } from '../../lib/pdu/types';
import { bytes, cut, mutation, uid } from '../helpers/property';
import { countError, newStats, noteFailure, type PhaseStats } from './stats';

const IMPLICIT_BE: DatasetSyntax = { explicitVr: false, littleEndian: false };

export const DECODER_TARGETS = [
  'decodePdu', 'PduReader', 'decodeCommand', 'dataset-implicit-le', 'dataset-explicit-le', 'dataset-explicit-be',
  'dataset-implicit-be', 'dataset-deflated', 'parseFileMeta', 'PdvAssembler',
] as const;
export type DecoderTarget = (typeof DECODER_TARGETS)[number];

/** One input: the bytes (or PDVs for the assembler) and where a socket would cut them. */
interface Input { bytes: Buffer; points: number[]; pdvs?: Pdv[] }

// ---- valid encodings to damage ------------------------------------------------------------------------------

const ae = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'), minLength: 1, maxLength: 16 });
const u16 = fc.integer({ min: 0, max: 0xffff });

const pdu: fc.Arbitrary<Pdu> = fc.oneof(
  fc.record({
    called: ae, calling: ae, max: fc.nat(), impl: uid, ctx: fc.array(fc.tuple(uid, fc.array(uid, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }),
    roles: fc.array(fc.record({ sopClassUid: uid, scuRole: fc.boolean(), scpRole: fc.boolean() }), { maxLength: 2 }), rq: fc.boolean(),
  }).map(({ called, calling, max, impl, ctx, roles, rq }): Pdu => {
    const userInfo = { ...emptyUserInformation(), maxPduLength: max, implementationClassUid: impl, implementationVersionName: 'SOAK', roleSelections: roles };
    const base = { protocolVersion: 1, calledAeTitle: called, callingAeTitle: calling, applicationContext: '1.2.840.10008.3.1.1.1', userInfo };
    return rq
      ? { type: 'A-ASSOCIATE-RQ', ...base, presentationContexts: ctx.map(([a, ts], i) => ({ id: 2 * i + 1, abstractSyntax: a, transferSyntaxes: ts })) }
      : { type: 'A-ASSOCIATE-AC', ...base, presentationContexts: ctx.map(([, ts], i) => ({ id: 2 * i + 1, result: i % 5, transferSyntax: ts[0]! })) };
  }),
  fc.record({ result: fc.integer({ min: 1, max: 2 }), source: fc.integer({ min: 1, max: 3 }), reason: fc.integer({ min: 0, max: 7 }) })
    .map((r): Pdu => ({ type: 'A-ASSOCIATE-RJ', ...r })),
  fc.array(fc.record({ contextId: fc.integer({ min: 1, max: 255 }), isCommand: fc.boolean(), isLast: fc.boolean(), data: bytes(200) }), { minLength: 1, maxLength: 4 })
    .map((pdvs): Pdu => ({ type: 'P-DATA-TF', pdvs })),
  fc.constant<Pdu>({ type: 'A-RELEASE-RQ' }),
  fc.constant<Pdu>({ type: 'A-RELEASE-RP' }),
  fc.record({ source: fc.constantFrom(0, 2), reason: fc.integer({ min: 0, max: 6 }) }).map((r): Pdu => ({ type: 'A-ABORT', ...r })),
);
const pduStream = fc.array(pdu, { minLength: 1, maxLength: 3 }).map((ps) => Buffer.concat(ps.map((p) => encodePdu(p))));

const command: fc.Arbitrary<Buffer> = fc.record({
  CommandField: fc.constantFrom(0x0001, 0x8001, 0x0021, 0x8021, 0x0030, 0x8030, 0x0fff), CommandDataSetType: fc.constantFrom(0x0101, 0x0000),
  MessageID: u16, MessageIDBeingRespondedTo: u16, AffectedSOPClassUID: uid, AffectedSOPInstanceUID: uid, MoveDestination: ae,
  Priority: u16, Status: u16, ErrorComment: fc.constantFrom('bad', 'worse'), NumberOfRemainingSuboperations: u16,
  MoveOriginatorApplicationEntityTitle: ae, MoveOriginatorMessageID: u16,
}, { requiredKeys: ['CommandField', 'CommandDataSetType'] }).map((c) => encodeCommand({ ...c } as Command));

function tagOf(keyword: string): number {
  const e = lookupKeyword(keyword);
  if (!e) throw new Error(`no ${keyword} in the dictionary`);
  return e.tag;
}
/** A few elements of distinct VRs (strings, binary of each width, AT, UN) and two sequences. */
const LEAVES: { tag: number; vr: string; unit: number }[] = [
  ['PatientName', 'PN', 1], ['PatientID', 'LO', 1], ['SOPInstanceUID', 'UI', 1], ['StudyDate', 'DA', 1], ['SliceThickness', 'DS', 1],
  ['Rows', 'US', 2], ['SelectorULValue', 'UL', 4], ['SelectorFDValue', 'FD', 8], ['SelectorATValue', 'AT', 4], ['SelectorUNValue', 'UN', 1],
  ['SelectorOBValue', 'OB', 1], ['SelectorOWValue', 'OW', 2], ['ImageComments', 'LT', 1],
].map(([k, vr, unit]) => ({ tag: tagOf(k as string), vr: vr as string, unit: unit as number }));
const SEQUENCES = ['ReferencedSeriesSequence', 'ReferencedImageSequence', 'ContentSequence'].map(tagOf);

const leaf: fc.Arbitrary<DataElement> = fc.tuple(fc.constantFrom(...LEAVES), fc.nat({ max: 24 }))
  .chain(([e, n]) => fc.uint8Array({ minLength: n * e.unit, maxLength: n * e.unit }).map((v) => ({ tag: e.tag, vr: e.vr, value: Buffer.from(v) })));

function elements(depth: number): fc.Arbitrary<DataElement[]> {
  const seq: fc.Arbitrary<DataElement> = depth <= 0 ? leaf
    : fc.tuple(fc.constantFrom(...SEQUENCES), fc.array(elements(depth - 1), { maxLength: 3 })).map(([tag, items]) => ({ tag, vr: 'SQ', value: items }));
  return fc.uniqueArray(fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: seq }), { selector: (e) => e.tag, maxLength: 8 })
    .map((els) => [...els].sort((a, b) => a.tag - b.tag));
}
const pixels = fc.option(fc.array(bytes(40), { minLength: 1, maxLength: 3 }).map((fragments): DataElement => ({ tag: 0x7fe00010, vr: 'OB', value: { fragments } })), { nil: null });

function dataset(syntax: DatasetSyntax): fc.Arbitrary<Buffer> {
  return fc.record({
    els: elements(2), px: syntax.explicitVr ? pixels : fc.constant(null),
    sequenceLength: fc.constantFrom('explicit' as const, 'undefined' as const), itemLength: fc.constantFrom('explicit' as const, 'undefined' as const),
  }).map(({ els, px, sequenceLength, itemLength }) => encodeDataset(px ? [...els, px] : els, syntax, { sequenceLength: px ? 'undefined' : sequenceLength, itemLength }));
}

const TS_OF_FILE = [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN];
const part10: fc.Arbitrary<Buffer> = fc.record({ ts: fc.constantFrom(...TS_OF_FILE), sop: uid, preamble: fc.boolean(), els: elements(1) }).map(({ ts, sop, preamble, els }) => {
  const meta = encodeFileMeta({ mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.2', mediaStorageSopInstanceUid: sop, transferSyntaxUid: ts, implementationClassUid: '1.2.3', implementationVersionName: 'SOAK' });
  const body = encodeDataset(els, ts === IMPLICIT_VR_LITTLE_ENDIAN ? IMPLICIT_LE : ts === EXPLICIT_VR_BIG_ENDIAN ? EXPLICIT_BE : EXPLICIT_LE);
  // encodeFileMeta writes the preamble and DICM; without them the meta group starts the file.
  return Buffer.concat([preamble ? meta : meta.subarray(132), body]);
});

const deflated: fc.Arbitrary<Buffer> = dataset(EXPLICIT_LE).map((d) => deflateRawSync(d));

/** The damage: none, bytes changed, cut off, both; or random bytes instead of an encoding. */
function damaged(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Input> {
  const points = fc.array(fc.nat(), { maxLength: 8 });
  return fc.oneof(
    { weight: 1, arbitrary: fc.tuple(bytes(400), points).map(([b, p]) => ({ bytes: b, points: p })) },
    { weight: 1, arbitrary: fc.tuple(valid, points).map(([b, p]) => ({ bytes: b, points: p })) },
    { weight: 4, arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.option(fc.nat(), { nil: null }), points).map(([b, ms, at, p]) => {
      const copy = Buffer.from(b);
      if (copy.length > 0) for (const m of ms) copy[m.at % copy.length] = m.value;
      return { bytes: at === null ? copy : copy.subarray(0, at % (copy.length + 1)), points: p };
    }) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.nat(), points).map(([b, at, p]) => ({ bytes: b.subarray(0, at % (b.length + 1)), points: p })) },
  );
}

/** PDV sequences: well-ordered messages with a few rules broken, or random flags and contexts. */
const pdvSequence: fc.Arbitrary<Input> = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.record({ contextId: fc.constantFrom(1, 3), isCommand: fc.boolean(), isLast: fc.boolean(), data: bytes(64) }) },
  { weight: 1, arbitrary: fc.record({ contextId: fc.integer({ min: 0, max: 255 }), isCommand: fc.boolean(), isLast: fc.boolean(), data: bytes(8) }) },
  // Now and then a command fragment big enough to reach the command-set bound.
  { weight: 1, arbitrary: fc.nat({ max: 40000 }).map((n) => ({ contextId: 1, isCommand: true, isLast: false, data: Buffer.alloc(n) })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(1, 3), command).map(([contextId, data]) => ({ contextId, isCommand: true, isLast: true, data })) },
), { maxLength: 12 }).map((pdvs) => ({ bytes: Buffer.alloc(0), points: [], pdvs }));

const ARBITRARIES: Record<DecoderTarget, fc.Arbitrary<Input>> = {
  decodePdu: damaged(pdu.map((p) => encodePdu(p))),
  PduReader: damaged(pduStream),
  decodeCommand: damaged(command),
  'dataset-implicit-le': damaged(dataset(IMPLICIT_LE)),
  'dataset-explicit-le': damaged(dataset(EXPLICIT_LE)),
  'dataset-explicit-be': damaged(dataset(EXPLICIT_BE)),
  'dataset-implicit-be': damaged(dataset(IMPLICIT_BE)),
  'dataset-deflated': damaged(deflated),
  parseFileMeta: damaged(part10),
  PdvAssembler: pdvSequence,
};

// ---- running one input --------------------------------------------------------------------------------------

type Outcome = { kind: 'ok' } | { kind: 'error'; error: unknown } | { kind: 'hang' };

function parseDataset(syntax: DatasetSyntax, chunks: Buffer[], startOffset = 0): void {
  const parser = new DatasetParser(syntax, () => {}, { startOffset });
  for (const c of chunks) parser.write(c);
  parser.end();
}

/** Waits for a stream-shaped decoder to end or fail, at most `deadlineMs` (a stream that does neither hangs). */
function settle(run: (finish: (o: Outcome) => void) => void, deadlineMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => finish({ kind: 'hang' }), deadlineMs);
    function finish(o: Outcome): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    }
    try {
      run(finish);
    } catch (error) {
      finish({ kind: 'error', error });
    }
  });
}

async function runOne(target: DecoderTarget, input: Input, deadlineMs: number): Promise<Outcome> {
  const chunks = cut(input.bytes, input.points);
  try {
    switch (target) {
      case 'decodePdu': {
        // Half the time the header's length is made to fit, so that the damage reaches the body's decoder.
        const b = Buffer.from(input.bytes);
        if (b.length >= 6 && (input.points[0] ?? 0) % 2 === 0) b.writeUInt32BE(b.length - 6, 2);
        decodePdu(b);
        return { kind: 'ok' };
      }
      case 'decodeCommand':
        decodeCommand(input.bytes);
        return { kind: 'ok' };
      case 'dataset-implicit-le': parseDataset(IMPLICIT_LE, chunks); return { kind: 'ok' };
      case 'dataset-explicit-le': parseDataset(EXPLICIT_LE, chunks); return { kind: 'ok' };
      case 'dataset-explicit-be': parseDataset(EXPLICIT_BE, chunks); return { kind: 'ok' };
      case 'dataset-implicit-be': parseDataset(IMPLICIT_BE, chunks); return { kind: 'ok' };
      case 'parseFileMeta': {
        // Incrementally first (a prefix: "need more", a meta, or a typed error), then final, then its data set.
        parseFileMeta(chunks[0] ?? Buffer.alloc(0));
        const meta = parseFileMeta(input.bytes, { final: true });
        if (meta && !meta.transferSyntax?.deflated) {
          parseDataset(meta.syntax, cut(input.bytes.subarray(meta.datasetOffset), input.points), meta.datasetOffset);
        }
        return { kind: 'ok' };
      }
      case 'PdvAssembler': {
        const assembler = new PdvAssembler();
        for (const pdv of input.pdvs ?? []) assembler.accept(pdv);
        return { kind: 'ok' };
      }
      case 'PduReader':
        return await settle((finish) => {
          const reader = new PduReader({ maxPduLength: 16384, maxOtherPduLength: 65536 });
          reader.on('data', () => {});
          reader.on('error', (error) => finish({ kind: 'error', error }));
          reader.on('end', () => finish({ kind: 'ok' }));
          for (const c of chunks) if (!reader.destroyed) reader.write(c);
          if (!reader.destroyed) reader.end();
        }, deadlineMs);
      case 'dataset-deflated':
        return await settle((finish) => {
          const tok = new DatasetTokenizer({ transferSyntax: DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN });
          tok.on('data', () => {});
          tok.on('warning', () => {});
          tok.on('error', (error) => finish({ kind: 'error', error }));
          tok.on('end', () => finish({ kind: 'ok' }));
          for (const c of chunks) if (!tok.destroyed) tok.write(c);
          if (!tok.destroyed) tok.end();
        }, deadlineMs);
    }
  } catch (error) {
    return { kind: 'error', error };
  }
}

/** Why an error is a crash, or null if it is the typed failure a decoder may end in. */
function crashReason(target: DecoderTarget, e: unknown): string | null {
  if (!(e instanceof DimseError)) return `not a DimseError: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
  if (target === 'PdvAssembler') return typeof e.place.contextId === 'number' ? null : `${e.code} names no context id: ${e.message}`;
  return typeof e.place.offset === 'number' ? null : `${e.code} names no byte offset: ${e.message}`;
}

export interface FuzzDecodersOptions {
  count: number;
  seed: number;
  /** Per streaming case; a decoder that neither ends nor fails by then is a hang. */
  deadlineMs?: number;
  targets?: readonly DecoderTarget[];
  /** Called now and then with the cases done so far. */
  progress?(done: number): void;
}

const BATCH = 250;

export async function fuzzDecoders(opts: FuzzDecodersOptions): Promise<PhaseStats & { perTarget: Map<string, number> }> {
  const t0 = Date.now();
  const stats = Object.assign(newStats('fuzz decoders'), { perTarget: new Map<string, number>() });
  const targets = opts.targets ?? DECODER_TARGETS;
  let batch = 0;
  while (stats.cases < opts.count) {
    const target = targets[batch % targets.length]!;
    // Small counts still reach every target: batches shrink to a share of the count.
    const n = Math.min(BATCH, Math.ceil(opts.count / targets.length), opts.count - stats.cases);
    // One fast-check seed per batch, derived from the soak's: (seed, batch) replays this batch alone.
    const batchSeed = (opts.seed * 7919 + batch) | 0;
    const inputs = fc.sample(ARBITRARIES[target], { seed: batchSeed, numRuns: n });
    for (const [i, input] of inputs.entries()) {
      const outcome = await runOne(target, input, opts.deadlineMs ?? 10_000);
      stats.cases++;
      stats.perTarget.set(target, (stats.perTarget.get(target) ?? 0) + 1);
      const where = `${target} seed ${opts.seed} batch ${batch} (fc seed ${batchSeed}) index ${i}: input ${describeInput(input)}`;
      if (outcome.kind === 'hang') {
        stats.hangs++;
        noteFailure(stats, `hang: ${where}`);
      } else if (outcome.kind === 'error') {
        const why = crashReason(target, outcome.error);
        if (why) {
          stats.crashes++;
          noteFailure(stats, `crash: ${why}\n  ${where}`);
        } else {
          countError(stats, (outcome.error as DimseError).code);
        }
      }
    }
    batch++;
    opts.progress?.(stats.cases);
    // Let timers and I/O run between batches (the soak's progress line, its watchdog).
    await new Promise((r) => setImmediate(r));
  }
  stats.ms = Date.now() - t0;
  return stats;
}

function describeInput(input: Input): string {
  if (input.pdvs) return JSON.stringify(input.pdvs.map((p) => ({ ...p, data: p.data.length > 64 ? `${p.data.length} bytes` : p.data.toString('hex') })));
  const hex = input.bytes.toString('hex');
  return `${hex.length > 4000 ? `${hex.slice(0, 4000)}...` : hex} cut at ${JSON.stringify(input.points)}`;
}
