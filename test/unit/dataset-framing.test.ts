/**
 * FramingCheck (the +B check, headers only) against the full tokenizer: on data sets with every framing form
 * (explicit- and undefined-length sequences and items, nested, encapsulated pixel data, undefined-length UN with
 * implicit VR items) in the three uncompressed encodings, every prefix is accepted by one exactly when it is by the
 * other, fed whole and in 1..7-byte pieces; and what the full parser refuses as a framing error, it refuses too.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { elementHeader, itemHeader } from '../../lib/dataset/codec/encode';
import { FramingCheck } from '../../lib/dataset/codec/framing-check';
import { DatasetParser } from '../../lib/dataset/codec/tokenizer';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, type DatasetSyntax } from '../../lib/dataset/codec/transfer-syntax';
import { DimseError } from '../../lib/errors';
import { chunks } from '../helpers/dataset';

const U = 0xffffffff;

function framed(s: DatasetSyntax): Buffer {
  const el = (tag: number, vr: string, v: Buffer): Buffer => Buffer.concat([elementHeader(tag, vr, v.length, s), v]);
  const str = (tag: number, vr: string, v: string): Buffer => el(tag, vr, Buffer.from(v, 'latin1'));
  const item = (len: number, syn: DatasetSyntax = s): Buffer => itemHeader(0xfffee000, len, syn);
  const innerItem = Buffer.concat([str(0x00081150, 'UI', '1.2.3.4\0'), str(0x00081155, 'UI', '5.6\0')]);
  const nested = Buffer.concat([item(innerItem.length), innerItem]);
  // An explicit-length sequence inside an undefined-length item of an undefined-length sequence.
  const innerSeq = Buffer.concat([elementHeader(0x00081140, 'SQ', nested.length, s), nested]);
  const undefinedSeq = Buffer.concat([
    elementHeader(0x00081115, 'SQ', U, s), item(U), innerSeq, str(0x00100020, 'LO', 'ID'), itemHeader(0xfffee00d, 0, s),
    item(0), itemHeader(0xfffee0dd, 0, s),
  ]);
  const imp = (tag: number, v: string): Buffer => Buffer.concat([elementHeader(tag, 'LO', v.length, IMPLICIT_LE), Buffer.from(v, 'latin1')]);
  const unSeq = s.explicitVr
    ? Buffer.concat([elementHeader(0x00091010, 'UN', U, s), item(U, IMPLICIT_LE), imp(0x00091011, 'pv'), itemHeader(0xfffee00d, 0, IMPLICIT_LE), itemHeader(0xfffee0dd, 0, IMPLICIT_LE)])
    : Buffer.alloc(0);
  const frags = Buffer.concat([
    elementHeader(0x7fe00010, 'OB', U, s), item(0), item(6), Buffer.from('abcdef'), item(4), Buffer.from('ghij'), itemHeader(0xfffee0dd, 0, s),
  ]);
  return Buffer.concat([
    str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7\0'), str(0x00080018, 'UI', '1.2.3\0'), undefinedSeq,
    s.explicitVr ? Buffer.concat([str(0x00090010, 'LO', 'ACME'), unSeq]) : Buffer.alloc(0),
    el(0x00280010, 'US', s.littleEndian ? Buffer.from([2, 0]) : Buffer.from([0, 2])),
    el(0x00291010, 'OB', Buffer.alloc(300, 1)), frags,
  ]);
}

function framingOk(parts: Buffer[], s: DatasetSyntax): boolean {
  const f = new FramingCheck(s);
  try {
    for (const p of parts) f.write(p);
    f.end();
    return true;
  } catch (e) {
    assert.ok(e instanceof DimseError && e.code.startsWith('DATASET_'), String(e));
    return false;
  }
}

function parserOk(data: Buffer, s: DatasetSyntax): boolean {
  const p = new DatasetParser(s, () => {});
  try {
    p.write(data);
    p.end();
    return true;
  } catch {
    return false;
  }
}

for (const [name, s] of [['explicit LE', EXPLICIT_LE], ['explicit BE', EXPLICIT_BE], ['implicit LE', IMPLICIT_LE]] as const) {
  test(`framing check (${name}): every prefix accepted exactly when the full parser accepts it, whole and in pieces`, () => {
    const data = framed(s);
    assert.ok(framingOk([data], s) && parserOk(data, s));
    let refused = 0;
    for (let n = 0; n < data.length; n++) {
      const prefix = data.subarray(0, n);
      const expected = parserOk(prefix, s);
      assert.equal(framingOk([prefix], s), expected, `prefix of ${n} bytes`);
      assert.equal(framingOk(chunks(prefix, n + 1), s), expected, `prefix of ${n} bytes, in pieces`);
      if (!expected) refused++;
    }
    // Most prefixes end inside something; the few accepted end between two top-level elements.
    assert.ok(refused > data.length * 0.9, `${refused} of ${data.length}`);
  });
}

test('framing check: a length past its item, a stray delimiter, an unclosed sequence are refused, naming the place', () => {
  const s = EXPLICIT_LE;
  const v = Buffer.from('1.2\0', 'latin1');
  const itemBody = Buffer.concat([elementHeader(0x00081150, 'UI', 40, s), v]);
  const overrun = Buffer.concat([elementHeader(0x00081140, 'SQ', 8 + itemBody.length, s), itemHeader(0xfffee000, itemBody.length, s), itemBody]);
  const cases: [Buffer, RegExp][] = [
    [overrun, /length 40 of \(0008,1150\) runs past the end of its enclosing item or sequence/],
    [itemHeader(0xfffee0dd, 0, s), /\(FFFE,E0DD\) out of place in the data set/i],
    [Buffer.concat([elementHeader(0x00081140, 'SQ', U, s), itemHeader(0xfffee000, 0, s)]), /stream ended inside \(0008,1140\): expected a delimitation item/],
    [Buffer.concat([elementHeader(0x00100010, 'PN', 10, s), Buffer.from('Doe')]), /stream ended inside the value of \(0010,0010\): expected 7 more byte/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => { const f = new FramingCheck(s); f.write(bytes); f.end(); }, (e: unknown) => e instanceof DimseError && pattern.test(e.message), pattern.source);
    assert.equal(parserOk(bytes, s), false);
  }
});
