import test from 'node:test';
import assert from 'node:assert/strict';
import { UNKNOWN_PREFIX, dcmtkFileName, filePrefix, logModality, sanitizeFileName } from '../../lib/dcmtk/prefixes';

test("DCMTK's prefixes", () => {
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.2'), 'CT');
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.4'), 'MR');
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.7'), 'SC');
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.7.1'), 'SCs');
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.7.2'), 'SCb');
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.7.3'), 'SCw');
  assert.equal(filePrefix('1.2.840.10008.5.1.4.1.1.88.11'), 'SRt');
});

test('unknown SOP classes', () => {
  assert.equal(filePrefix('1.2.3.4'), UNKNOWN_PREFIX);
  assert.equal(logModality('1.2.3.4'), 'OT');
  assert.equal(logModality('1.2.840.10008.5.1.4.1.1.2'), 'CT');
});

test('file names: PREFIX.SOPInstanceUID, sanitised as DCMTK does', () => {
  assert.equal(dcmtkFileName('1.2.840.10008.5.1.4.1.1.2', '1.2.3.4.5'), 'CT.1.2.3.4.5');
  assert.equal(dcmtkFileName('1.2.840.10008.5.1.4.1.1.2', '1.2/../../tmp/x'), 'CT.1.2_.._.._tmp_x');
  assert.equal(dcmtkFileName('1.2.3', '9.9'), 'UNKNOWN.9.9');
  assert.equal(sanitizeFileName('a/b\\c'), 'a_b_c');
  assert.equal(sanitizeFileName(' -.09:@AZ_az'), ' -.09:@AZ_az');
  assert.equal(sanitizeFileName('!"#$%&\'()*+,;<=>?[]^`{|}~\x7f\x01'), '_'.repeat(27));
  // Names hold one character per received byte (UIDs are decoded as latin1): 'é€' sent in UTF-8 is 5 bytes, 5 '_'.
  assert.equal(sanitizeFileName(Buffer.from('é€', 'utf8').toString('latin1')), '_____');
  assert.equal(dcmtkFileName('1.2.840.10008.5.1.4.1.1.2', '1.2.3\0junk'), 'CT.1.2.3');
});
