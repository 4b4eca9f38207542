/**
 * DatasetTokenizer against DCMTK: files made by dump2dcm / dcmconv from test/fixtures/dataset/many-vrs.dump,
 * and hand-built byte layouts DCMTK cannot be asked to write (mixed length kinds, odd lengths, UN sequences,
 * fragments), each listed by dcmdump and by our tokens and compared line by line. Every file is also fed in
 * random 1..7-byte chunks. Commands (run in a temp dir):
 *   dump2dcm -e many-vrs.dump ul.dcm          (undefined-length sequences and items, explicit VR LE)
 *   dump2dcm    many-vrs.dump el.dcm          (explicit lengths)
 *   dcmconv +ti ul.dcm implicit.dcm; dcmconv +tb ul.dcm be.dcm; dcmconv +td ul.dcm deflated.dcm
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { chunks, FIXTURES, listDcmdump, listTokens, run, tempDir, tokenize } from '../helpers/dataset';
import { parseFileMeta, encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import { elementHeader, encodeDataset, itemHeader } from '../../lib/dataset/codec/encode';
import {
  EXPLICIT_BE,
  EXPLICIT_LE,
  EXPLICIT_VR_BIG_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLICIT_LE,
  type DatasetSyntax,
} from '../../lib/dataset/codec/transfer-syntax';
import { DimseError } from '../../lib/errors';
import type { DatasetToken } from '../../lib/dataset/codec/tokens';

const DCMTK = ['dump2dcm', 'dcmconv', 'dcmdump'];
const SEEDS = [1, 2, 3, 42, 1234];

async function tokensOfFile(file: string, seed: number | null): Promise<DatasetToken[]> {
  const bytes = readFileSync(file);
  const meta = parseFileMeta(bytes, { final: true });
  assert.ok(meta);
  const body = bytes.subarray(meta.datasetOffset);
  const parts = seed === null ? [body] : chunks(body, seed);
  return tokenize(parts, { transferSyntax: meta.transferSyntaxUid ?? meta.syntax, startOffset: meta.datasetOffset });
}

async function assertSameAsDcmdump(file: string): Promise<void> {
  const expected = listDcmdump(file);
  assert.ok(expected.length > 3, `dcmdump listed the dataset of ${file}`);
  for (const seed of [null, ...SEEDS]) {
    const actual = listTokens(await tokensOfFile(file, seed));
    assert.deepEqual(actual, expected, `tokens of ${file} (chunking seed ${seed}) differ from dcmdump`);
  }
}

peerTest('tokenizer: DCMTK-written files in the four uncompressed transfer syntaxes match dcmdump', DCMTK, async () => {
  const dir = tempDir();
  const dump = join(FIXTURES, 'many-vrs.dump');
  const ul = join(dir, 'ul.dcm');
  run('dump2dcm', ['-q', '-e', dump, ul]);
  run('dump2dcm', ['-q', dump, join(dir, 'el.dcm')]);
  run('dcmconv', ['-q', '+ti', ul, join(dir, 'implicit.dcm')]);
  run('dcmconv', ['-q', '+tb', ul, join(dir, 'be.dcm')]);
  run('dcmconv', ['-q', '+td', ul, join(dir, 'deflated.dcm')]);
  run('dcmconv', ['-q', '+td', '-e', ul, join(dir, 'deflated-ul.dcm')]);
  for (const f of ['ul.dcm', 'el.dcm', 'implicit.dcm', 'be.dcm', 'deflated.dcm', 'deflated-ul.dcm']) {
    await assertSameAsDcmdump(join(dir, f));
  }
});

/** A hand-built dataset: mixed length kinds nested, odd and empty values, a private UN sequence, fragments. */
function handBuilt(s: DatasetSyntax): Buffer {
  const h = (tag: number, vr: string, len: number): Buffer => elementHeader(tag, vr, len, s);
  const it = (tag: number, len: number, syn: DatasetSyntax = s): Buffer => itemHeader(tag, len, syn);
  const U = 0xffffffff;
  const str = (tag: number, vr: string, v: string): Buffer => Buffer.concat([h(tag, vr, v.length), Buffer.from(v, 'latin1')]);
  // innermost: explicit-length item with one element
  const inner = str(0x00080100, 'SH', 'CODE1 ');
  const innerItem = Buffer.concat([it(0xfffee000, inner.length), inner]);
  // undefined-length sequence holding it, inside an undefined-length item
  const midSeq = Buffer.concat([h(0x0040a730, 'SQ', U), innerItem, it(0xfffee0dd, 0)]);
  const midItem = Buffer.concat([it(0xfffee000, U), str(0x0040a040, 'CS', 'TEXT'), midSeq, it(0xfffee00d, 0)]);
  const emptyItem = it(0xfffee000, 0);
  // explicit-length outer sequence
  const outerBody = Buffer.concat([midItem, emptyItem]);
  const outer = Buffer.concat([h(0x00081110, 'SQ', outerBody.length), outerBody]);
  // UN with undefined length: implicit VR LE content whatever the outer syntax (PS3.5 6.2.2)
  const il = (tag: number, v: Buffer): Buffer => Buffer.concat([elementHeader(tag, 'LO', v.length, IMPLICIT_LE), v]);
  const unItemBody = Buffer.concat([il(0x00190010, Buffer.from('ACME')), il(0x00191010, Buffer.from('ab'))]);
  const unSeq = s.explicitVr
    ? Buffer.concat([
      h(0x00191002, 'UN', U),
      itemHeader(0xfffee000, unItemBody.length, IMPLICIT_LE),
      unItemBody,
      itemHeader(0xfffee0dd, 0, IMPLICIT_LE),
    ])
    : Buffer.alloc(0);
  const odd = str(0x00100010, 'PN', 'Odd^Len'); // 7 bytes: tolerated (DCMTK warns)
  return Buffer.concat([
    str(0x00080050, 'SH', ''), outer, odd, str(0x00100020, 'LO', 'P1'),
    str(0x00190010, 'LO', 'ACME'), unSeq,
  ]);
}

function encapsulated(): Buffer {
  return encodeDataset(
    [
      { tag: 0x00280010, vr: 'US', value: Buffer.from([2, 0]) },
      { tag: 0x7fe00010, vr: 'OB', value: { fragments: [Buffer.alloc(0), Buffer.from([1, 2, 3, 4]), Buffer.from([5, 6, 7, 8, 9, 10])] } },
    ],
    EXPLICIT_VR_LITTLE_ENDIAN,
  );
}

function withMeta(ts: string, body: Buffer): Buffer {
  return Buffer.concat([
    encodeFileMeta({
      mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      mediaStorageSopInstanceUid: '1.2.3',
      transferSyntaxUid: ts,
      implementationClassUid: '1.2.3.4',
      implementationVersionName: 'TEST',
    }),
    body,
  ]);
}

peerTest('tokenizer: hand-built mixed lengths, odd values, UN sequence and fragments match dcmdump', DCMTK, async () => {
  const dir = tempDir();
  const cases: [string, string, Buffer][] = [
    ['mixed-le.dcm', EXPLICIT_VR_LITTLE_ENDIAN, handBuilt(EXPLICIT_LE)],
    ['mixed-be.dcm', EXPLICIT_VR_BIG_ENDIAN, handBuilt(EXPLICIT_BE)],
    ['mixed-il.dcm', '1.2.840.10008.1.2', handBuilt(IMPLICIT_LE)],
    ['fragments.dcm', '1.2.840.10008.1.2.4.50', encapsulated()],
  ];
  for (const [name, ts, body] of cases) {
    const file = join(dir, name);
    writeFileSync(file, withMeta(ts, body));
    await assertSameAsDcmdump(file);
  }
});

test('tokenizer: encapsulated pixel data gives the offset table as fragment 0, then each fragment', async () => {
  const tokens = await tokenize(chunks(encapsulated(), 7, 3), { transferSyntax: '1.2.840.10008.1.2.4.50' });
  const kinds = tokens.map((t) => t.type).filter((t) => t !== 'value');
  assert.deepEqual(kinds, [
    'element', 'elementEnd', 'encapsulatedStart',
    'fragmentStart', 'fragmentEnd', 'fragmentStart', 'fragmentEnd', 'fragmentStart', 'fragmentEnd', 'encapsulatedEnd',
  ]);
  const frags = tokens.filter((t) => t.type === 'fragmentStart');
  assert.deepEqual(frags.map((f) => (f.type === 'fragmentStart' ? [f.index, f.length] : [])), [[0, 0], [1, 4], [2, 6]]);
});

test('tokenizer: a large value streams in chunks (not buffered) and big-endian words are swapped across chunk edges', async () => {
  const n = 300_000; // OW words, 600 kB
  const le = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) le.writeUInt16LE(i & 0xffff, i * 2);
  const be = Buffer.from(le).swap16();
  const body = Buffer.concat([elementHeader(0x7fe00010, 'OW', be.length, EXPLICIT_BE), be]);
  // odd chunk sizes so that words are split between chunks
  const parts: Buffer[] = [];
  for (let p = 0, k = 0; p < body.length; k++) {
    const size = [4093, 1, 8191, 3][k % 4] as number;
    parts.push(body.subarray(p, p + size));
    p += size;
  }
  const tokens = await tokenize(parts, { transferSyntax: EXPLICIT_VR_BIG_ENDIAN });
  const values = tokens.filter((t) => t.type === 'value');
  assert.ok(values.length > 10, 'many value tokens');
  assert.ok(values.every((v) => v.type === 'value' && v.data.length <= 8192), 'each chunk small');
  const joined = Buffer.concat(values.map((v) => (v.type === 'value' ? v.data : Buffer.alloc(0))));
  assert.ok(joined.equals(le), 'values are little endian');
});

test('tokenizer: small values come whole, as one token, whatever the chunking', async () => {
  const body = encodeDataset([{ tag: 0x00100010, vr: 'PN', value: Buffer.from('A'.repeat(1000)) }], EXPLICIT_VR_LITTLE_ENDIAN);
  const tokens = await tokenize(chunks(body, 9, 5), { transferSyntax: EXPLICIT_VR_LITTLE_ENDIAN });
  assert.equal(tokens.filter((t) => t.type === 'value').length, 1);
});

// ---- bad input: a clear DimseError with tag and offset, no crash, no hang ------------------------------------

async function expectError(body: Buffer, ts: string | DatasetSyntax, code: string, tag: number | undefined, offset: number | undefined, extra: Partial<Parameters<typeof tokenize>[1]> = {}): Promise<DimseError> {
  for (const parts of [[body], chunks(body, 3), chunks(body, 11)]) {
    const err = await tokenize(parts, { transferSyntax: ts, ...extra }).then(
      () => assert.fail(`expected ${code}`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DimseError, `a DimseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (tag !== undefined) assert.equal(err.place.tag, tag, err.message);
    if (offset !== undefined) assert.equal(err.place.offset, offset, err.message);
    if (parts.length === 1) {
      assert.match(err.message, /expected|offset/);
      return err;
    }
  }
  throw new Error('unreachable');
}

const LE = EXPLICIT_VR_LITTLE_ENDIAN;
const hdr = (tag: number, vr: string, len: number, s: DatasetSyntax = EXPLICIT_LE): Buffer => elementHeader(tag, vr, len, s);
const item = (tag: number, len: number): Buffer => itemHeader(tag, len, EXPLICIT_LE);

test('tokenizer errors: a length past the end of its item or sequence', async () => {
  // item of 10 bytes holding an element of 4+... claiming 20 bytes
  const el = Buffer.concat([hdr(0x00100020, 'LO', 20), Buffer.alloc(2)]);
  const body = Buffer.concat([hdr(0x00081110, 'SQ', 8 + 10), item(0xfffee000, 10), el]);
  await expectError(body, LE, 'DATASET_LENGTH_OVERRUN', 0x00100020, 20);
  // item longer than its sequence
  const body2 = Buffer.concat([hdr(0x00081110, 'SQ', 8), item(0xfffee000, 100)]);
  await expectError(body2, LE, 'DATASET_LENGTH_OVERRUN', 0xfffee000, 12);
});

test('tokenizer errors: a truncated stream (inside a value, a header, an open sequence)', async () => {
  const v = Buffer.concat([hdr(0x00100010, 'PN', 10), Buffer.from('abc')]);
  const e1 = await expectError(v, LE, 'DATASET_TRUNCATED', 0x00100010, 11);
  assert.match(e1.message, /expected 7 more byte/);
  await expectError(hdr(0x00100010, 'PN', 10).subarray(0, 5), LE, 'DATASET_TRUNCATED', undefined, 0);
  const open = Buffer.concat([hdr(0x00081110, 'SQ', 0xffffffff), item(0xfffee000, 0xffffffff)]);
  const e3 = await expectError(open, LE, 'DATASET_TRUNCATED', 0x00081110, 20);
  assert.match(e3.message, /item delimitation/);
});

test('tokenizer errors: undefined length where the VR cannot have it', async () => {
  await expectError(hdr(0x00091010, 'OB', 0xffffffff), LE, 'DATASET_UNDEFINED_LENGTH', 0x00091010, 0);
  await expectError(hdr(0x00080119, 'UC', 0xffffffff), LE, 'DATASET_UNDEFINED_LENGTH', 0x00080119, 0);
  // implicit VR: a known non-sequence element with undefined length
  await expectError(hdr(0x00100010, 'PN', 0xffffffff, IMPLICIT_LE), '1.2.840.10008.1.2', 'DATASET_UNDEFINED_LENGTH', 0x00100010, 0);
  // a fragment with undefined length
  await expectError(Buffer.concat([hdr(0x7fe00010, 'OB', 0xffffffff), item(0xfffee000, 0xffffffff)]), '1.2.840.10008.1.2.4.50', 'DATASET_UNDEFINED_LENGTH', 0x7fe00010, 12);
});

test('tokenizer errors: delimiters out of place', async () => {
  await expectError(item(0xfffee0dd, 0), LE, 'DATASET_UNEXPECTED_DELIMITER', 0xfffee0dd, 0);
  await expectError(item(0xfffee00d, 0), LE, 'DATASET_UNEXPECTED_DELIMITER', 0xfffee00d, 0);
  await expectError(item(0xfffee000, 0), LE, 'DATASET_UNEXPECTED_ITEM', 0xfffee000, 0);
  // sequence delimiter inside an undefined-length item
  await expectError(Buffer.concat([hdr(0x00081110, 'SQ', 0xffffffff), item(0xfffee000, 0xffffffff), item(0xfffee0dd, 0)]), LE, 'DATASET_UNEXPECTED_DELIMITER', 0xfffee0dd, 20);
  // a data element directly in a sequence
  await expectError(Buffer.concat([hdr(0x00081110, 'SQ', 0xffffffff), hdr(0x00100010, 'PN', 0)]), LE, 'DATASET_EXPECTED_ITEM', 0x00100010, 12);
  // an undefined-length item not delimited before its explicit-length sequence ends
  await expectError(Buffer.concat([hdr(0x00081110, 'SQ', 16), item(0xfffee000, 0xffffffff), hdr(0x00100010, 'PN', 0)]), LE, 'DATASET_MISSING_DELIMITER', 0x00081110, 28);
});

test('tokenizer errors: odd lengths refused only with strictLengths; bad VR; corrupt deflate; nesting bound', async () => {
  const odd = Buffer.concat([hdr(0x00100010, 'PN', 3), Buffer.from('abc')]);
  const warnings: DimseError[] = [];
  const { DatasetTokenizer } = await import('../../lib/dataset/codec/tokenizer');
  const t = new DatasetTokenizer({ transferSyntax: LE });
  t.on('warning', (w: DimseError) => warnings.push(w));
  t.resume();
  t.end(odd);
  await new Promise((r) => t.on('end', r));
  assert.equal(warnings[0]?.code, 'DATASET_ODD_LENGTH');
  await expectError(odd, LE, 'DATASET_ODD_LENGTH', 0x00100010, 0, { strictLengths: true });
  await expectError(Buffer.concat([hdr(0x00280010, 'US', 4), Buffer.alloc(4)]).fill(0x41, 4, 6), LE, 'DATASET_BAD_VR', 0x00280010, 0);
  await expectError(Buffer.from('this is not deflate data at all, no no'), '1.2.840.10008.1.2.1.99', 'DATASET_DEFLATE', undefined, undefined);
  // a deflate stream cut short: zlib reports the truncation
  const { deflateRawSync } = await import('node:zlib');
  const whole = deflateRawSync(Buffer.concat([hdr(0x00100010, 'PN', 4000), Buffer.alloc(4000, 0x41)]));
  await expectError(whole.subarray(0, whole.length - 5), '1.2.840.10008.1.2.1.99', 'DATASET_DEFLATE', undefined, undefined);
  let deep = Buffer.alloc(0);
  for (let i = 0; i < 100; i++) deep = Buffer.concat([deep, hdr(0x00081110, 'SQ', 0xffffffff), item(0xfffee000, 0xffffffff)]);
  await expectError(deep, LE, 'DATASET_TOO_DEEP', 0x00081110, undefined);
});

test('tokenizer: an OW of odd length warns "not a multiple of 2" only in explicit VR, as DCMTK\'s DcmItem does; "odd" in both', async () => {
  const { DatasetTokenizer } = await import('../../lib/dataset/codec/tokenizer');
  const warningsFor = async (bytes: Buffer, ts: string): Promise<string[]> => {
    const codes: string[] = [];
    const t = new DatasetTokenizer({ transferSyntax: ts });
    t.on('warning', (w: DimseError) => codes.push(w.code));
    t.resume();
    t.end(bytes);
    await new Promise((r) => t.on('end', r));
    return codes;
  };
  // (0028,1201) Red Palette Color Lookup Table Data: OW in the dictionary, so implicit VR reads it as OW too.
  const explicit = Buffer.concat([hdr(0x00281201, 'OW', 3), Buffer.from([1, 2, 3])]);
  const implicit = Buffer.alloc(8 + 3);
  implicit.writeUInt16LE(0x0028, 0); implicit.writeUInt16LE(0x1201, 2); implicit.writeUInt32LE(3, 4);
  assert.deepEqual(await warningsFor(explicit, LE), ['DATASET_LENGTH_NOT_MULTIPLE', 'DATASET_ODD_LENGTH']);
  assert.deepEqual(await warningsFor(implicit, '1.2.840.10008.1.2'), ['DATASET_ODD_LENGTH']);
});

test('tokenizer: a sequence, an item and a pixel data fragment of odd length warn in stream order (DcmItem, then DcmSequenceOfItems); the item\'s warning names its sequence', async () => {
  const { DatasetTokenizer } = await import('../../lib/dataset/codec/tokenizer');
  const warningsFor = async (bytes: Buffer, opts: { strictLengths?: boolean } = {}): Promise<[string, number | undefined][]> => {
    const got: [string, number | undefined][] = [];
    const t = new DatasetTokenizer({ transferSyntax: LE, ...opts });
    t.on('warning', (w: DimseError) => got.push([w.code, w.place.tag]));
    t.resume();
    t.end(bytes);
    await new Promise((r) => t.on('end', r));
    return got;
  };
  const inner = Buffer.concat([hdr(0x00100020, 'LO', 3), Buffer.from('PAT')]);
  const sequence = Buffer.concat([hdr(0x00081115, 'SQ', 8 + inner.length), item(0xfffee000, inner.length), inner]);
  assert.deepEqual(await warningsFor(sequence), [['DATASET_ODD_LENGTH', 0x00081115], ['DATASET_ODD_ITEM_LENGTH', 0x00081115], ['DATASET_ODD_LENGTH', 0x00100020]]);
  const pixels = Buffer.concat([hdr(0x7fe00010, 'OB', 0xffffffff), item(0xfffee000, 3), Buffer.alloc(3), item(0xfffee000, 5), Buffer.alloc(5), item(0xfffee0dd, 0)]);
  assert.deepEqual(await warningsFor(pixels), [['DATASET_ODD_ITEM_LENGTH', 0x7fe00010], ['DATASET_ODD_ITEM_LENGTH', 0x7fe00010]]);
  await expectError(pixels, LE, 'DATASET_ODD_ITEM_LENGTH', 0x7fe00010, 12, { strictLengths: true });
});

test('tokenizer: an empty dataset and a zero-length explicit sequence', async () => {
  assert.deepEqual(await tokenize([], { transferSyntax: LE }), []);
  const tokens = await tokenize([hdr(0x00081110, 'SQ', 0)], { transferSyntax: LE });
  assert.deepEqual(tokens.map((x) => x.type), ['sequenceStart', 'sequenceEnd']);
});

test('tokenizer: mutated inputs end in tokens or a DimseError, never a crash or a hang', async () => {
  const { rng } = await import('../helpers/dataset');
  const base = Buffer.concat([handBuilt(EXPLICIT_LE), encapsulated()]);
  const r = rng(77);
  for (let i = 0; i < 400; i++) {
    const m = Buffer.from(base);
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) m[Math.floor(r() * m.length)] = Math.floor(r() * 256);
    const cut = r() < 0.3 ? m.subarray(0, Math.floor(r() * m.length)) : m;
    const ts = [LE, '1.2.840.10008.1.2', EXPLICIT_VR_BIG_ENDIAN][i % 3] as string;
    await tokenize(chunks(cut, i, 9), { transferSyntax: ts }).catch((e: unknown) => {
      assert.ok(e instanceof DimseError, `input ${i}: ${String(e)}`);
    });
  }
});
