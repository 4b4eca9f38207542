import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupKeyword, lookupTag, vrOf } from '../../lib/dataset/dictionary/dictionary';

test('a plain tag', () => {
  const e = lookupTag(0x00100020);
  assert.deepEqual(e, { tag: 0x00100020, keyword: 'PatientID', name: 'Patient ID', vr: 'LO', vrs: ['LO'], vm: '1', retired: false });
});

test('a tag with several VRs gives the first as vr', () => {
  assert.equal(lookupTag(0x00280106)?.vr, 'US');
  assert.deepEqual(lookupTag(0x00280106)?.vrs, ['US', 'SS']);
  assert.equal(lookupTag(0x7fe00010)?.vr, 'OB');
  assert.deepEqual(lookupTag(0x7fe00010)?.vrs, ['OB', 'OW']);
});

test('repeating groups: overlays, curves, 7Fxx, (0020,31xx)', () => {
  const ov = lookupTag(0x60023000);
  assert.equal(ov?.keyword, 'OverlayData');
  assert.equal(ov?.tag, 0x60023000);
  assert.equal(lookupTag(0x60fe0010)?.keyword, 'OverlayRows');
  assert.equal(lookupTag(0x50100010)?.keyword, 'NumberOfPoints');
  assert.equal(lookupTag(0x50100010)?.retired, true);
  assert.equal(lookupTag(0x7f020010)?.keyword, 'VariablePixelData');
  assert.equal(lookupTag(0x00203105)?.keyword, 'SourceImageIDs');
  // the returned entry is a copy: changing it does not change the next answer
  const a = lookupTag(0x60023000) as { vrs: string[] };
  a.vrs.push('XX');
  assert.deepEqual(lookupTag(0x60043000)?.vrs, ['OB', 'OW']);
});

test('group length of any group', () => {
  assert.equal(lookupTag(0x00000000)?.keyword, 'CommandGroupLength');
  assert.equal(lookupTag(0x00020000)?.keyword, 'FileMetaInformationGroupLength');
  for (const g of [0x0008, 0x0010, 0x0028, 0x6000, 0x7fe0]) {
    const e = lookupTag((g << 16) >>> 0);
    assert.equal(e?.keyword, 'GenericGroupLength');
    assert.equal(e?.vr, 'UL');
  }
  assert.equal(lookupTag(0x00090000)?.vr, 'UL');
  assert.equal(lookupTag(0x00090000)?.keyword, 'PrivateGroupLength');
});

test('private creators and unknown private tags', () => {
  for (const t of [0x00090010, 0x002900ff, 0x7fe10010]) {
    const e = lookupTag(t);
    assert.equal(e?.keyword, 'PrivateCreator');
    assert.equal(e?.vr, 'LO');
    assert.equal(e?.tag, t);
  }
  assert.equal(lookupTag(0x00291010), undefined);
  assert.equal(lookupTag(0x00090100), undefined);
  assert.equal(lookupTag(0x60033000), undefined); // odd group: private, not an overlay
  assert.equal(vrOf(0x00291010), 'UN');
});

test('unknown public tags', () => {
  assert.equal(lookupTag(0x00081234 + 0x0000), lookupTag(0x00081234)); // stable
  assert.equal(lookupTag(0x0008ffee), undefined);
  assert.equal(vrOf(0x0008ffee), 'UN');
});

test('keywords resolve to tags', () => {
  assert.equal(lookupKeyword('PatientID')?.tag, 0x00100020);
  assert.equal(lookupKeyword('StudyInstanceUID')?.tag, 0x0020000d);
  assert.equal(lookupKeyword('QueryRetrieveLevel')?.tag, 0x00080052);
  assert.equal(lookupKeyword('QueryRetrieveLevel')?.vr, 'CS');
  assert.equal(lookupKeyword('OverlayData')?.tag, 0x60003000);
  assert.equal(lookupKeyword('patientid'), undefined);
  assert.equal(lookupKeyword('NoSuchKeyword'), undefined);
});

test("DCMTK's spellings of retired keywords resolve too", () => {
  assert.equal(lookupKeyword('RETIRED_CurveDimensions')?.tag, 0x50000005);
  assert.equal(lookupKeyword('CurveDimensions')?.tag, 0x50000005);
  assert.equal(lookupKeyword('RETIRED_AcquisitionComments')?.tag, 0x00184000);
  assert.equal(lookupKeyword('RETIRED_AcquisitionComments')?.retired, true);
});

test('names are the keywords split into words (dicom.dic has no names)', () => {
  assert.equal(lookupTag(0x00080016)?.name, 'SOP Class UID');
  assert.equal(lookupTag(0x0020000d)?.name, 'Study Instance UID');
  assert.equal(lookupTag(0x00280010)?.name, 'Rows');
  assert.equal(lookupKeyword('RETIRED_AcquisitionComments')?.name, 'Acquisition Comments');
});

test("VRs and VMs as dicom.dic has them, DCMTK's VR codes as lists", () => {
  assert.deepEqual(lookupTag(0x00283006)?.vrs, ['US', 'SS', 'OW']); // LUTData: DCMTK's 'lt'
  assert.equal(lookupTag(0x00089007)?.vm, '4'); // FrameType in DCMTK 3.6.7
  assert.deepEqual(lookupTag(0xfffee000)?.vrs, ['NONE']); // Item: DCMTK's 'na'
  assert.equal(lookupTag(0x00080052)?.retired, false);
  assert.equal(lookupTag(0x00184000)?.retired, true);
});

test('items and delimiters', () => {
  assert.equal(lookupTag(0xfffee000)?.keyword, 'Item');
  assert.equal(lookupTag(0xfffee0dd)?.keyword, 'SequenceDelimitationItem');
});

test('vrOf', () => {
  assert.equal(vrOf(0x00080016), 'UI');
  assert.equal(vrOf(0x00100010), 'PN');
  assert.equal(vrOf(0x00080000), 'UL');
  assert.equal(vrOf(0x00090010), 'LO');
});

// Every keyword DCMTK 3.6.7's dicom.dic knows resolves here, to the same tag (the first group of a range).
test("every keyword of DCMTK's dicom.dic resolves to its tag", () => {
  const root = [join(__dirname, '..', '..', '..'), process.cwd()].find((d) => existsSync(join(d, 'scripts', 'data', 'dcmtk-dicom-dic.tsv')));
  assert.ok(root, 'scripts/data/dcmtk-dicom-dic.tsv not found');
  let n = 0;
  for (const line of readFileSync(join(root, 'scripts', 'data', 'dcmtk-dicom-dic.tsv'), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [tag, , name, , version] = line.split('\t') as [string, string, string, string, string];
    if (version === 'GENERIC' || version === 'PRIVATE' || version === 'ILLEGAL') continue;
    const m = /^\(([0-9A-F]{4})(?:-[0-9A-F]{4})?,([0-9A-F]{4})(?:-[0-9A-F]{4})?\)$/i.exec(tag);
    assert.ok(m, tag);
    const expected = parseInt((m[1] as string) + (m[2] as string), 16);
    assert.equal(lookupKeyword(name)?.tag, expected, `${name} ${tag}`);
    assert.equal(lookupTag(expected)?.tag, expected, `${tag}`);
    n++;
  }
  assert.ok(n > 4900, `only ${n} rows`);
});
