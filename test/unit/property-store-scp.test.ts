/**
 * Property test of the embedded Storage SCP as a whole (fast-check): a peer that, once associated, sends a random
 * mix of well-formed and broken traffic (C-STORE-RQ commands, data PDVs with valid or random bytes, random command
 * bytes, PDVs on a context that was not negotiated, a release request, bytes that are no PDU at all), then asks
 * for a release. Whatever it sends: the server answers with a release or an abort (no hang), nothing is left half-written (no temporary file, no file
 * without its whole data set), every success response names a file that is there, and the process does not
 * crash (an uncaught exception would end this test file).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeCommand, encodeCommand } from '../../lib/dimse/command';
import { parseFileMeta } from '../../lib/dataset/part10/file-meta';
import { DatasetParser } from '../../lib/dataset/codec/tokenizer';
import { PduReader, encodePdu, type Pdu } from '../../lib/pdu';
import { CT, RELEASE_RQ, rawAssociate, startStoreServer } from '../helpers/raw-store-peer';
import { bytes, propertySeed } from '../helpers/property';
import { ctDataset } from '../helpers/dataset';

const UIDS = ['1.2.3.1', '1.2.3.2', '1.2.3.3'];

const dataset = (uid: string, padding: number): Buffer => ctDataset({ sopInstanceUid: uid, patientId: 'PROP', pixelBytes: 2 * padding, fill: 1 });

const pdata = (contextId: number, isCommand: boolean, isLast: boolean, data: Buffer): Buffer =>
  encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand, isLast, data }] });


/** One thing the peer sends. */
const step: fc.Arbitrary<Buffer> = fc.oneof(
  // A whole, valid C-STORE: command and data set.
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...UIDS), fc.nat({ max: 3000 }))
    .map(([uid, pad]) => Buffer.concat([pdata(1, true, true, encodeCommandRq(uid, 1)), pdata(1, false, true, dataset(uid, pad))])) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...UIDS), fc.integer({ min: 1, max: 9 })).map(([uid, id]) => pdata(1, true, true, encodeCommandRq(uid, id))) },
  // A whole data set, or a piece of one (a prefix, maybe not last), of a valid object.
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...UIDS), fc.nat({ max: 3000 }), fc.boolean(), fc.option(fc.nat(), { nil: null }))
    .map(([uid, pad, isLast, cut]) => {
      const d = dataset(uid, pad);
      return pdata(1, false, isLast || cut === null, cut === null ? d : d.subarray(0, cut % (d.length + 1)));
    }) },
  { weight: 2, arbitrary: fc.tuple(fc.boolean(), bytes(300)).map(([isLast, data]) => pdata(1, false, isLast, data)) },
  { weight: 1, arbitrary: fc.tuple(fc.boolean(), bytes(100)).map(([isLast, data]) => pdata(1, true, isLast, data)) },
  { weight: 1, arbitrary: bytes(40).map((data) => pdata(3, false, true, data)) },
  { weight: 1, arbitrary: fc.constant(RELEASE_RQ) },
  { weight: 1, arbitrary: bytes(30) },
);

function encodeCommandRq(uid: string, messageId: number): Buffer {
  return encodeCommand({ CommandField: 0x0001, MessageID: messageId, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid, Priority: 0, CommandDataSetType: 0 });
}

/** Whether a file is Part 10 with a data set that parses to its end. */
function readsToTheEnd(file: string): boolean {
  const bytes = readFileSync(file);
  const meta = parseFileMeta(bytes, { final: true });
  if (!meta) return false;
  try {
    const parser = new DatasetParser({ explicitVr: true, littleEndian: true }, () => {});
    parser.write(bytes.subarray(meta.datasetOffset));
    parser.end();
    return true;
  } catch {
    return false;
  }
}

test('property: whatever an associated peer sends, the association ends, nothing is half-written, every success names a file', async (t) => {
  const seed = propertySeed(t);
  let successes = 0;
  let stored = 0;
  await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
    const store = await startStoreServer();
    const peer = await rawAssociate(store.port);
    // What the server answers, decoded from the bytes it sent (it may stop mid-PDU when it aborts).
    const reader = new PduReader({ maxPduLength: 0 });
    const answers: Pdu[] = [];
    reader.on('data', (p: Pdu) => {
      answers.push(p);
      // As a requestor does: the association is over once released or aborted; close the connection.
      if (p.type === 'A-RELEASE-RP' || p.type === 'A-ABORT') peer.socket.destroy();
    });
    reader.on('error', () => peer.socket.destroy());
    peer.socket.removeAllListeners('data');
    peer.socket.on('data', (d: Buffer) => reader.write(d));
    const closed = once(peer.socket, 'close');
    // The traffic, then a release request: the server must answer it (after the responses it owes) or abort.
    for (const s of [...steps, RELEASE_RQ]) if (!peer.socket.destroyed) peer.socket.write(s);
    await closed;
    const whole = new Map<string, boolean>();
    const files = await store.close((dir) => {
      for (const name of readdirSync(dir)) whole.set(name, readsToTheEnd(join(dir, name)));
    });
    // Nothing half-written: no temporary file is left, and each file is a Part 10 file whose data set reads to its end.
    for (const name of files) {
      assert.match(name, /^CT\.1\.2\.3\.[123]$/, `unexpected file ${name}`);
      assert.equal(whole.get(name), true, `${name} does not read to its end`);
    }
    // Each success response names an object that is on disk, complete (its data set is one we sent, whole).
    for (const p of answers) {
      if (p.type !== 'P-DATA-TF') continue;
      for (const v of p.pdvs) {
        if (!v.isCommand) continue;
        const rsp = decodeCommand(v.data);
        if (rsp.CommandField !== 0x8001 || rsp.Status !== 0) continue;
        successes++;
        assert.ok(files.includes(`CT.${rsp.AffectedSOPInstanceUID}`), `success for ${rsp.AffectedSOPInstanceUID} but no file`);
      }
    }
    stored += files.length;
  }), { numRuns: 60, seed });
  // Not vacuous: some runs did store objects and got success responses.
  assert.ok(successes > 0 && stored > 0, `successes ${successes}, files ${stored}`);
});

// The property checks files by name and structure; this one checks the bytes of a stored object.
test('a C-STORE sent whole among the random traffic is stored byte for byte', async () => {
  const store = await startStoreServer();
  const peer = await rawAssociate(store.port);
  const d = dataset(UIDS[0]!, 100);
  peer.socket.write(pdata(1, true, true, encodeCommandRq(UIDS[0]!, 1)));
  peer.socket.write(pdata(1, false, true, d));
  const rsp = decodeCommand((await peer.nextPdu()).subarray(12));
  assert.equal(rsp.Status, 0);
  const file = readFileSync(join(store.dir, `CT.${UIDS[0]}`));
  assert.ok(file.subarray(file.length - d.length).equals(d));
  peer.socket.write(RELEASE_RQ);
  assert.equal((await peer.nextPdu())[0], 0x06, 'A-RELEASE-RP expected');
  peer.socket.destroy();
  assert.deepEqual(await store.close(), [`CT.${UIDS[0]}`]);
});
