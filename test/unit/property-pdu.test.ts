/**
 * Property tests of the upper layer (fast-check): what the fixed byte vectors of pdu-codec.test.ts cannot cover.
 * - every PDU the encoder can write decodes back to itself;
 * - the PduReader gives the same PDUs however the socket cuts the bytes;
 * - bytes from a hostile or broken peer (random, mutated, truncated) end in a DimseError that names its code and
 *   byte offset, never in another exception and never in a hang;
 * - the PDV splitter respects the peer's maximum PDU length for any length and any data size.
 * Each property runs a few hundred cases; a failure prints fast-check's seed and the shrunk counter-example.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DimseError } from '../../lib/errors';
import { PduReader, decodePdu, encodePdu } from '../../lib/pdu';
import type { AssociateAc, AssociateRq, Pdu, UserInformation } from '../../lib/pdu';
import { usablePeerMaxPduLength } from '../../lib/association';
import { maxPdvData, splitBuffer } from '../../lib/pdv/splitter';
import { assertTypedError, bytes, cut, mutation, uid } from '../helpers/property';

const RUNS = { numRuns: 300 };

// ---- arbitraries --------------------------------------------------------------------------------------------

const aeTitle = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'), minLength: 1, maxLength: 16 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const pcIds = fc.uniqueArray(fc.integer({ min: 0, max: 127 }).map((n) => 2 * n + 1), { minLength: 1, maxLength: 6 });

/** User information with only the keys the decoder sets (absent optional items stay absent). */
function userInfo(side: 'rq' | 'ac'): fc.Arbitrary<UserInformation> {
  return fc.record({
    maxPduLength: fc.nat({ max: 0xffffffff }),
    implementationClassUid: uid,
    implementationVersionName: fc.option(aeTitle, { nil: undefined }),
    asyncOps: fc.option(fc.record({ invoked: u16, performed: u16 }), { nil: undefined }),
    roleSelections: fc.array(fc.record({ sopClassUid: uid, scuRole: fc.boolean(), scpRole: fc.boolean() }), { maxLength: 3 }),
    extendedNegotiations: fc.array(fc.record({ sopClassUid: uid, info: bytes(16) }), { maxLength: 2 }),
    commonExtendedNegotiations: fc.array(fc.record({
      sopClassUid: uid, serviceClassUid: uid, relatedGeneralSopClassUids: fc.array(uid, { maxLength: 3 }),
    }), { maxLength: 2 }),
    userIdentityRq: side === 'rq'
      ? fc.option(fc.record({ identityType: fc.integer({ min: 1, max: 5 }), positiveResponseRequested: fc.boolean(), primaryField: bytes(20), secondaryField: bytes(20) }), { nil: undefined })
      : fc.constant(undefined),
    userIdentityAc: side === 'ac' ? fc.option(bytes(20), { nil: undefined }) : fc.constant(undefined),
  }).map((ui) => {
    const out = { ...ui } as Record<string, unknown>;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out as unknown as UserInformation;
  });
}

const associateRq: fc.Arbitrary<AssociateRq> = fc.record({
  calledAeTitle: aeTitle, callingAeTitle: aeTitle, applicationContext: uid, ids: pcIds,
  syntaxes: fc.array(fc.tuple(uid, fc.array(uid, { minLength: 1, maxLength: 4 })), { minLength: 6, maxLength: 6 }),
  userInfo: userInfo('rq'),
}).map(({ ids, syntaxes, ...r }) => ({
  type: 'A-ASSOCIATE-RQ' as const, protocolVersion: 1, ...r,
  presentationContexts: ids.map((id, i) => ({ id, abstractSyntax: syntaxes[i]![0], transferSyntaxes: syntaxes[i]![1] })),
}));

const associateAc: fc.Arbitrary<AssociateAc> = fc.record({
  calledAeTitle: aeTitle, callingAeTitle: aeTitle, applicationContext: uid, ids: pcIds,
  results: fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), uid), { minLength: 6, maxLength: 6 }),
  userInfo: userInfo('ac'),
}).map(({ ids, results, ...r }) => ({
  type: 'A-ASSOCIATE-AC' as const, protocolVersion: 1, ...r,
  presentationContexts: ids.map((id, i) => ({ id, result: results[i]![0], transferSyntax: results[i]![1] })),
}));

const pdv = fc.record({ contextId: fc.integer({ min: 1, max: 255 }), isCommand: fc.boolean(), isLast: fc.boolean(), data: bytes(300) });

/** fast-check's records have no prototype; the decoder's objects are plain: compare like with like. */
function plain<T>(v: T): T {
  if (Buffer.isBuffer(v) || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plain) as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) as T;
}

const anyPdu: fc.Arbitrary<Pdu> = fc.oneof(
  associateRq,
  associateAc,
  fc.record({ result: fc.integer({ min: 1, max: 2 }), source: fc.integer({ min: 1, max: 3 }), reason: fc.integer({ min: 0, max: 7 }) })
    .map((r) => ({ type: 'A-ASSOCIATE-RJ' as const, ...r })),
  fc.array(pdv, { minLength: 1, maxLength: 4 }).map((pdvs) => ({ type: 'P-DATA-TF' as const, pdvs })),
  fc.constant({ type: 'A-RELEASE-RQ' as const }),
  fc.constant({ type: 'A-RELEASE-RP' as const }),
  fc.record({ source: fc.constantFrom(0, 2), reason: fc.integer({ min: 0, max: 6 }) }).map((r) => ({ type: 'A-ABORT' as const, ...r })),
).map(plain);

/** Feeds chunks to a PduReader and collects what it gives: the PDUs, then the error it ended with, if any. */
async function readAll(chunks: Buffer[], opts: { maxPduLength: number; maxOtherPduLength?: number }): Promise<{ pdus: Pdu[]; error?: unknown }> {
  const reader = new PduReader(opts);
  const pdus: Pdu[] = [];
  const done = new Promise<unknown>((resolve) => {
    reader.on('data', (p: Pdu) => pdus.push(p));
    reader.on('error', (e) => resolve(e));
    reader.on('end', () => resolve(undefined));
  });
  for (const c of chunks) if (!reader.destroyed) reader.write(c);
  if (!reader.destroyed) reader.end();
  const error = await done;
  return error === undefined ? { pdus } : { pdus, error };
}

const assertTyped = (e: unknown): void => assertTypedError(e, /^PDU_/);

// ---- properties ---------------------------------------------------------------------------------------------

test('property: every PDU the encoder writes decodes back to itself', () => {
  fc.assert(fc.property(anyPdu, (pdu) => {
    assert.deepEqual(decodePdu(encodePdu(pdu)), pdu);
  }), RUNS);
});

test('property: the PduReader gives the same PDUs however the bytes are cut into chunks', async () => {
  await fc.assert(fc.asyncProperty(fc.array(anyPdu, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), async (pdus, points) => {
    const wire = Buffer.concat(pdus.map(encodePdu));
    const got = await readAll(cut(wire, points), { maxPduLength: 0 });
    assert.equal(got.error, undefined);
    assert.deepEqual(got.pdus, pdus);
  }), { numRuns: 200 });
});

test('property: random bytes from a peer end in a typed PDU error or in PDUs, never in another exception', async () => {
  await fc.assert(fc.asyncProperty(bytes(200), fc.array(fc.nat(), { maxLength: 4 }), async (junk, points) => {
    const got = await readAll(cut(junk, points), { maxPduLength: 16384, maxOtherPduLength: 4096 });
    if (got.error !== undefined) assertTyped(got.error);
  }), RUNS);
});

test('property: valid PDUs with bytes changed or cut off end in a typed PDU error or in PDUs, never in another exception', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(anyPdu, { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), fc.array(fc.nat(), { maxLength: 4 }),
    async (pdus, mutations, cutAt, points) => {
      const wire = Buffer.concat(pdus.map(encodePdu));
      for (const m of mutations) wire[m.at % wire.length] = m.value;
      const sent = cutAt === null ? wire : wire.subarray(0, cutAt % (wire.length + 1));
      const got = await readAll(cut(sent, points), { maxPduLength: 16384, maxOtherPduLength: 1 << 20 });
      if (got.error !== undefined) assertTyped(got.error);
      // Whatever was decoded is a well-formed PDU object: it encodes again (or is refused by the encoder, typed).
      for (const p of got.pdus) {
        try {
          encodePdu(p);
        } catch (e) {
          assert.ok(e instanceof DimseError, String(e));
        }
      }
    }), { numRuns: 500 });
});

test('property: decodePdu on any bytes returns a PDU or throws a typed PDU error', () => {
  fc.assert(fc.property(bytes(120), fc.integer({ min: 1, max: 7 }), (body, type) => {
    const pdu = Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0]), body]);
    pdu.writeUInt32BE(body.length, 2);
    try {
      decodePdu(pdu);
    } catch (e) {
      assertTyped(e);
    }
  }), RUNS);
});

test('property: split PDVs fit the maximum PDU length we honour, carry the data in order and flag only the last', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 20000 }), fc.boolean(), (advertised, size, isCommand) => {
    const peerMax = usablePeerMaxPduLength(advertised);
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = i & 0xff;
    const pdvs = splitBuffer(data, 3, isCommand, peerMax);
    assert.ok(pdvs.length >= 1);
    for (const [i, v] of pdvs.entries()) {
      assert.ok(v.data.length <= maxPdvData(peerMax), `PDV of ${v.data.length} bytes over ${maxPdvData(peerMax)}`);
      if (peerMax > 0) assert.ok(6 + v.data.length <= peerMax, `PDU body of ${6 + v.data.length} bytes over the peer's ${peerMax}`);
      assert.equal(v.isLast, i === pdvs.length - 1);
      assert.equal(v.isCommand, isCommand);
      assert.equal(v.contextId, 3);
    }
    assert.ok(Buffer.concat(pdvs.map((v) => v.data)).equals(data));
  }), RUNS);
});

test('a maximum PDU length that leaves no room for PDV data is refused by the splitter, not looped on', () => {
  for (const max of [1, 5, 6]) {
    assert.throws(() => splitBuffer(Buffer.alloc(10), 1, false, max), (e: unknown) => e instanceof DimseError && e.code === 'PDV_LIMIT_TOO_SMALL');
  }
});
