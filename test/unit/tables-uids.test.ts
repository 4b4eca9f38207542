import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { peerTest } from '../helpers/peer-gate';
import { join } from 'node:path';
import {
  DCMTK_STORAGE_SOP_CLASSES,
  STORAGE_SOP_CLASSES,
  TS,
  dcmtkUidName,
  isStorageSopClass,
  uidEntry,
} from '../../lib/dataset/dictionary/uids';
import { filePrefix } from '../../lib/dcmtk/prefixes';

test('a SOP class', () => {
  assert.deepEqual(uidEntry('1.2.840.10008.5.1.4.1.1.2'), {
    uid: '1.2.840.10008.5.1.4.1.1.2',
    name: 'CT Image Storage',
    keyword: 'CTImageStorage',
    type: 'SOP Class',
    retired: false,
    dcmtkName: 'CTImageStorage',
  });
  assert.equal(uidEntry('1.2.3.4.5'), undefined);
});

test("DCMTK's names as its logs print them", () => {
  assert.equal(dcmtkUidName('1.2.840.10008.5.1.4.1.1.2'), 'CTImageStorage');
  assert.equal(dcmtkUidName('1.2.840.10008.1.2'), 'LittleEndianImplicit');
  assert.equal(dcmtkUidName('1.2.840.10008.1.2.1'), 'LittleEndianExplicit');
  assert.equal(dcmtkUidName('1.2.840.10008.5.1.4.1.2.2.2'), 'MOVEStudyRootQueryRetrieveInformationModel');
  assert.equal(dcmtkUidName('1.2.840.10008.1.1'), 'VerificationSOPClass');
  assert.equal(dcmtkUidName('1.2.3.4.5'), '1.2.3.4.5');
});

test('types of the well-known UIDs', () => {
  assert.equal(uidEntry('1.2.840.10008.1.2')?.type, 'Transfer Syntax');
  assert.equal(uidEntry('1.2.840.10008.3.1.1.1')?.type, 'Application Context Name');
  assert.equal(uidEntry('1.2.840.10008.1.4.1.1')?.type, 'Well-known frame of reference');
  assert.equal(uidEntry('1.2.840.10008.1.2.2')?.retired, true);
});

test('transfer syntax constants', () => {
  assert.equal(TS.ImplicitVRLittleEndian, '1.2.840.10008.1.2');
  assert.equal(TS.ExplicitVRLittleEndian, '1.2.840.10008.1.2.1');
  assert.equal(TS.ExplicitVRBigEndian, '1.2.840.10008.1.2.2');
  assert.equal(TS.DeflatedExplicitVRLittleEndian, '1.2.840.10008.1.2.1.99');
  assert.equal(TS.JPEGBaseline8Bit, '1.2.840.10008.1.2.4.50');
  assert.equal(TS.RLELossless, '1.2.840.10008.1.2.5');
  for (const uid of Object.values(TS)) assert.equal(uidEntry(uid)?.type, 'Transfer Syntax', uid);
});

test("DCMTK's storage list is exactly DCMTK's, and our list contains it", () => {
  assert.equal(DCMTK_STORAGE_SOP_CLASSES.length, 186);
  assert.equal(new Set(DCMTK_STORAGE_SOP_CLASSES).size, DCMTK_STORAGE_SOP_CLASSES.length);
  assert.equal(DCMTK_STORAGE_SOP_CLASSES[0], '1.2.840.10008.5.1.4.1.1.88.71'); // AcquisitionContextSRStorage: first in dcuid.cc
  for (const uid of DCMTK_STORAGE_SOP_CLASSES) {
    assert.ok(isStorageSopClass(uid), uid);
    assert.notEqual(filePrefix(uid), 'UNKNOWN', `no prefix for ${uid}`);
  }
});

// Our list = DCMTK's list + the "...Storage" SOP classes dcuid.h defines that DCMTK leaves out of it (the
// non-patient objects); not the DICOMDIR pseudo class. (DCMTK's list itself carries the draft-supplement storage
// classes DRAFT_SR*Storage, DRAFT_WaveformStorage, DRAFT_RTBeamsDeliveryInstructionStorage: they stay, as DCMTK has them.)
test("our storage list is DCMTK's plus the other storage SOP classes of dcuid.h, and nothing that is not storage", () => {
  const dcmtk = new Set(DCMTK_STORAGE_SOP_CLASSES);
  const extra = STORAGE_SOP_CLASSES.filter((u) => !dcmtk.has(u));
  assert.deepEqual(extra, [
    '1.2.840.10008.5.1.4.1.1.200.1', // CTDefinedProcedureProtocolStorage
    '1.2.840.10008.5.1.4.1.1.200.3', // ProtocolApprovalStorage
    '1.2.840.10008.5.1.4.1.1.200.7', // XADefinedProcedureProtocolStorage
    '1.2.840.10008.5.1.4.38.1', // HangingProtocolStorage
    '1.2.840.10008.5.1.4.39.1', // ColorPaletteStorage
    '1.2.840.10008.5.1.4.43.1', // GenericImplantTemplateStorage
    '1.2.840.10008.5.1.4.44.1', // ImplantAssemblyTemplateStorage
    '1.2.840.10008.5.1.4.45.1', // ImplantTemplateGroupStorage
  ]);
  for (const uid of extra) {
    assert.equal(uidEntry(uid)?.type, 'SOP Class', uid);
    assert.match(uidEntry(uid)?.keyword ?? '', /Storage$/, uid);
  }
  for (const uid of [
    '1.2.840.10008.1.1', // Verification
    '1.2.840.10008.1.3.10', // MediaStorageDirectoryStorage (DICOMDIR)
    '1.2.840.10008.1.20.1', // Storage Commitment Push Model
    '1.2.840.10008.5.1.4.1.2.2.2', // MOVE Study Root
    '1.2.840.10008.5.1.4.34.2', // DRAFT_RTConventionalMachineVerification
  ]) {
    assert.ok(!isStorageSopClass(uid), uid);
  }
  for (const uid of STORAGE_SOP_CLASSES) assert.equal(uidEntry(uid)?.type, 'SOP Class', uid);
  assert.deepEqual([...STORAGE_SOP_CLASSES], [...new Set(STORAGE_SOP_CLASSES)]);
});

test('names: the transfer syntax names of DcmXfer, else the keyword split into words', () => {
  assert.equal(uidEntry(TS.ImplicitVRLittleEndian)?.name, 'Little Endian Implicit');
  assert.equal(uidEntry(TS.JPEGBaseline8Bit)?.name, 'JPEG Baseline');
  assert.equal(uidEntry('1.2.840.10008.5.1.4.1.2.2.2')?.name, 'MOVE Study Root Query Retrieve Information Model');
  const retired = uidEntry('1.2.840.10008.5.1.1.27'); // dcuid.h: UID_RETIRED_StoredPrintStorage
  assert.equal(retired?.keyword, 'StoredPrintStorage');
  assert.equal(retired?.retired, true);
  assert.equal(retired?.dcmtkName, 'RETIRED_StoredPrintStorage');
  assert.equal(uidEntry('1.2.840.10008.5.1.1.40')?.type, 'SOP Class'); // Display System
  assert.equal(uidEntry('1.2.840.10008.5.1.1.9')?.type, 'Meta SOP Class');
  assert.equal(uidEntry('1.2.840.10008.1.20.1.1')?.type, 'Well-known SOP Instance');
  assert.equal(uidEntry('1.2.840.10008.1.2.6.1')?.retired, true); // RFC 2557 MIME Encapsulation: "(RETIRED)" in dcuid.h
  assert.equal(uidEntry('1.2.276.0.7230010.3.4.1915765545.18030.917282194.0')?.type, ''); // DCMTK's private shutdown
});

// Every transfer syntax of DCMTK's table (class DcmXfer) is in TS, with its retired flag as DCMTK has it.
test("TS holds every transfer syntax of DCMTK's table", () => {
  const file = [join(__dirname, '..', '..', '..'), process.cwd()]
    .map((d) => join(d, 'scripts', 'data', 'dcmtk-transfer-syntaxes.tsv'))
    .find((f) => existsSync(f));
  assert.ok(file, 'scripts/data/dcmtk-transfer-syntaxes.tsv not found');
  const values = new Set<string>(Object.values(TS));
  let n = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [, uid, , retired] = line.split('\t') as [string, string, string, string];
    if (uid === '') continue; // BigEndianImplicit: DCMTK's internal, no UID
    assert.ok(values.has(uid), uid);
    assert.equal(uidEntry(uid)?.retired, retired === '1', uid);
    n++;
  }
  assert.equal(n, 41);
  assert.equal(Object.keys(TS).length, 46); // + 5 of dcuid.h that DcmXfer lacks: RFC 2557, XML, SMPTE ST 2110 x3
  assert.equal(new Set(Object.values(TS)).size, Object.keys(TS).length);
});

// DCMTK's headers (Debian libdcmtk-dev, which .ci/run installs): every UID it defines must be in the registry.
peerTest("every UID of DCMTK's dcuid.h is known", ['/usr/include/dcmtk/dcmdata/dcuid.h'], () => {
  const h = readFileSync('/usr/include/dcmtk/dcmdata/dcuid.h', 'utf8');
  for (const m of h.matchAll(/^#define\s+UID_\w+\s+"([0-9.]+[0-9])"/gm)) assert.ok(uidEntry(m[1] as string), m[1]);
});
