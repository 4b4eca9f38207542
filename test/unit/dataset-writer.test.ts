/**
 * DatasetWriter / convertDataset without DCMTK: round trips through the four uncompressed syntaxes, independence
 * from how the input is chunked, the memory bound on a 300 MB pixel data stream (counted in held bytes, not timed),
 * the string fixes measured with dcmconv, and bad input surfacing as a DimseError on the output stream.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import { chunks, ROUND_TRIP_SYNTAXES } from '../helpers/dataset';
import { convertDataset, type ConvertOptions } from '../../lib/dataset/codec/convert';
import { elementHeader, encodeDataset, itemHeader } from '../../lib/dataset/codec/encode';
import type { DataElement } from '../../lib/dataset/codec/element';
import {
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_LE,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_VR_LITTLE_ENDIAN,
} from '../../lib/dataset/codec/transfer-syntax';
import { DatasetWriter, fixString, type WriteOptions } from '../../lib/dataset/codec/writer';
import type { DatasetToken } from '../../lib/dataset/codec/tokens';
import { encodeNumbers, stringToBytes } from '../../lib/dataset/codec/values';
import { DimseError } from '../../lib/errors';


function opts(transferSyntax: string, more: Partial<WriteOptions> = {}): ConvertOptions {
  return { transferSyntax, groupLength: 'recalc', sequenceLength: 'explicit', enableNewVr: true, compressionLevel: 6, ...more };
}

async function collect(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function convert(parts: Buffer[], from: string, options: ConvertOptions): Promise<Buffer> {
  return collect(convertDataset(Readable.from(parts), from, options));
}

const s = (tag: number, vr: string, v: string): DataElement => ({ tag, vr, value: stringToBytes(v, vr, 'latin1') });

/** Even, sorted, dictionary-typed values: what every syntax can carry and read back unchanged. */
function sample(): DataElement[] {
  return [
    s(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    s(0x00080018, 'UI', '1.2.3.4'),
    s(0x00080060, 'CS', 'OT'),
    { tag: 0x00081110, vr: 'SQ', value: [[s(0x00081150, 'UI', '1.2.3'), s(0x00081155, 'UI', '1.2.3.4.5')], [], [
      { tag: 0x0040a730, vr: 'SQ', value: [[s(0x0040a160, 'UT', 'deep text')]] },
    ]] },
    s(0x00100010, 'PN', 'Doe^John'),
    { tag: 0x00181638, vr: 'OF', value: encodeNumbers('OF', [1.5, 2.5]) },
    { tag: 0x00189089, vr: 'FD', value: encodeNumbers('FD', [0.5, -1.25, 3]) },
    { tag: 0x00280010, vr: 'US', value: encodeNumbers('US', [4]) },
    { tag: 0x00280011, vr: 'US', value: encodeNumbers('US', [4]) },
    { tag: 0x0040a132, vr: 'UL', value: encodeNumbers('UL', [1, 2, 3]) },
    { tag: 0x00720052, vr: 'AT', value: Buffer.from([0x10, 0, 0x10, 0, 0x18, 0, 0x50, 0]) },
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) },
  ];
}

test('writer: round trips through every uncompressed syntax give the original bytes back', async () => {
  const original = encodeDataset(sample(), EXPLICIT_VR_LITTLE_ENDIAN);
  for (const ts of ROUND_TRIP_SYNTAXES) {
    const there = await convert([original], EXPLICIT_VR_LITTLE_ENDIAN, opts(ts));
    if (ts !== DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
      assert.deepEqual(there, encodeDataset(sample(), ts), `explicit LE → ${ts} is what the encoder writes`);
    }
    const back = await convert([there], ts, opts(EXPLICIT_VR_LITTLE_ENDIAN));
    assert.deepEqual(back, original, `explicit LE → ${ts} → explicit LE`);
  }
  // Undefined lengths there, explicit lengths back.
  const ul = await convert([original], EXPLICIT_VR_LITTLE_ENDIAN, opts(EXPLICIT_VR_BIG_ENDIAN, { sequenceLength: 'undefined' }));
  assert.deepEqual(ul, encodeDataset(sample(), EXPLICIT_VR_BIG_ENDIAN, { sequenceLength: 'undefined', itemLength: 'undefined' }));
  assert.deepEqual(await convert([ul], EXPLICIT_VR_BIG_ENDIAN, opts(EXPLICIT_VR_LITTLE_ENDIAN)), original);
});

test('writer: the output does not depend on how the input is chunked', async () => {
  const original = encodeDataset(sample(), EXPLICIT_VR_LITTLE_ENDIAN, { sequenceLength: 'undefined', itemLength: 'undefined' });
  const variants: Partial<WriteOptions>[] = [
    {},
    { groupLength: 'create', padding: { file: 64, item: 8 } },
    { sequenceLength: 'undefined', enableNewVr: false, fileOffset: 132 + 150 },
  ];
  for (const ts of ROUND_TRIP_SYNTAXES) {
    const input = ts === EXPLICIT_VR_LITTLE_ENDIAN ? original : await convert([original], EXPLICIT_VR_LITTLE_ENDIAN, opts(ts));
    for (const v of variants) {
      for (const out of [EXPLICIT_VR_BIG_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN]) {
        // maxHeldValue 4: even this small dataset's values stream through, split across tokens.
        const whole = await convert([input], ts, opts(out, v));
        for (const seed of [1, 2, 3, 99]) {
          for (const max of [1, 7, 300]) {
            // Group lengths with a streamed value followed by more of its group are refused (tested below).
            const stream = seed % 2 === 0 && v.groupLength !== 'create';
            const o = { ...opts(out, v), maxHeldValue: stream ? 4 : undefined };
            const got = await convert(chunks(input, seed, max), ts, o);
            assert.deepEqual(got, whole, `${ts} → ${out} ${JSON.stringify(v)} seed ${seed} max ${max}`);
          }
        }
      }
    }
  }
});

test('writer: a 300 MB pixel data value streams through holding a few bytes only', async () => {
  const TOTAL = 300 * 1024 * 1024;
  const CHUNK = 1024 * 1024 + 1; // odd, so 16-bit units straddle chunk boundaries
  const head = Buffer.concat([
    encodeDataset([s(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'), s(0x00080018, 'UI', '1.2.3')], EXPLICIT_VR_LITTLE_ENDIAN),
    elementHeader(0x7fe00010, 'OW', TOTAL, EXPLICIT_LE),
  ]);
  const block = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) block[i] = i & 0xff;
  async function* source(): AsyncGenerator<Buffer> {
    yield head;
    for (let sent = 0; sent < TOTAL; sent += CHUNK) yield block.subarray(0, Math.min(CHUNK, TOTAL - sent));
  }
  let writer: DatasetWriter | undefined;
  let bytes = 0;
  let tail: Buffer = Buffer.alloc(0);
  const out = convertDataset(Readable.from(source()), EXPLICIT_VR_LITTLE_ENDIAN, {
    ...opts(EXPLICIT_VR_BIG_ENDIAN, { groupLength: 'create', padding: { file: 256, item: 0 } }),
    onWriter: (w) => (writer = w),
  });
  await pipeline(out, new Writable({
    write(chunk: Buffer, _e, cb): void {
      bytes += chunk.length;
      tail = chunk.length >= 512 ? chunk.subarray(chunk.length - 512) : Buffer.concat([tail, chunk]).subarray(-512);
      cb();
    },
  }));
  assert.ok(writer);
  // group lengths 0008 and 7FE0 (12 bytes each), the two UIDs, the pixel data header, the value, then padding to 256.
  const body = 12 + head.length + 12 + TOTAL;
  assert.equal(bytes % 256, 0, 'file padding aligned the output');
  assert.ok(bytes >= body && bytes < body + 256 + 12);
  assert.ok(writer.peakHeldBytes < 4 * 1024 * 1024, `held at most ${writer.peakHeldBytes} bytes`);
  assert.ok(writer.bytesWritten >= TOTAL, `wrote ${writer.bytesWritten} bytes`);
  assert.equal(writer.heldBytes, 0);
  // The output ends with the (FFFC,FFFC) padding element, written big endian.
  assert.ok(tail.includes(Buffer.from([0xff, 0xfc, 0xff, 0xfc, 0x4f, 0x42])));
});

test('writer: character strings are fixed as DCMTK does (measured with dcmconv)', () => {
  const cases: [string, string, string][] = [
    ['SH', 'AB  ', 'AB'],
    ['CS', '  ', ''],
    ['LO', 'ABC   ', 'ABC '],
    ['LO', 'X', 'X\0'],
    ['LO', 'A \0 ', 'A \0 '],
    ['LO', 'A\0  ', 'A\0'],
    ['PN', ' A^B \0', ' A^B \0'],
    ['UT', 't    ', 't    \0'],
    ['UI', '1.2\0\0', '1.2\0'],
    ['UI', ' 1.2. 3\0', '1.2.3\0'],
    ['UI', '1.2.840.10008.5.1.4.1.1.7', '1.2.840.10008.5.1.4.1.1.7\0'],
    ['AS', '\0\0', '\0\0'],
  ];
  for (const [vr, input, expected] of cases) {
    assert.equal(fixString(Buffer.from(input, 'latin1'), vr).toString('latin1'), expected, `${vr} ${JSON.stringify(input)}`);
  }
});

async function assertRejects(p: Promise<unknown>, code: string): Promise<DimseError> {
  let caught: unknown;
  await p.then(() => assert.fail(`expected ${code}`), (e: unknown) => (caught = e));
  assert.ok(caught instanceof DimseError, `a DimseError, not ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(typeof caught.place.offset, 'number');
  return caught;
}

test('writer: bad input ends the converted stream with a DimseError (tag and offset), never a hang', async () => {
  const good = encodeDataset(sample(), EXPLICIT_VR_LITTLE_ENDIAN);
  await assertRejects(convert([good.subarray(0, good.length - 3)], EXPLICIT_VR_LITTLE_ENDIAN, opts(IMPLICIT_VR_LITTLE_ENDIAN)), 'DATASET_TRUNCATED');
  const badVr = Buffer.from(good);
  badVr.write('zz', 4 + 8 + 26, 'latin1'); // the VR of (0008,0018)
  const e = await assertRejects(convert([badVr], EXPLICIT_VR_LITTLE_ENDIAN, opts(EXPLICIT_VR_BIG_ENDIAN)), 'DATASET_BAD_VR');
  assert.equal(e.place.tag, 0x00080018);
  await assertRejects(convert([Buffer.from('this is not deflate data at all')], DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, opts(EXPLICIT_VR_LITTLE_ENDIAN)), 'DATASET_DEFLATE');
  // An item delimiter outside any item.
  const stray = Buffer.concat([good, itemHeader(0xfffee00d, 0, EXPLICIT_LE)]);
  await assertRejects(convert(chunks(stray, 5), EXPLICIT_VR_LITTLE_ENDIAN, opts(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)), 'DATASET_UNEXPECTED_DELIMITER');
  // Deflated input that inflates to a truncated dataset.
  await assertRejects(convert([deflateRawSync(good.subarray(0, 40))], DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, opts(EXPLICIT_VR_LITTLE_ENDIAN)), 'DATASET_TRUNCATED');
});

test('writer: what cannot be written is refused with a DimseError', async () => {
  // A large value streamed with group lengths, then another element of its group: the length already written is wrong.
  const big = Buffer.concat([
    elementHeader(0x00291010, 'OB', 2000, EXPLICIT_LE), Buffer.alloc(2000),
    encodeDataset([s(0x00291011, 'LO', 'late')], EXPLICIT_VR_LITTLE_ENDIAN),
  ]);
  const e = await assertRejects(convert([big], EXPLICIT_VR_LITTLE_ENDIAN, { ...opts(EXPLICIT_VR_LITTLE_ENDIAN, { groupLength: 'create' }), maxHeldValue: 1000 }), 'WRITER_GROUP_LENGTH_UNKNOWN');
  assert.equal(e.place.tag, 0x00291011);
  // Without group lengths the same input streams fine.
  const ok = await convert([big], EXPLICIT_VR_LITTLE_ENDIAN, { ...opts(EXPLICIT_VR_LITTLE_ENDIAN, { groupLength: 'remove' }), maxHeldValue: 1000 });
  assert.deepEqual(ok, big);
  // Native pixel data into an encapsulated syntax (no codec), encapsulated into an uncompressed one.
  const native = encodeDataset(sample(), EXPLICIT_VR_LITTLE_ENDIAN);
  await assertRejects(convert([native], EXPLICIT_VR_LITTLE_ENDIAN, opts('1.2.840.10008.1.2.4.70')), 'WRITER_CANNOT_CHANGE_REPRESENTATION');
  const enc = encodeDataset([{ tag: 0x7fe00010, vr: 'OB', value: { fragments: [Buffer.alloc(0), Buffer.from([1, 2, 3])] } }], EXPLICIT_VR_LITTLE_ENDIAN);
  await assertRejects(convert([enc], '1.2.840.10008.1.2.4.70', opts(IMPLICIT_VR_LITTLE_ENDIAN)), 'WRITER_CANNOT_CHANGE_REPRESENTATION');
  assert.deepEqual(await convert([enc], '1.2.840.10008.1.2.4.70', opts('1.2.840.10008.1.2.4.70')), enc);
  // Odd padding is an illegal call in DCMTK.
  assert.throws(() => new DatasetWriter(opts(EXPLICIT_VR_LITTLE_ENDIAN, { padding: { file: 63, item: 0 } })), (x: unknown) => x instanceof DimseError && x.code === 'WRITER_BAD_OPTION');
  await assertRejects(convert([native], EXPLICIT_VR_LITTLE_ENDIAN, opts(EXPLICIT_VR_LITTLE_ENDIAN, { padding: { file: 10, item: 3 } })), 'WRITER_BAD_OPTION');
});

test('writer: tokens out of grammar are a WRITER_BAD_TOKEN error, not a crash', async () => {
  const bad: DatasetToken[][] = [
    [{ type: 'value', data: Buffer.from([1]) }],
    [{ type: 'itemStart', index: 0, length: 0, offset: 0 }],
    [{ type: 'sequenceStart', tag: 0x00081110, vr: 'SQ', length: 0, offset: 0 }, { type: 'element', tag: 0x00100010, vr: 'PN', length: 0, offset: 8 }],
    [{ type: 'element', tag: 0x00100010, vr: 'PN', length: 2, offset: 0 }, { type: 'value', data: Buffer.from('ab') }],
  ];
  for (const tokens of bad) {
    const w = new DatasetWriter(opts(EXPLICIT_VR_LITTLE_ENDIAN));
    const done = pipeline(Readable.from(tokens, { objectMode: true }), w, new Writable({ write: (_c, _e, cb) => cb() }));
    await assertRejects(done, tokens.length === 2 && tokens[1]?.type === 'value' ? 'WRITER_TRUNCATED' : 'WRITER_BAD_TOKEN');
  }
});
