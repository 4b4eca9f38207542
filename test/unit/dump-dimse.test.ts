/**
 * DIMSE message dumps and the data set printer's pieces, against texts taken from DCMTK 3.6.7's movescu -d output
 * and dcmdump (the peer tests compare whole logs; these pin the wording without DCMTK installed).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { dcmtkMaxSendPdv, dumpDimseMessage, moveResponseStatusDetail } from '../../lib/dcmtk/dimse-dump';
import { dumpDataset, transferSyntaxName } from '../../lib/dcmtk/dataset-dump';
import { ftoaG } from '../../lib/dcmtk/ftoa';
import { CommandField } from '../../lib/dimse/command-field';

test('C-MOVE-RQ dump as movescu -d prints it', () => {
  const text = dumpDimseMessage({
    CommandField: CommandField.C_MOVE_RQ, MessageID: 1, AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.2.2.2',
    Priority: 0, MoveDestination: 'MOVESCU', CommandDataSetType: 0,
  }, 'outgoing', 3);
  assert.equal(text, [
    '===================== OUTGOING DIMSE MESSAGE ====================',
    'Message Type                  : C-MOVE RQ',
    'Presentation Context ID       : 3',
    'Message ID                    : 1',
    'Affected SOP Class UID        : MOVEStudyRootQueryRetrieveInformationModel',
    'Data Set                      : present',
    'Priority                      : medium',
    'Move Destination              : MOVESCU',
    '======================= END DIMSE MESSAGE =======================',
  ].join('\n'));
});

test('C-MOVE-RSP dump: absent counts are "none", statuses worded per service', () => {
  const rsp = (Status: number, extra = {}): string => dumpDimseMessage({
    CommandField: CommandField.C_MOVE_RSP, MessageIDBeingRespondedTo: 1, AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.2.2.2',
    CommandDataSetType: 0x0101, Status, NumberOfCompletedSuboperations: 2, NumberOfFailedSuboperations: 0,
    NumberOfWarningSuboperations: 0, ...extra,
  }, 'incoming');
  const final = rsp(0x0000);
  assert.match(final, /^Remaining Suboperations {7}: none$/m);
  assert.match(final, /^DIMSE Status {18}: 0x0000: Success: Sub-operations complete - No failures or warnings$/m);
  assert.doesNotMatch(final, /Presentation Context ID/);
  assert.match(rsp(0xff00, { NumberOfRemainingSuboperations: 1 }), /: 0xff00: Pending: Sub-operations are continuing$/m);
  assert.match(rsp(0xa801), /: 0xa801: Refused: Move Destination unknown$/m);
  assert.match(rsp(0xc123), /: 0xc123: Failed: Unable to process$/m);
  assert.match(rsp(0xb000), /: 0xb000: Warning: Sub-operations complete - One or more failures or warnings$/m);
  assert.match(rsp(0x0107), /: 0x0107: Warning$/m);
  assert.match(rsp(0x1234), /: 0x1234: Unknown Status Code \(non-standard\)$/m);
});

test('C-STORE-RQ dump with move originator, C-STORE-RSP and C-ECHO dumps', () => {
  const rq = dumpDimseMessage({
    CommandField: CommandField.C_STORE_RQ, MessageID: 2, AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    AffectedSOPInstanceUID: '1.2.3', Priority: 0, CommandDataSetType: 0, MoveOriginatorApplicationEntityTitle: 'MOVESCU',
    MoveOriginatorMessageID: 1,
  }, 'incoming', 31);
  assert.equal(rq.split('\n').slice(1, -1).join('\n'), [
    'Message Type                  : C-STORE RQ',
    'Presentation Context ID       : 31',
    'Message ID                    : 2',
    'Affected SOP Class UID        : CTImageStorage',
    'Affected SOP Instance UID     : 1.2.3',
    'Data Set                      : present',
    'Priority                      : medium',
    'Move Originator AE Title      : MOVESCU',
    'Move Originator ID            : 1',
  ].join('\n'));
  const st = dumpDimseMessage({ CommandField: CommandField.C_STORE_RSP, MessageIDBeingRespondedTo: 2, CommandDataSetType: 0x0101, Status: 0xa700 }, 'outgoing');
  assert.match(st, /^Affected SOP Class UID {8}: none$/m);
  assert.match(st, /: 0xa700: Refused: Out of resources$/m);
  const echo = dumpDimseMessage({ CommandField: CommandField.C_ECHO_RQ, MessageID: 5, CommandDataSetType: 0x0101 }, 'incoming', 1);
  assert.match(echo, /^Message Type {18}: C-ECHO RQ\nPresentation Context ID {7}: 1\nMessage ID {20}: 5\nData Set {22}: none$/m);
});

test('status detail: the response fields DCMTK does not parse, printed as a data set', () => {
  const detail = moveResponseStatusDetail({
    CommandField: CommandField.C_MOVE_RSP, MessageIDBeingRespondedTo: 1, CommandDataSetType: 0x0101, Status: 0xc000, ErrorComment: 'bad',
  });
  assert.equal(dumpDataset(detail, 'Little Endian Implicit'),
    `\n# Dicom-Data-Set\n# Used TransferSyntax: Little Endian Implicit\n(0000,0902) LO [bad]${' '.repeat(35)} #   4, 1 ErrorComment\n`);
});

test('Max Send PDV as DCMTK computes it', () => {
  assert.equal(dcmtkMaxSendPdv(16384), 16372);
  assert.equal(dcmtkMaxSendPdv(0), 131060);
  assert.equal(dcmtkMaxSendPdv(1_000_000), 131060);
  assert.equal(dcmtkMaxSendPdv(16385), 16372);
});

test('ftoa: DCMTK\'s digits, not the C library\'s', () => {
  assert.equal(ftoaG(0.1, 17), '0.1'); // 0.1 * 10 is exactly 1: the digit loop stops
  assert.equal(ftoaG(1e300, 17), '1.0000000000000007e+300');
  assert.equal(ftoaG(0.000123, 17), '0.00012300000000000002');
  assert.equal(ftoaG(1e20, 17), '1e+20');
  assert.equal(ftoaG(1e-5, 17), '1e-05');
  assert.equal(ftoaG(-0, 17), '0');
  assert.equal(ftoaG(Math.fround(0.1), 9), '0.100000001');
  assert.equal(ftoaG(NaN, 17), 'nan');
});

test('transfer syntax names as DcmXfer prints them', () => {
  assert.equal(transferSyntaxName('1.2.840.10008.1.2'), 'Little Endian Implicit');
  assert.equal(transferSyntaxName('1.2.840.10008.1.2.1'), 'Little Endian Explicit');
  assert.equal(transferSyntaxName('1.2.840.10008.1.2.2'), 'Big Endian Explicit');
  assert.equal(transferSyntaxName('1.2.840.10008.1.2.1.99'), 'Deflated Explicit VR Little Endian');
});
