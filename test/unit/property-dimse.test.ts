/**
 * Property tests of the DIMSE command codec (fast-check): any command we can write reads back to itself, and any
 * bytes a peer sends as a command set (random, or a valid one damaged) give a Command or a typed DIMSE error with
 * its byte offset: the caller then aborts the association, it never crashes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCommand, encodeCommand, type Command } from '../../lib/dimse/command';
import { assertTypedError, mutation, uid } from '../helpers/property';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.nat({ max: 0xffffffff });
const ae = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'), minLength: 1, maxLength: 16 });
const text = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 .,:'), maxLength: 64 }).map((s) => s.trim());

/** Commands as the decoder gives them: optional fields absent rather than undefined. */
const command: fc.Arbitrary<Command> = fc.record({
  CommandField: u16, CommandDataSetType: u16,
  MessageID: u16, MessageIDBeingRespondedTo: u16, AffectedSOPClassUID: uid, RequestedSOPClassUID: uid,
  AffectedSOPInstanceUID: uid, RequestedSOPInstanceUID: uid, MoveDestination: ae, Priority: u16, Status: u16,
  OffendingElement: fc.array(u32, { minLength: 1, maxLength: 3 }), ErrorComment: text.filter((s) => s.length > 0), ErrorID: u16,
  NumberOfRemainingSuboperations: u16, NumberOfCompletedSuboperations: u16, NumberOfFailedSuboperations: u16,
  NumberOfWarningSuboperations: u16, MoveOriginatorApplicationEntityTitle: ae, MoveOriginatorMessageID: u16,
}, { requiredKeys: ['CommandField', 'CommandDataSetType'] }).map((c) => ({ ...c }) as Command);

const assertTyped = (e: unknown): void => assertTypedError(e, /^DIMSE_/);

test('property: every command we encode decodes back to itself', () => {
  fc.assert(fc.property(command, (c) => {
    assert.deepEqual(decodeCommand(encodeCommand(c)), c);
  }), { numRuns: 300 });
});

test('encodeCommand: elements in tag order after the group length, an odd UI padded with NUL, an odd AE with a space', () => {
  const bytes = encodeCommand({ CommandField: 0x8001, MessageIDBeingRespondedTo: 7, AffectedSOPClassUID: '1.2.3', MoveDestination: 'ABC', CommandDataSetType: 0x0101, Status: 0 });
  const expected = Buffer.concat([
    Buffer.from([0, 0, 0, 0, 4, 0, 0, 0]), Buffer.from([66, 0, 0, 0]), // (0000,0000) UL: the 66 bytes after it
    Buffer.from([0, 0, 0x02, 0, 6, 0, 0, 0]), Buffer.from('1.2.3\0', 'latin1'),
    Buffer.from([0, 0, 0x00, 1, 2, 0, 0, 0, 0x01, 0x80]),
    Buffer.from([0, 0, 0x20, 1, 2, 0, 0, 0, 7, 0]),
    Buffer.from([0, 0, 0x00, 6, 4, 0, 0, 0]), Buffer.from('ABC ', 'latin1'),
    Buffer.from([0, 0, 0x00, 8, 2, 0, 0, 0, 0x01, 0x01]),
    Buffer.from([0, 0, 0x00, 9, 2, 0, 0, 0, 0, 0]),
  ]);
  assert.deepEqual(bytes, expected);
});

test('property: a command set with bytes changed or cut off gives a Command or a typed DIMSE error', () => {
  let refused = 0;
  fc.assert(fc.property(command, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), (c, mutations, cutAt) => {
    const bytes = encodeCommand(c);
    for (const m of mutations) bytes[m.at % bytes.length] = m.value;
    const sent = cutAt === null ? bytes : bytes.subarray(0, cutAt % (bytes.length + 1));
    try {
      decodeCommand(sent);
    } catch (e) {
      assertTyped(e);
      refused++;
    }
  }), { numRuns: 500 });
  assert.ok(refused >= 100, `only ${refused} of 500 damaged command sets were refused`);
});

test('property: random bytes as a command set give a typed DIMSE error', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
    try {
      decodeCommand(Buffer.from(a));
    } catch (e) {
      assertTyped(e);
    }
  }), { numRuns: 300 });
});
