/**
 * Issue 16, "Fidelity": what DCMTK's movescu writes and logs, and ours, for the same bytes. Each case runs DCMTK's
 * movescu and ours, each against its own scripted archive that answers the C-MOVE by sending, from a raw store peer
 * (test/helpers/raw-store-peer.ts), exactly the bytes the case needs on a sub-association; or against dcmqrscp
 * serving files made with dump2dcm. Compared: exit code, files, the C-STORE answer and every E/W log line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupsAfter } from '../helpers/cleanups';
import { peerTest } from '../helpers/peer-gate';
import { byAssociation, compareDirs, compareFiles, formatDirDiff, freePort, indexIntoDcmqrscp, runBoth, runMovescu, startDcmqrscp, tempDir, type MovescuImpl } from '../helpers/peers';
import { startHostileArchive } from '../helpers/hostile-archive';
import { CT, EXPLICIT_LE, RELEASE_RQ, dataPdu, rawAssociate, storeRqPdu, ABORT } from '../helpers/raw-store-peer';
import { encodePdu } from '../../lib/pdu/encode';
import { decodePdu } from '../../lib/pdu/decode';
import type { PData } from '../../lib/pdu/types';
import { decodeCommand, encodeCommand, type Command } from '../../lib/dimse/command';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import { elementHeader, itemHeader } from '../../lib/dataset/codec/encode';
import { encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import { EXPLICIT_BE, EXPLICIT_LE as EXPLICIT_LE_SYNTAX, IMPLICIT_LE as IMPLICIT_LE_SYNTAX } from '../../lib/dataset/codec/transfer-syntax';

const tmp = tempDir('fidelity-dcmtk');
const cleanups = cleanupsAfter(() => tmp.cleanup());

const UID = '1.2.3.4.5';
const ui = (tag: number, v: string): { tag: number; vr: 'UI'; value: Buffer } => ({ tag, vr: 'UI', value: Buffer.from(v.length % 2 ? `${v}\0` : v, 'latin1') });
const DATASET = encodeDataset([ui(0x00080016, CT), ui(0x00080018, UID), { tag: 0x00100020, vr: 'LO', value: Buffer.from('PAT1') }], EXPLICIT_LE);

/** What the raw store peer saw after sending its bytes: a C-STORE-RSP status, an A-ABORT, or the connection closed. */
type StoreAnswer = { status: number } | 'abort' | 'closed';

/**
 * Runs `which` movescu against a scripted archive: on the C-MOVE-RQ a raw peer opens a sub-association to movescu's
 * port, sends a C-STORE-RQ and `data` (P-DATA-TF PDUs), waits for an answer, releases, and the archive then answers
 * the C-MOVE with one failed sub-operation (the same for both, whatever happened).
 */
async function retrieveWith(which: MovescuImpl, data: Buffer[], extra: string[], ts = EXPLICIT_LE, first = storeRqPdu(UID)): Promise<{ code: number | null; stderr: string; files: string[]; answer: StoreAnswer; dir: string }> {
  const storePort = await freePort();
  let answer: StoreAnswer = 'closed';
  const archive = await startHostileArchive(async (c) => {
    c.send(c.acceptAll());
    for (;;) {
      const p = await c.next();
      if (!p) return;
      if (p.type === 'A-RELEASE-RQ') { c.send(Buffer.from([6, 0, 0, 0, 0, 4, 0, 0, 0, 0])); return; }
      if (p.type !== 'P-DATA-TF' || !p.pdvs.some((v) => v.isLast && !v.isCommand)) continue;
      const peer = await rawAssociate(storePort, ts);
      peer.socket.write(first);
      for (const d of data) peer.socket.write(d);
      const closed = new Promise<null>((r) => peer.socket.once('close', () => r(null)));
      const pdu = await Promise.race([peer.nextPdu(), closed]);
      if (pdu?.[0] === 0x04) answer = { status: decodeCommand((decodePdu(pdu) as PData).pdvs[0]!.data).Status ?? -1 };
      else if (pdu?.[0] === 0x07) answer = 'abort';
      if (!peer.socket.destroyed) peer.socket.write(RELEASE_RQ);
      peer.socket.end();
      await closed;
      c.send(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: p.pdvs[0]!.contextId, isCommand: true, isLast: true, data: encodeCommand({
        CommandField: 0x8021, MessageIDBeingRespondedTo: 1, Status: 0xb000, AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.2.2.2', CommandDataSetType: 0x0101,
        NumberOfCompletedSuboperations: 0, NumberOfFailedSuboperations: 1, NumberOfWarningSuboperations: 0,
      }) }] }));
    }
  });
  cleanups.push(() => archive.close());
  const out = mkdtempSync(join(tmp.path, `${which}-`));
  const r = await runMovescu(which, ['-v', '-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out, ...extra,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3', '127.0.0.1', String(archive.port)], { cwd: out });
  return { code: r.code, stderr: r.stderr, files: readdirSync(out), answer, dir: out };
}

/**
 * The error, warning and fatal lines, those of the sub-association apart from the others, each in its order: the two
 * associations' lines interleave as their sockets happen to be read (helpers/peers/log-compare.ts).
 */
function errorsAndWarnings(log: string): { sub: string[]; main: string[] } {
  return byAssociation(log.split('\n').filter((l) => /^[EWF]: /.test(l)), /^E: (Store SCP Failed|DIMSE failure|0006:)|^W: DIMSE Warning: \(PEER,/);
}

peerTest('a data set in a P-DATA fragment of odd length: the sub-association aborted, no file, DCMTK\'s log lines, with and without +B', ['movescu'], async () => {
  const odd = [dataPdu(DATASET.subarray(0, 13), false), dataPdu(DATASET.subarray(13), true)];
  for (const extra of [[], ['+B']]) {
    const dcmtk = await retrieveWith('dcmtk', odd, extra);
    const ours = await retrieveWith('ours', odd, extra);
    assert.equal(dcmtk.answer, 'abort', dcmtk.stderr);
    assert.equal(ours.answer, 'abort', ours.stderr);
    assert.deepEqual(dcmtk.files, []);
    assert.deepEqual(ours.files, []);
    assert.equal(ours.code, dcmtk.code);
    assert.ok(dcmtk.stderr.includes('E: Store SCP Failed: 0006:020d DIMSE: Odd Fragment Length: 13\n'
      + 'E: DIMSE failure (aborting sub-association): 0006:020d DIMSE: Odd Fragment Length: 13\n'), dcmtk.stderr);
    assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), `${extra.join(' ')}\n${ours.stderr}`);
  }
});

peerTest('the archive aborts (or drops) a sub-association, mid-object or between objects: DCMTK\'s lines only, no "DIMSE failure"', ['movescu'], async () => {
  const cases: [string, Buffer[]][] = [
    ['abort mid-object', [dataPdu(DATASET.subarray(0, 20), false), ABORT]],
    ['abort before the data set', [ABORT]],
  ];
  for (const [what, data] of cases) {
    const dcmtk = await retrieveWith('dcmtk', data, []);
    const ours = await retrieveWith('ours', data, []);
    assert.equal(ours.code, dcmtk.code, what);
    assert.deepEqual(ours.files, []);
    assert.match(dcmtk.stderr, /^E: Store SCP Failed: 0006:0317 Peer aborted Association \(or never connected\)$/m, what);
    assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), `${what}\n${ours.stderr}`);
  }
});

peerTest('a C-STORE-RSP sent to us on a store sub-association: DCMTK\'s "Expected C-ECHO or C-STORE" line, then its DIMSE failure line, the sub-association aborted', ['movescu'], async () => {
  // A well-formed command that is no request (DCMTK's DIMSE layer refuses a malformed one before movescu sees it).
  const rsp = encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: encodeCommand({
    CommandField: 0x8001, MessageIDBeingRespondedTo: 1, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: UID, Status: 0, CommandDataSetType: 0x0101,
  }) }] });
  const dcmtk = await retrieveWith('dcmtk', [], [], EXPLICIT_LE, rsp);
  const ours = await retrieveWith('ours', [], [], EXPLICIT_LE, rsp);
  assert.equal(dcmtk.answer, 'abort', dcmtk.stderr);
  assert.equal(ours.answer, 'abort', ours.stderr);
  assert.equal(ours.code, dcmtk.code);
  assert.match(dcmtk.stderr, /^E: Expected C-ECHO or C-STORE request but received DIMSE command 0x8001$/m);
  assert.match(dcmtk.stderr, /^E: DIMSE failure \(aborting sub-association\): 0006:0201 DIMSE Bad command type$/m);
  assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), ours.stderr);
});

peerTest('+B and a data set that ends inside an element: DCMTK stores it unreadable (0x0000); ours answers 0xC000 and keeps no file', ['movescu'], async () => {
  // A complete element header (StudyTime, SH, 8 bytes) followed by only 2 of its 8 bytes.
  const truncated = [dataPdu(Buffer.concat([DATASET, Buffer.from('0800300053480800', 'hex'), Buffer.from('AB')]), true)];
  const dcmtk = await retrieveWith('dcmtk', truncated, ['+B']);
  assert.deepEqual(dcmtk.answer, { status: 0 });
  assert.deepEqual(dcmtk.files, [`CT.${UID}`]);
  for (const extra of [['+B'], []]) {
    const ours = await retrieveWith('ours', truncated, extra);
    assert.deepEqual(ours.answer, { status: 0xc000 }, ours.stderr);
    assert.deepEqual(ours.files, []);
    assert.match(ours.stderr, /^E: bad DICOM data set, not stored: .*CT\.1\.2\.3\.4\.5: stream ended inside the value of \(0008,0030\): expected 6 more byte\(s\)/m);
  }
});

/** A secondary capture in explicit VR big endian whose OB values sit where a converter might swap them. */
function bigEndianObject(dir: string, k: number, n: number): string {
  const s = EXPLICIT_BE;
  const el = (tag: number, vr: string, v: Buffer): Buffer => Buffer.concat([elementHeader(tag, vr, v.length, s), v]);
  const str = (tag: number, vr: string, v: string): Buffer => el(tag, vr, Buffer.from(v.length % 2 ? v + (vr === 'UI' ? '\0' : ' ') : v, 'latin1'));
  const bytes = (from: number, len = n): Buffer => Buffer.from(Array.from({ length: len }, (_, i) => (i + from) & 0xff));
  const study = '1.2.826.0.1.3680043.2.1143.16';
  const uid = `${study}.${k}`;
  const body = Buffer.concat([
    str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'), str(0x00080018, 'UI', uid), str(0x00080060, 'CS', 'OT'),
    str(0x00100010, 'PN', 'Big^Endian'), str(0x00100020, 'LO', 'FID16'),
    str(0x00110010, 'LO', 'ACME'), el(0x00111010, 'OB', bytes(1)), el(0x00111011, 'OW', bytes(2, n & ~1)), el(0x00111012, 'UN', bytes(3)),
    str(0x0020000d, 'UI', study), str(0x0020000e, 'UI', `${study}.0`), str(0x00200013, 'IS', String(k)),
    el(0x00280100, 'US', Buffer.from([0, 8])), el(0x00420011, 'OB', bytes(5)),
    el(0x60003000, 'OB', bytes(7)), el(0x60023000, 'OW', bytes(8, n & ~1)), el(0x7fe00010, 'OB', bytes(9)),
  ]);
  const f = join(dir, `be-${n}.dcm`);
  writeFileSync(f, Buffer.concat([encodeFileMeta({
    mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7', mediaStorageSopInstanceUid: uid, transferSyntaxUid: '1.2.840.10008.1.2.2',
    implementationClassUid: '1.2.3.4.5', implementationVersionName: 'FIDELITY',
  }), body]));
  return f;
}

peerTest('OB pixel data, overlays, private OB and UN received in big endian: never byte-swapped (+ti, +te, +tb, default), as DCMTK\'s movescu', ['movescu', 'dcmqrscp', 'dcmqridx'], async () => {
  const dir = join(tmp.path, 'be');
  const files = [6, 7, 5001, 5002, 70001].map((n, i) => bigEndianObject(tmp.path, i + 1, n));
  await indexIntoDcmqrscp(join(dir, 'db'), files);
  const storePort = await freePort();
  const qr = await startDcmqrscp({ storageDir: join(dir, 'db'), moveDestinations: [{ ae: 'MOVESCU', port: storePort }] });
  cleanups.push(() => qr.stop());
  for (const extra of [['+ti'], ['+te'], ['+tb'], []]) {
    // +xb: the store side prefers big endian, so dcmqrscp sends the objects as they are stored.
    const r = await runBoth(tmp.path, (out) => ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out, '+xb', ...extra,
      '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.826.0.1.3680043.2.1143.16', '127.0.0.1', String(qr.port)]);
    assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
    assert.equal(r.ours.code, 0, r.ours.stderr);
    const d = await compareDirs(r.a, r.b);
    assert.equal(d.compared, files.length, formatDirDiff(d));
    assert.ok(d.identical, `${extra.join(' ')}: ${formatDirDiff(d)}`);
  }
});

peerTest('encapsulated pixel data received with VR OW (RLE, +xa) is written as OB, byte for byte as DCMTK\'s movescu writes it', ['movescu'], async () => {
  const RLE = '1.2.840.10008.1.2.5';
  const s = EXPLICIT_LE_SYNTAX;
  const owPixels = Buffer.concat([
    elementHeader(0x7fe00010, 'OW', 0xffffffff, s), itemHeader(0xfffee000, 0, s),
    itemHeader(0xfffee000, 8, s), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), itemHeader(0xfffee0dd, 0, s),
  ]);
  const data = [dataPdu(Buffer.concat([DATASET, owPixels]), true)];
  const dcmtk = await retrieveWith('dcmtk', data, ['+xa'], RLE);
  const ours = await retrieveWith('ours', data, ['+xa'], RLE);
  assert.deepEqual(dcmtk.answer, { status: 0 }, dcmtk.stderr);
  assert.deepEqual(ours.answer, { status: 0 }, ours.stderr);
  const name = `CT.${UID}`;
  assert.deepEqual(dcmtk.files, [name]);
  assert.deepEqual(ours.files, [name]);
  const diff = await compareFiles(join(dcmtk.dir, name), join(ours.dir, name));
  assert.equal(diff, null, JSON.stringify(diff));
  const written = readFileSync(join(ours.dir, name));
  assert.ok(written.includes(Buffer.from('e07f10004f420000ffffffff', 'hex')), 'OB, undefined length');
});

peerTest('surplus trailing spaces in string values: DCMTK\'s normal mode writes "AB    " as "AB", "  " as empty; ours the same file, byte for byte', ['movescu'], async () => {
  const s = EXPLICIT_LE_SYNTAX;
  const str = (tag: number, vr: string, v: string): Buffer => Buffer.concat([elementHeader(tag, vr, v.length, s), Buffer.from(v, 'latin1')]);
  const item = Buffer.concat([str(0x00081150, 'UI', `${CT}\0`), str(0x00081155, 'UI', '1.2.3.9\0\0\0')]);
  const head = Buffer.concat([str(0x00080016, 'UI', `${CT}\0`), str(0x00080018, 'UI', `${UID}\0`)]);
  const cases: [string, Buffer][] = [
    ['SH "AB    "', str(0x00080050, 'SH', 'AB    ')],
    ['CS of spaces only', str(0x00080060, 'CS', '    ')],
    ['leading spaces kept, trailing stripped', str(0x00080070, 'LO', '  ACME  ')],
    ['multi-valued: only the end', str(0x00080008, 'CS', 'A \\B    ')],
    ['ST, LT, UT too', Buffer.concat([str(0x00081030, 'LO', 'X'.repeat(2)), str(0x00084000, 'LT', 'note    '), str(0x0008030e, 'UT', 't   ')])],
    ['UI with surplus NULs, in an item', Buffer.concat([elementHeader(0x00081140, 'SQ', 8 + item.length, s), itemHeader(0xfffee000, item.length, s), item])],
    ['one trailing space (unchanged)', str(0x00100010, 'PN', 'Doe^Joe ')],
  ];
  for (const [what, el] of cases) {
    const data = [dataPdu(Buffer.concat([head, el, str(0x00100020, 'LO', 'PAT1')]), true)];
    const dcmtk = await retrieveWith('dcmtk', data, []);
    const ours = await retrieveWith('ours', data, []);
    const name = `CT.${UID}`;
    assert.deepEqual(dcmtk.files, [name], dcmtk.stderr);
    assert.deepEqual(ours.files, [name], ours.stderr);
    assert.equal(await compareFiles(join(dcmtk.dir, name), join(ours.dir, name)), null, what);
  }
});

peerTest('UIDs padded with spaces, nested in sequences too: DCMTK\'s warnings in its order (the file meta\'s, then the group length pass, then the writing), with +g=, +g, -g, -F, +p', ['movescu'], async () => {
  const s = EXPLICIT_LE_SYNTAX;
  const el = (tag: number, vr: string, v: Buffer | string): Buffer => {
    const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
    return Buffer.concat([elementHeader(tag, vr, b.length, s), b]);
  };
  const sq = (tag: number, items: Buffer[]): Buffer => {
    const body = Buffer.concat(items.map((i) => Buffer.concat([itemHeader(0xfffee000, i.length, s), i])));
    return Buffer.concat([elementHeader(tag, 'SQ', body.length, s), body]);
  };
  const ref = (n: number): Buffer => Buffer.concat([el(0x00081150, 'UI', `${CT} `), el(0x00081155, 'UI', `1.2.3.${n} `)]);
  const data = [dataPdu(Buffer.concat([
    el(0x00080016, 'UI', `${CT} `), el(0x00080018, 'UI', `${UID} `),
    // A sequence in group 0008 (not its first element) holding items of a nested sequence, and a UID of group 0020.
    sq(0x00081115, [Buffer.concat([sq(0x00081140, [ref(8), ref(9)]), el(0x0020000e, 'UI', '1.2.3.7 ')])]),
    el(0x00100020, 'LO', 'PAT1'),
    // Study first of group 0020, Series and Frame of Reference after it; a sequence first of group 0040.
    el(0x0020000d, 'UI', '1.2.3.1 '), el(0x0020000e, 'UI', ' 1.2.3.2'), el(0x00200052, 'UI', '1.2.3.3 '),
    sq(0x00400260, [ref(5)]),
    el(0x00880140, 'UI', '1.2.3.6 '),
  ]), true)];
  const names = (log: string): string[] => log.split('\n').filter((l) => l.startsWith('W: DcmUniqueIdentifier'))
    .map((l) => /Element (\w+ \([0-9a-f,]+\))/.exec(l)?.[1] ?? l);
  for (const extra of [[], ['+g'], ['-g'], ['-F'], ['+p', '8', '4']]) {
    const dcmtk = await retrieveWith('dcmtk', data, extra);
    const ours = await retrieveWith('ours', data, extra);
    assert.deepEqual(dcmtk.answer, { status: 0 }, dcmtk.stderr);
    assert.deepEqual(ours.answer, { status: 0 }, ours.stderr);
    const theirs = names(dcmtk.stderr);
    assert.equal(theirs.length, 13, dcmtk.stderr);
    // Not the order read: a test that proves the order.
    assert.ok(theirs.indexOf('SeriesInstanceUID (0020,000e)') < theirs.indexOf('StudyInstanceUID (0020,000d)') || extra.includes('-F'), dcmtk.stderr);
    assert.deepEqual(names(ours.stderr), theirs, `${extra.join(' ')}\n${ours.stderr}`);
    const name = `CT.${UID}`;
    if (extra.includes('-F')) assert.ok(readFileSync(join(dcmtk.dir, name)).equals(readFileSync(join(ours.dir, name))), '-F');
    // +p pads the whole file, whose meta group (our implementation's UID and name) is not DCMTK's length.
    else if (!extra.includes('+p')) assert.equal(await compareFiles(join(dcmtk.dir, name), join(ours.dir, name)), null, extra.join(' '));
  }
});

/** `data` as P-DATA-TF PDUs of at most 16000 bytes (DCMTK's movescu receives PDUs of up to 16384). */
function dataPdus(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += 16000) out.push(dataPdu(data.subarray(i, i + 16000), i + 16000 >= data.length));
  return out;
}

peerTest('odd lengths of pixel data fragments, sequence items and sequences: DCMTK\'s DcmSequenceOfItems / DcmItem warnings, the file it writes (fragments padded), with and without +B', ['movescu'], async () => {
  const RLE = '1.2.840.10008.1.2.5';
  const s = EXPLICIT_LE_SYNTAX;
  const el = (tag: number, vr: string, v: string): Buffer => Buffer.concat([elementHeader(tag, vr, v.length, s), Buffer.from(v, 'latin1')]);
  const head = Buffer.concat([el(0x00080016, 'UI', `${CT}\0`), el(0x00080018, 'UI', `${UID}\0`)]);
  const fragment = (n: number): Buffer => Buffer.concat([itemHeader(0xfffee000, n, s), Buffer.alloc(n, n & 0xff)]);
  const pixels = (...fragments: number[]): Buffer => Buffer.concat([elementHeader(0x7fe00010, 'OB', 0xffffffff, s),
    ...fragments.map(fragment), itemHeader(0xfffee0dd, 0, s)]);
  const item = el(0x00100020, 'LO', 'PAT');
  const cases: [string, Buffer][] = [
    // Two odd fragments after an empty offset table (the data set stays of even length: no odd P-DATA fragment).
    ['two odd fragments', Buffer.concat([head, el(0x00100020, 'LO', 'PAT1'), pixels(0, 7, 5)])],
    ['an odd offset table', Buffer.concat([head, el(0x00100020, 'LO', 'PAT1'), pixels(3, 7)])],
    ['an odd element, then an odd fragment', Buffer.concat([head, el(0x00100020, 'LO', 'PAT'), pixels(0, 8, 7)])],
    ['a sequence and its item of odd length', Buffer.concat([head, elementHeader(0x00081115, 'SQ', 8 + item.length, s),
      itemHeader(0xfffee000, item.length, s), item, el(0x00100020, 'LO', 'PAT')])],
    // Over 2 MiB: our large object path (written as it streams in, then converted from the file).
    ['a large odd fragment', Buffer.concat([head, el(0x00100020, 'LO', 'PAT1'), pixels(0, 3_000_001, 5)])],
  ];
  const name = `CT.${UID}`;
  for (const [what, bytes] of cases) {
    for (const extra of [['+xa'], ['+xa', '+B']]) {
      const data = dataPdus(bytes);
      const dcmtk = await retrieveWith('dcmtk', data, extra, RLE);
      const ours = await retrieveWith('ours', data, extra, RLE);
      const label = `${what} ${extra.join(' ')}`;
      assert.deepEqual(dcmtk.answer, { status: 0 }, `${label}\n${dcmtk.stderr}`);
      assert.deepEqual(ours.answer, { status: 0 }, `${label}\n${ours.stderr}`);
      assert.deepEqual(dcmtk.files, [name], label);
      assert.deepEqual(ours.files, [name], label);
      const odd = /^W: DcmSequenceOfItems: Length of item in sequence \w+ \([0-9a-f,]+\) is odd$/m;
      if (extra.includes('+B')) assert.doesNotMatch(dcmtk.stderr, odd, label);
      else assert.match(dcmtk.stderr, odd, label);
      assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), `${label}\n${ours.stderr}`);
      assert.equal(await compareFiles(join(dcmtk.dir, name), join(ours.dir, name)), null, label);
    }
  }
});

peerTest('a C-STORE-RQ missing a mandatory field, with a UID over 64 characters, an empty SOP Instance UID or no data set: DCMTK\'s warnings and condition lines, the sub-association aborted; an empty SOP Class UID served (0xA900)', ['movescu'], async () => {
  const base: Command = { CommandField: 0x0001, MessageID: 1, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: UID, Priority: 0, CommandDataSetType: 0 };
  const long = `1.2.${'3'.repeat(61)}`;
  const rq = (change: Partial<Command>, drop: (keyof Command)[] = []): Buffer => {
    const command: Command = { ...base, ...change };
    for (const k of drop) delete command[k];
    return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: encodeCommand(command) }] });
  };
  const aborted: [string, Buffer, RegExp][] = [
    ['an empty SOP Instance UID', rq({ AffectedSOPInstanceUID: '' }), /^E: DIMSE failure \(aborting sub-association\): 0006:0203 DIMSE Badly formed message$/m],
    ['a 65-character SOP Instance UID', rq({ AffectedSOPInstanceUID: long }), /^E: DIMSE failure \(aborting sub-association\): 0006:020b DIMSE: Command Parse Failed: Element: \(0000,1000\) AffectedSOPInstanceUID$/m],
    ['a 65-character SOP Class UID and an empty instance', rq({ AffectedSOPClassUID: long, AffectedSOPInstanceUID: '' }), /Element: \(0000,0002\) AffectedSOPClassUID$/m],
    ['no SOP Class UID', rq({}, ['AffectedSOPClassUID']), /Element: \(0000,0002\) AffectedSOPClassUID$/m],
    ['no SOP Instance UID', rq({}, ['AffectedSOPInstanceUID']), /Element: \(0000,1000\) AffectedSOPInstanceUID$/m],
    ['no Message ID', rq({}, ['MessageID']), /Element: \(0000,0110\) MessageID$/m],
    ['no Priority', rq({}, ['Priority']), /Element: \(0000,0700\) Priority$/m],
    ['no data set', rq({ CommandDataSetType: 0x0101 }), /^W: DIMSE Warning: \(PEER,MOVESCU\): C-Store RQ: DataSetType == NULL$/m],
    ['no data set and an empty SOP Instance UID', rq({ CommandDataSetType: 0x0101, AffectedSOPInstanceUID: '' }), /^W: DIMSE Warning: \(PEER,MOVESCU\): C-Store RQ: AffectedSOPInstanceUID: bad size$/m],
  ];
  const data = [dataPdu(DATASET, true)];
  const received = (log: string): string[] => log.split('\n').filter((l) => l.startsWith('I: Received Store Request'));
  for (const [what, first, line] of aborted) {
    const dcmtk = await retrieveWith('dcmtk', data, [], EXPLICIT_LE, first);
    const ours = await retrieveWith('ours', data, [], EXPLICIT_LE, first);
    assert.equal(dcmtk.answer, 'abort', `${what}\n${dcmtk.stderr}`);
    assert.equal(ours.answer, 'abort', `${what}\n${ours.stderr}`);
    assert.match(dcmtk.stderr, line, what);
    assert.deepEqual(received(dcmtk.stderr), [], what);
    assert.deepEqual(received(ours.stderr), [], what);
    assert.deepEqual(ours.files, []);
    assert.equal(ours.code, dcmtk.code, what);
    assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), `${what}\n${ours.stderr}`);
  }
  // An empty SOP Class UID passes DCMTK's checks: the request is served ("OT" in its line), the data set does not
  // match it: 0xA900. DCMTK leaves its file (named "(null).UID", sanitised); we store nothing (README, 0xA900).
  const dcmtk = await retrieveWith('dcmtk', data, [], EXPLICIT_LE, rq({ AffectedSOPClassUID: '' }));
  const ours = await retrieveWith('ours', data, [], EXPLICIT_LE, rq({ AffectedSOPClassUID: '' }));
  assert.deepEqual(dcmtk.answer, { status: 0xa900 }, dcmtk.stderr);
  assert.deepEqual(ours.answer, { status: 0xa900 }, ours.stderr);
  assert.deepEqual(received(ours.stderr), received(dcmtk.stderr));
  assert.deepEqual(received(dcmtk.stderr), ['I: Received Store Request (MsgID 1, OT)']);
  assert.deepEqual(ours.files, []);
});

peerTest('a C-ECHO-RQ with a data set or without its SOP Class UID: DCMTK\'s warning and condition lines, the sub-association aborted; a plain one answered', ['movescu'], async () => {
  const echo = (change: Partial<Command>, drop: (keyof Command)[] = []): Buffer => {
    const command: Command = { CommandField: 0x0030, MessageID: 1, AffectedSOPClassUID: '1.2.840.10008.1.1', CommandDataSetType: 0x0101, ...change };
    for (const k of drop) delete command[k];
    return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: encodeCommand(command) }] });
  };
  const cases: [string, Buffer, Buffer[], RegExp][] = [
    ['a data set', echo({ CommandDataSetType: 0 }), [dataPdu(DATASET, true)], /^W: DIMSE Warning: \(PEER,MOVESCU\): C-Echo RQ: DataSetType != NULL$/m],
    ['no SOP Class UID', echo({}, ['AffectedSOPClassUID']), [], /^E: DIMSE failure \(aborting sub-association\): 0006:020b DIMSE: Command Parse Failed: Element: \(0000,0002\) AffectedSOPClassUID$/m],
  ];
  for (const [what, first, data, line] of cases) {
    const dcmtk = await retrieveWith('dcmtk', data, [], EXPLICIT_LE, first);
    const ours = await retrieveWith('ours', data, [], EXPLICIT_LE, first);
    assert.equal(dcmtk.answer, 'abort', `${what}\n${dcmtk.stderr}`);
    assert.equal(ours.answer, 'abort', `${what}\n${ours.stderr}`);
    assert.match(dcmtk.stderr, line, what);
    assert.equal(ours.code, dcmtk.code, what);
    assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), `${what}\n${ours.stderr}`);
  }
  // Not vacuous: the same request without a data set is answered by both (C-ECHO-RSP, status 0).
  const dcmtk = await retrieveWith('dcmtk', [], [], EXPLICIT_LE, echo({}));
  const ours = await retrieveWith('ours', [], [], EXPLICIT_LE, echo({}));
  assert.deepEqual(dcmtk.answer, { status: 0 }, dcmtk.stderr);
  assert.deepEqual(ours.answer, { status: 0 }, ours.stderr);
});

peerTest('encapsulated pixel data received on an Explicit VR Little Endian context: DCMTK\'s DcmElement and "cannot write DICOM file" lines, 0xA700 and no file (default, -F, +te, in Implicit VR too); with +B the bytes stored, as DCMTK\'s', ['movescu'], async () => {
  const s = EXPLICIT_LE_SYNTAX;
  const pixels = Buffer.concat([elementHeader(0x7fe00010, 'OB', 0xffffffff, s), itemHeader(0xfffee000, 0, s),
    itemHeader(0xfffee000, 8, s), Buffer.alloc(8, 1), itemHeader(0xfffee0dd, 0, s)]);
  const data = [dataPdu(Buffer.concat([DATASET, pixels]), true)];
  const name = `CT.${UID}`;
  // The file's path is each run's own directory.
  const lines = (r: { stderr: string; dir: string }): ReturnType<typeof errorsAndWarnings> => errorsAndWarnings(r.stderr.split(r.dir).join('OUT'));
  // DCMTK answers so when the Pixel Data's header comes in the data set's last PDV (here: one PDV, or two with the
  // header starting the second); in an earlier one its read of the data set fails and it aborts (README).
  // The same in implicit VR little endian.
  const implicit = Buffer.concat([encodeDataset([ui(0x00080016, CT), ui(0x00080018, UID), { tag: 0x00100020, vr: 'LO', value: Buffer.from('PAT1') }], IMPLICIT_LE_SYNTAX),
    Buffer.from('e07f1000ffffffff' + 'feff00e000000000' + 'feff00e008000000' + '0101010101010101' + 'feffdde000000000', 'hex')]);
  const cases: [string[], Buffer[], string][] = [[[], data, EXPLICIT_LE], [['-F'], data, EXPLICIT_LE], [['+te'], data, EXPLICIT_LE],
    [[], [dataPdu(DATASET, false), dataPdu(pixels, true)], EXPLICIT_LE], [[], [dataPdu(implicit, true)], '1.2.840.10008.1.2']];
  for (const [extra, bytes, ts] of cases) {
    const dcmtk = await retrieveWith('dcmtk', bytes, extra, ts);
    const ours = await retrieveWith('ours', bytes, extra, ts);
    const label = `${extra.join(' ')} ${bytes.length} PDUs ${ts}`;
    assert.deepEqual(dcmtk.answer, { status: 0xa700 }, `${label}\n${dcmtk.stderr}`);
    assert.deepEqual(ours.answer, { status: 0xa700 }, `${label}\n${ours.stderr}`);
    assert.deepEqual(dcmtk.files, [], label);
    assert.deepEqual(ours.files, [], label);
    assert.equal(ours.code, dcmtk.code, label);
    assert.deepEqual(lines(dcmtk).main.slice(0, 2), [
      'E: DcmElement: PixelData (7fe0,0010) larger (4294967295) than remaining bytes (0) in file, premature end of stream',
      `E: cannot write DICOM file: OUT/${name}`,
    ], label);
    assert.deepEqual(lines(ours), lines(dcmtk), `${label}\n${ours.stderr}`);
  }
  const dcmtk = await retrieveWith('dcmtk', data, ['+B']);
  const ours = await retrieveWith('ours', data, ['+B']);
  assert.deepEqual(dcmtk.answer, { status: 0 }, dcmtk.stderr);
  assert.deepEqual(ours.answer, { status: 0 }, ours.stderr);
  assert.deepEqual(ours.files, [name]);
  assert.ok(readFileSync(join(dcmtk.dir, name)).subarray(-pixels.length).equals(pixels), 'DCMTK stores the bytes');
  assert.ok(readFileSync(join(ours.dir, name)).subarray(-pixels.length).equals(pixels), 'ours too');
});

/** A C-STORE-RQ whose SOP Class and Instance UIDs are these bytes as they are (padding and all), as one P-DATA-TF. */
function rawStoreRq(sopClass: string, sopInstance: string): Buffer {
  const el = (tag: number, v: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(tag >>> 16, 0);
    h.writeUInt16LE(tag & 0xffff, 2);
    h.writeUInt32LE(v.length, 4);
    return Buffer.concat([h, v]);
  };
  const us = (n: number): Buffer => Buffer.from([n & 0xff, n >> 8]);
  const body = Buffer.concat([el(0x00000002, Buffer.from(sopClass, 'latin1')), el(0x00000100, us(1)), el(0x00000110, us(1)),
    el(0x00000700, us(0)), el(0x00000800, us(0)), el(0x00001000, Buffer.from(sopInstance, 'latin1'))]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.concat([el(0, length), body]) }] });
}

peerTest('C-STORE-RQ UIDs with white space or padding past 64 bytes: DCMTK removes the white space (embedded too) with its DcmUniqueIdentifier warning, and its 64-byte limit does not count the padding', ['movescu'], async () => {
  const u64 = `1.2.${'3'.repeat(60)}`;
  const ctPadded = `${CT}\0`;
  const name = `CT.${UID}`;
  const cases: [string, Buffer, number | 'abort', string[]][] = [
    // Served and stored: the UIDs match the data set's once the white space is gone.
    ['a space-padded SOP Class UID and an embedded space in the instance', rawStoreRq(`${CT} `, '1.2.3 .4.5'), 0, [name]],
    ['a tab and a leading space', rawStoreRq(ctPadded, ' \t1.2.3.4.5 '), 0, [name]],
    // 66 bytes of which 64 are the UID: served (the data set names another instance: 0xA900).
    ['64 characters and two spaces', rawStoreRq(ctPadded, `${u64}  `), 0xa900, []],
    ['64 characters and two NULs', rawStoreRq(ctPadded, `${u64}\0\0`), 0xa900, []],
    ['64 characters, a NUL and a space', rawStoreRq(ctPadded, `${u64}\0 `), 0xa900, []],
    // 65 characters once the spaces are gone: the parse fails.
    ['65 characters with a space inside', rawStoreRq(ctPadded, `${u64.slice(0, 10)} ${u64.slice(10)}5`), 'abort', []],
    // Nothing left: the message check's "bad size".
    ['spaces only', rawStoreRq(ctPadded, '  '), 'abort', []],
  ];
  for (const [what, first, answer, files] of cases) {
    // Even lengths throughout (an odd element length breaks DCMTK's command parse another way).
    assert.equal(first.length % 2, 0, what);
    const data = [dataPdu(DATASET, true)];
    const dcmtk = await retrieveWith('dcmtk', data, [], EXPLICIT_LE, first);
    const ours = await retrieveWith('ours', data, [], EXPLICIT_LE, first);
    const expected = answer === 'abort' ? 'abort' : { status: answer };
    assert.deepEqual(dcmtk.answer, expected, `${what}\n${dcmtk.stderr}`);
    assert.deepEqual(ours.answer, expected, `${what}\n${ours.stderr}`);
    if (files.length > 0) assert.deepEqual(dcmtk.files, files, what);
    assert.deepEqual(ours.files, files, what);
    assert.equal(ours.code, dcmtk.code, what);
    const spaces = (log: string): string[] => log.split('\n').filter((l) => l.startsWith('W: DcmUniqueIdentifier'));
    assert.equal(spaces(dcmtk.stderr).length > 0, /[ \t]/.test(first.toString('latin1')), `${what}\n${dcmtk.stderr}`);
    // The E/W lines; for 0xA900 our own line on what was not stored stands in for DCMTK's stored file (README).
    const lines = (log: string): ReturnType<typeof errorsAndWarnings> => errorsAndWarnings(log.split('\n').filter((l) => !l.startsWith('E: data set does not match')).join('\n'));
    assert.deepEqual(lines(ours.stderr), lines(dcmtk.stderr), `${what}\n${ours.stderr}`);
    const received = (log: string): string[] => log.split('\n').filter((l) => l.startsWith('I: Received Store Request'));
    assert.deepEqual(received(ours.stderr), received(dcmtk.stderr), what);
  }
});

peerTest('elements out of tag order with space-padded UIDs (top level and in an item): DCMTK\'s UID warnings in the order of the data set it holds, sorted, with +g=, +g, -g, -F, and in a large object', ['movescu'], async () => {
  const s = EXPLICIT_LE_SYNTAX;
  const el = (tag: number, vr: string, v: string): Buffer => Buffer.concat([elementHeader(tag, vr, v.length, s), Buffer.from(v, 'latin1')]);
  // An item whose UIDs are out of order too.
  const item = Buffer.concat([el(0x00081155, 'UI', '1.2.3.9 '), el(0x00081150, 'UI', `${CT} `)]);
  const bytes = Buffer.concat([
    el(0x00080016, 'UI', `${CT} `), el(0x00200052, 'UI', '1.2.3.3 '), el(0x00080018, 'UI', `${UID} `), el(0x0020000e, 'UI', '1.2.3.2 '),
    el(0x00100020, 'LO', 'PAT1'), el(0x0020000d, 'UI', '1.2.3.1 '),
    elementHeader(0x00081140, 'SQ', 8 + item.length, s), itemHeader(0xfffee000, item.length, s), item,
    el(0x00081155, 'UI', '1.2.3.8 '),
  ]);
  const names = (log: string): string[] => log.split('\n').filter((l) => l.startsWith('W: DcmUniqueIdentifier'))
    .map((l) => /Element (\w+ \([0-9a-f,]+\))/.exec(l)?.[1] ?? l);
  const name = `CT.${UID}`;
  // Over 2 MiB (pixel data last): our large object path, put in order from the file it was written to.
  const large = Buffer.concat([bytes, elementHeader(0x7fe00010, 'OB', 3_000_000, s), Buffer.alloc(3_000_000, 7)]);
  const cases: [string[], Buffer[]][] = [[[], [dataPdu(bytes, true)]], [['+g'], [dataPdu(bytes, true)]], [['-g'], [dataPdu(bytes, true)]],
    [['-F'], [dataPdu(bytes, true)]], [[], dataPdus(large)]];
  for (const [extra, data] of cases) {
    const dcmtk = await retrieveWith('dcmtk', data, extra);
    const ours = await retrieveWith('ours', data, extra);
    const label = `${extra.join(' ')} ${data.length} PDUs`;
    assert.deepEqual(dcmtk.answer, { status: 0 }, `${label}\n${dcmtk.stderr}`);
    assert.deepEqual(ours.answer, { status: 0 }, `${label}\n${ours.stderr}`);
    const theirs = names(dcmtk.stderr);
    assert.equal(theirs.length, 8, dcmtk.stderr);
    // Not the order received: Frame of Reference (received second) comes after Series, Study before them with -g.
    assert.ok(theirs.indexOf('FrameOfReferenceUID (0020,0052)') > theirs.indexOf('SeriesInstanceUID (0020,000e)'), `${label}\n${dcmtk.stderr}`);
    assert.deepEqual(names(ours.stderr), theirs, `${label}\n${ours.stderr}`);
    assert.deepEqual(errorsAndWarnings(ours.stderr), errorsAndWarnings(dcmtk.stderr), `${label}\n${ours.stderr}`);
    if (extra.includes('-F')) assert.ok(readFileSync(join(dcmtk.dir, name)).equals(readFileSync(join(ours.dir, name))), '-F');
    else assert.equal(await compareFiles(join(dcmtk.dir, name), join(ours.dir, name)), null, label);
  }
});
