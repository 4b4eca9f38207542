/**
 * Property tests of the dataset layer (fast-check), on data sets generated at random: elements of every VR taken
 * from the dictionary, nested sequences with both length kinds, encapsulated pixel data. What the DCMTK-compared
 * fixtures of dataset-convert.test.ts cannot cover:
 * - the tokenizer gives the same tokens (or the same error at the same offset) however the bytes are cut;
 * - damaged bytes (changed, cut off, a corrupt deflate stream) end in a DimseError that names its code and offset,
 *   never in another exception;
 * - whatever the output options, the writer's output reads back to the same elements and values;
 * - the synchronous converter of small objects writes the same bytes as the streaming one.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { DimseError } from '../../lib/errors';
import { lookupKeyword } from '../../lib/dataset/dictionary/dictionary';
import type { DataElement } from '../../lib/dataset/codec/element';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import { convertBuffer, convertDataset, type ConvertOptions } from '../../lib/dataset/codec/convert';
import { DatasetParser } from '../../lib/dataset/codec/tokenizer';
import type { DatasetToken } from '../../lib/dataset/codec/tokens';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, transferSyntaxInfo,
} from '../../lib/dataset/codec/transfer-syntax';
import { isStringVr, valueWidth } from '../../lib/dataset/codec/vr';
import { assertTypedError, cut, mutation } from '../helpers/property';

const UNCOMPRESSED = [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN];

// ---- arbitraries --------------------------------------------------------------------------------------------

/** Elements with one VR in the dictionary, so that they read back with that VR in implicit VR too. */
const LEAF_KEYWORDS = [
  'PatientName', 'PatientID', 'StudyDate', 'StudyTime', 'AcquisitionDateTime', 'PatientAge', 'Modality', 'SOPInstanceUID',
  'Rows', 'SliceThickness', 'InstanceNumber', 'ImageComments', 'TextValue', 'RetrieveURL', 'LongCodeValue', 'RetrieveAETitle',
  'StudyDescription', 'SelectorULValue', 'SelectorUSValue', 'SelectorSLValue', 'SelectorSSValue', 'SelectorFLValue',
  'SelectorFDValue', 'SelectorATValue', 'SelectorOBValue', 'SelectorOWValue', 'SelectorOLValue', 'SelectorOFValue',
  'SelectorODValue', 'SelectorOVValue', 'SelectorSVValue', 'SelectorUVValue', 'SelectorUNValue', 'SelectorSTValue',
];
const SEQUENCE_KEYWORDS = ['ReferencedSeriesSequence', 'ReferencedImageSequence', 'ContentSequence', 'ConceptNameCodeSequence'];

function entries(keywords: string[], single: boolean): { tag: number; vr: string }[] {
  const out: { tag: number; vr: string }[] = [];
  for (const k of keywords) {
    const e = lookupKeyword(k);
    if (e && (!single || e.vrs.length === 1)) out.push({ tag: e.tag, vr: e.vr });
  }
  return out;
}
const LEAVES = entries(LEAF_KEYWORDS, true);
const SEQUENCES = entries(SEQUENCE_KEYWORDS, true).filter((e) => e.vr === 'SQ');
const PIXEL_DATA = 0x7fe00010;

const CHARS: Readonly<Record<string, string>> = {
  UI: '0123456789.', DA: '0123456789', TM: '0123456789.', DT: '0123456789.+', AS: '0123456789DWMY', DS: '0123456789.+-E',
  IS: '0123456789+-', CS: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_',
};

/** A value for a VR: strings without spaces (the writer trims trailing padding, as DCMTK), binary in whole units. */
function valueFor(vr: string): fc.Arbitrary<Buffer> {
  if (isStringVr(vr)) {
    const chars = CHARS[vr] ?? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789^=.';
    return fc.string({ unit: fc.constantFrom(...chars), maxLength: 16 }).map((s) => Buffer.from(s, 'latin1'));
  }
  const width = Math.max(2, valueWidth(vr));
  return fc.uint8Array({ maxLength: 6 }).chain((units) => fc.uint8Array({ minLength: units.length * width, maxLength: units.length * width }))
    .map((a) => Buffer.from(a));
}

const leaf: fc.Arbitrary<DataElement> = fc.constantFrom(...LEAVES).chain((e) => valueFor(e.vr).map((value) => ({ tag: e.tag, vr: e.vr, value })));

/** A list of elements with distinct tags (what DCMTK keeps of a data set), sequences down to `depth`. */
function elementList(depth: number): fc.Arbitrary<DataElement[]> {
  const seq: fc.Arbitrary<DataElement> = depth <= 0
    ? leaf
    : fc.record({ at: fc.constantFrom(...SEQUENCES), items: fc.array(elementList(depth - 1), { maxLength: 3 }) })
      .map(({ at, items }) => ({ tag: at.tag, vr: 'SQ', value: items }));
  return fc.uniqueArray(fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: seq }), { selector: (e) => e.tag, maxLength: 8 });
}

const encapsulated: fc.Arbitrary<DataElement | null> = fc.option(
  fc.array(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { minLength: 1, maxLength: 4 })
    .map((fragments) => ({ tag: PIXEL_DATA, vr: 'OB', value: { fragments } })),
  { nil: null },
);

interface Sample { elements: DataElement[]; bytes: Buffer; ts: string }

/** A data set encoded in one of the three uncompressed syntaxes, sequences and items of either length kind. */
const sample: fc.Arbitrary<Sample> = fc.record({
  elements: elementList(2),
  ts: fc.constantFrom(...UNCOMPRESSED),
  sequenceLength: fc.constantFrom('explicit' as const, 'undefined' as const),
  itemLength: fc.constantFrom('explicit' as const, 'undefined' as const),
}).map(({ elements, ts, sequenceLength, itemLength }) => ({ elements, ts, bytes: encodeDataset(elements, ts, { sequenceLength, itemLength }) }));

/** Encapsulated pixel data only in explicit VR LE (written back only into an encapsulated syntax, so not converted). */
const sampleWithFragments: fc.Arbitrary<Sample> = fc.tuple(elementList(1), encapsulated).map(([elements, pixels]) => {
  const all = pixels ? [...elements, pixels] : elements;
  return { elements: all, ts: EXPLICIT_VR_LITTLE_ENDIAN, bytes: encodeDataset(all, EXPLICIT_VR_LITTLE_ENDIAN, { sequenceLength: 'undefined' }) };
});

// ---- helpers ------------------------------------------------------------------------------------------------

/** Tokens with the value pieces of each element joined (how a value is cut into tokens depends on the chunks). */
function parse(chunks: Buffer[], ts: string): { tokens: DatasetToken[]; error?: DimseError } {
  const info = transferSyntaxInfo(ts);
  const tokens: DatasetToken[] = [];
  const parser = new DatasetParser({ explicitVr: info.explicitVr, littleEndian: info.littleEndian }, (t) => {
    const last = tokens[tokens.length - 1];
    if (t.type === 'value' && last?.type === 'value') tokens[tokens.length - 1] = { type: 'value', data: Buffer.concat([last.data, t.data]) };
    else tokens.push(t.type === 'value' ? { type: 'value', data: Buffer.from(t.data) } : t);
  });
  try {
    for (const c of chunks) parser.write(c);
    parser.end();
    return { tokens };
  } catch (e) {
    assertTyped(e);
    return { tokens, error: e as DimseError };
  }
}

function assertTyped(e: unknown): asserts e is DimseError {
  assertTypedError(e, /^(DATASET|WRITER)_/);
}

/** The elements of a token stream as `path = value` lines: group lengths and padding left out, strings trimmed. */
function leaves(tokens: DatasetToken[]): string[] {
  const out: string[] = [];
  const path: string[] = [];
  let current: { tag: number; vr: string; parts: Buffer[] } | null = null;
  const hex = (t: number) => t.toString(16).padStart(8, '0');
  for (const t of tokens) {
    switch (t.type) {
      case 'element': current = { tag: t.tag, vr: t.vr, parts: [] }; break;
      case 'value': current?.parts.push(t.data); break;
      case 'elementEnd': {
        if (current && (current.tag & 0xffff) !== 0 && current.tag !== 0xfffcfffc) {
          let v = Buffer.concat(current.parts);
          const s = LEAVES.find((l) => l.tag === current!.tag);
          if (s && isStringVr(s.vr)) v = Buffer.from(v.toString('latin1').replace(/[\0 ]+$/, ''), 'latin1');
          out.push(`${[...path, hex(current.tag)].join('/')} = ${v.toString('hex')}`);
        }
        current = null;
        break;
      }
      case 'sequenceStart': path.push(hex(t.tag)); break;
      case 'sequenceEnd': path.pop(); break;
      case 'itemStart': path.push(`#${t.index}`); out.push(`${path.join('/')} item`); break;
      case 'itemEnd': path.pop(); break;
      default: break;
    }
  }
  return out;
}

const outputOptions = fc.record({
  transferSyntax: fc.constantFrom(...UNCOMPRESSED),
  groupLength: fc.constantFrom('recalc' as const, 'create' as const, 'remove' as const),
  sequenceLength: fc.constantFrom('explicit' as const, 'undefined' as const),
  padding: fc.option(fc.record({ file: fc.constantFrom(0, 2, 8, 64, 100), item: fc.constantFrom(0, 2, 4, 16) }), { nil: undefined }),
  enableNewVr: fc.boolean(),
  compressionLevel: fc.constant(6),
  fileOffset: fc.nat({ max: 400 }).map((n) => 132 + 2 * n),
});

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

// ---- properties ---------------------------------------------------------------------------------------------

test('property: the tokenizer gives the same tokens however the bytes are cut into chunks', () => {
  fc.assert(fc.property(fc.oneof(sample, sampleWithFragments), fc.array(fc.nat(), { maxLength: 16 }), (s, points) => {
    const whole = parse([s.bytes], s.ts);
    assert.equal(whole.error, undefined, whole.error?.message);
    const chunked = parse(cut(s.bytes, points), s.ts);
    assert.equal(chunked.error, undefined, chunked.error?.message);
    assert.deepEqual(chunked.tokens, whole.tokens);
  }), { numRuns: 300 });
});

test('property: damaged data sets (bytes changed, cut off) end in a typed error at the same place however they are cut', () => {
  let failed = 0;
  fc.assert(fc.property(fc.oneof(sample, sampleWithFragments), fc.array(mutation, { maxLength: 4 }), fc.option(fc.nat()), fc.array(fc.nat(), { maxLength: 8 }),
    (s, mutations, cutAt, points) => {
      const bytes = Buffer.from(s.bytes);
      if (bytes.length === 0) return;
      for (const m of mutations) bytes[m.at % bytes.length] = m.value;
      const damaged = cutAt === null ? bytes : bytes.subarray(0, cutAt % (bytes.length + 1));
      const whole = parse([damaged], s.ts);
      const chunked = parse(cut(damaged, points), s.ts);
      assert.equal(chunked.error?.code, whole.error?.code);
      assert.equal(chunked.error?.place.offset, whole.error?.place.offset);
      if (whole.error) failed++;
      // The writer on the same bytes: output, or a typed error (the tokenizer's or its own), nothing else.
      try {
        convertBuffer([damaged], s.ts, { transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN, groupLength: 'recalc', sequenceLength: 'explicit', enableNewVr: true, compressionLevel: 6 });
      } catch (e) {
        assertTyped(e);
      }
    }), { numRuns: 500 });
  // Not vacuous: a good share of the damaged data sets really were refused.
  assert.ok(failed >= 100, `only ${failed} of 500 damaged data sets were refused`);
});

test('property: a corrupt deflate stream ends the conversion with a typed error, never another exception', async () => {
  await fc.assert(fc.asyncProperty(sample, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (s, mutations) => {
    const plain = encodeDataset(s.elements, EXPLICIT_VR_LITTLE_ENDIAN);
    const deflated = deflateRawSync(plain);
    for (const m of mutations) deflated[m.at % deflated.length] = m.value;
    const options: ConvertOptions = { transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN, groupLength: 'recalc', sequenceLength: 'explicit', enableNewVr: true, compressionLevel: 6 };
    try {
      await collect(convertDataset(Readable.from([deflated]), DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, options));
    } catch (e) {
      assert.ok(e instanceof DimseError, `expected a DimseError, got ${String(e)}`);
      assert.match(e.code, /^(DATASET|WRITER)_/, e.message);
    }
  }), { numRuns: 200 });
});

test('property: whatever the output options, the written data set reads back to the same elements and values', () => {
  let nested = 0;
  fc.assert(fc.property(sample, outputOptions, (s, options) => {
    const written = Buffer.concat(convertBuffer([s.bytes], s.ts, options));
    const back = parse([written], options.transferSyntax);
    assert.equal(back.error, undefined, back.error?.message);
    const expected = leaves(parse([s.bytes], s.ts).tokens);
    assert.deepEqual(leaves(back.tokens), expected);
    if (expected.some((l) => l.includes('/#'))) nested++;
    // +p f aligns the file, as DCMTK does, unless the data set is empty (DcmItem pads only an item with elements).
    if (options.padding && options.padding.file > 0 && s.elements.length > 0) {
      assert.equal((options.fileOffset + written.length) % options.padding.file, 0, 'file not aligned');
    }
  }), { numRuns: 300 });
  // Not vacuous: many of the data sets had sequence items.
  assert.ok(nested >= 50, `only ${nested} of 300 data sets had sequence items`);
});

test('property: the synchronous converter of small objects writes the same bytes as the streaming converter', async () => {
  await fc.assert(fc.asyncProperty(sample, outputOptions, fc.array(fc.nat(), { maxLength: 8 }), async (s, options, points) => {
    const sync = Buffer.concat(convertBuffer([s.bytes], s.ts, options));
    const streamed = await collect(convertDataset(Readable.from(cut(s.bytes, points)), s.ts, options));
    assert.ok(sync.equals(streamed), `convertBuffer ${sync.length} bytes, convertDataset ${streamed.length} bytes`);
  }), { numRuns: 200 });
});
