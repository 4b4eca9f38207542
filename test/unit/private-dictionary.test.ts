/** private.dic lookups and private creator blocks, matched as DCMTK 3.6.7 matches them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { creatorOf, lookupPrivateTag, privateBlockKey, PrivateCreators } from '../../lib/dataset/dictionary/private-dictionary';

test('lookupPrivateTag: exact element, then its low byte; group ranges with their parity', () => {
  // (0019,"GEMS_ACQU_01",02) SL: listed by low byte, found for (0019,1002) and (0019,3302).
  assert.equal(lookupPrivateTag(0x00191002, 'GEMS_ACQU_01')?.vr, 'SL');
  assert.equal(lookupPrivateTag(0x00193302, 'GEMS_ACQU_01')?.name, 'NumberOfCellsInDetector');
  // (0021,"PHILIPS MR/PART",1000) IS: listed with the full element number.
  assert.equal(lookupPrivateTag(0x00211000, 'PHILIPS MR/PART')?.name, 'ReconstructionNumber');
  // (7001-o-70ff,"DLX_ANNOT_01",05) IS: any odd group in the range, none outside or even.
  assert.equal(lookupPrivateTag(0x70031005, 'DLX_ANNOT_01')?.vr, 'IS');
  assert.equal(lookupPrivateTag(0x70021005, 'DLX_ANNOT_01'), undefined);
  assert.equal(lookupPrivateTag(0x71011005, 'DLX_ANNOT_01'), undefined);
  // The creator must match exactly (case, spaces); an unknown creator knows nothing.
  assert.equal(lookupPrivateTag(0x00191002, 'gems_acqu_01'), undefined);
  assert.equal(lookupPrivateTag(0x00191002, 'NOT_IN_PRIVATE_DIC'), undefined);
  // 'OB or OW' (DCMTK's ox) is OB by default.
  assert.equal(lookupPrivateTag(0x7fe11060, 'GEMS_Ultrasound_MovieGroup_001')?.vr, 'OB');
});

test('PrivateCreators: blocks per item, first reservation wins, creator values trimmed as DCMTK keeps them', () => {
  assert.equal(creatorOf(Buffer.from('GEMS_ACQU_01 ')), 'GEMS_ACQU_01');
  assert.equal(creatorOf(Buffer.from('AB\0 C ')), 'AB');
  assert.equal(creatorOf(Buffer.from(' LEAD')), ' LEAD');
  assert.equal(privateBlockKey(0x00190010), privateBlockKey(0x001910ff));
  assert.equal(privateBlockKey(0x00190011), privateBlockKey(0x00191100));
  assert.equal(privateBlockKey(0x00190100), -1);
  const c = new PrivateCreators();
  assert.equal(c.creatorFor(0x00191002), undefined);
  c.reserve(0x00190010, Buffer.from('GEMS_ACQU_01'));
  c.reserve(0x00190010, Buffer.from('OTHER'));
  c.reserve(0x00190011, Buffer.alloc(0));
  c.reserve(0x00180010, Buffer.from('EVEN GROUP'));
  assert.equal(c.creatorFor(0x00191002), 'GEMS_ACQU_01');
  assert.equal(c.lookup(0x00191002)?.vr, 'SL');
  assert.equal(c.creatorFor(0x00191102), undefined);
  assert.equal(c.creatorFor(0x00181002), undefined);
  assert.equal(c.creatorFor(0x00190010), undefined);
});
