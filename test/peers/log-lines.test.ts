/**
 * The lines users grep in movescu's log: DCMTK's movescu and ours, same archive (dcmqrscp), same options.
 * At -v the whole stderr must be identical. At -d DCMTK prints much more that we do not reproduce (association
 * parameter dumps, PDU hex dumps, "DcmDataset::read()" lines, the data dictionary and rcsid lines...): there the
 * info/warning/error lines, every DIMSE message dump (with the info line before it) and the "Request Identifiers"
 * block must be identical.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import {
  associationBlocks, byAssociation, compareDirs, formatDirDiff, runBoth, startDcmqrscpServing, tempDir, type Dcmqrscp, type TempDir,
} from '../helpers/peers';
import { makeStudy, SMALL_MIXED_SERIES, type GeneratedStudy } from '../helpers/dicom-gen';
import { cleanupsAfter } from '../helpers/cleanups';

const DCMTK = ['dump2dcm', 'dcmqridx', 'dcmqrscp', 'movescu'];

interface Setup { tmp: TempDir; qr: Dcmqrscp; storePort: number; study: GeneratedStudy; queryFile: string }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

/** A query file with what the identifier printer must get right: a UID DCMTK names, a sequence, a long value. */
const QUERY_DUMP = String.raw`(0008,0016) UI =CTImageStorage
(0008,0020) DA (no value available)
(0008,1110) SQ (Sequence with explicit length #=1)
  (fffe,e000) na (Item with explicit length #=1)
    (0008,1150) UI [1.2.3]
  (fffe,e00d) na (ItemDelimitationItem for re-encoding)
(fffe,e0dd) na (SequenceDelimitationItem for re-encod.)
(0010,0010) PN [Doe^John]
(0018,1030) LO [0123456789012345678901234567890123456789012345678901234567890123456789XYZ]
(0028,0010) US 512
(0040,9212) FD 0.1\0.3333333333333333
`;

function archive(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('log-lines');
    cleanups.push(() => tmp.cleanup());
    const study = await makeStudy({
      dir: join(tmp.path, 'src'), patientId: 'LOG1',
      series: [...SMALL_MIXED_SERIES],
    });
    const { qr, storePort } = await startDcmqrscpServing(study.files, { storageDir: join(tmp.path, 'db') });
    cleanups.push(() => qr.stop());
    const dump = join(tmp.path, 'q.dump');
    const queryFile = join(tmp.path, 'q.dcm');
    writeFileSync(dump, QUERY_DUMP);
    const d2d = spawnSync('dump2dcm', [dump, queryFile]);
    assert.equal(d2d.status, 0, d2d.stderr.toString());
    return { tmp, qr, storePort, study, queryFile };
  })();
  return setup;
}

async function both(s: Setup, level: '-v' | '-d', extra: string[], queryFile = false): Promise<{ dcmtk: string; ours: string; dcmtkStdout: string; oursStdout: string }> {
  const r = await runBoth(s.tmp.path, (dir) => [
    level, '-S', '-aec', 'ARCHIVE', '+P', String(s.storePort), '-od', dir,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`, ...extra,
    '127.0.0.1', String(s.qr.port), ...(queryFile ? [s.queryFile] : []),
  ]);
  return { dcmtk: r.dcmtk.stderr, ours: r.ours.stderr, dcmtkStdout: r.dcmtk.stdout, oursStdout: r.ours.stdout };
}

/** Each DIMSE dump, with the line before it ("I: Received Store Request", ...). */
function dimseBlocks(log: string): string[] {
  const lines = log.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^D: =+ (INCOMING|OUTGOING) DIMSE MESSAGE =+$/.test(lines[i] as string)) continue;
    const end = lines.indexOf('D: ======================= END DIMSE MESSAGE =======================', i);
    assert.ok(end > i, `unterminated DIMSE dump at line ${i}`);
    blocks.push(lines.slice(i - 1, end + 1).join('\n'));
    i = end;
  }
  return blocks;
}

/** The association dump's line naming our implementation (DCMTK's dump of the peer's is compared as is). */
const OUR_IMPLEMENTATION_LINE = /^D: Our Implementation/;

/** "I: Request Identifiers:" up to the empty "I: " line that ends the data set print. */
function identifierBlocks(log: string): string[] {
  const lines = log.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== 'I: Request Identifiers:') continue;
    const end = lines.indexOf('I: ', i + 2); // i + 1 is the empty line the print starts with
    assert.ok(end > i, 'unterminated Request Identifiers block');
    blocks.push(lines.slice(i, end + 1).join('\n'));
    i = end;
  }
  return blocks;
}

/** Info, warning, error and fatal lines: all of DCMTK's are ours too (we add no debug-only info line). */
function nonDebugLines(log: string): string[] {
  return log.split('\n').filter((l) => /^[IWEF]: /.test(l) || l === 'I:');
}

peerTest('log at -v: stderr identical to DCMTK movescu\'s, per association (3 objects received)', DCMTK, async (t) => {
  const s = await archive();
  const r = await both(s, '-v', ['-aem', 'MOVESCU']);
  assert.equal(r.dcmtk.split('\n').filter((l) => l.startsWith('I: Received Store Request')).length, 3, r.dcmtk);
  assert.deepEqual(byAssociation(r.ours.split('\n')), byAssociation(r.dcmtk.split('\n')));
  if (r.ours !== r.dcmtk) t.diagnostic('same lines per association, interleaved differently (see helpers/peers/log-compare.ts)');
  // stdout: DCMTK's progress at exactly -v, "RECV: " and a dot per PDV for each object received.
  assert.equal(r.dcmtkStdout.split('\n').filter((l) => /^RECV: \.+$/.test(l)).length, 3, r.dcmtkStdout);
  assert.equal(r.oursStdout, r.dcmtkStdout);
});

peerTest('--repeat 2 --abort: two C-MOVEs on one association (MsgID 1, 2), then an A-ABORT; log and files as DCMTK\'s', DCMTK, async () => {
  const s = await archive();
  const r = await runBoth(s.tmp.path, (dir) => ['-v', '-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort), '-od', dir,
    '--repeat', '2', '--abort', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`, '127.0.0.1', String(s.qr.port)]);
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  // The output folders differ (DCMTK's and ours), and the warnings name them.
  const theirs = r.dcmtk.stderr.replaceAll(r.a, 'OUT').split('\n');
  assert.ok(theirs.includes('I: Sending Move Request (MsgID 2)') && theirs.includes('I: Aborting Association'), r.dcmtk.stderr);
  // The second pass overwrites every file: DCMTK's warning for each, ours too.
  assert.equal(theirs.filter((l) => l.startsWith('W: DICOM file already exists, overwriting')).length, 3, r.dcmtk.stderr);
  assert.deepEqual(byAssociation(r.ours.stderr.replaceAll(r.b, 'OUT').split('\n')), byAssociation(theirs));
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, formatDirDiff(d));
});

peerTest('log at -v with a query file (UID names, a sequence, a long value, FD): stderr identical', DCMTK, async () => {
  const s = await archive();
  // The file's extra keys match nothing in dcmqrscp: this run is about the "Request Identifiers" block.
  const r = await both(s, '-v', ['-aem', 'MOVESCU'], true);
  assert.match(r.dcmtk, /Received Final Move Response \(Success\)/);
  assert.equal(r.ours, r.dcmtk);
  // The log prints long values whole (no PF_shortenLongTagValues), unlike dcmdump's default.
  assert.match(r.ours, /\[0123456789012345678901234567890123456789012345678901234567890123456789XYZ\] # {2}74, 1 ProtocolName/);
});

peerTest('log at -d: DIMSE message dumps, Request Identifiers and all info lines identical to DCMTK\'s', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, '-d', ['-aem', 'MOVESCU']);
  const theirs = dimseBlocks(r.dcmtk);
  // 1 C-MOVE-RQ, 3 C-STORE-RQ, 3 pending and 1 final C-MOVE-RSP.
  assert.equal(theirs.length, 8, r.dcmtk);
  assert.deepEqual(byAssociation(dimseBlocks(r.ours)), byAssociation(theirs));
  assert.equal(identifierBlocks(r.dcmtk).length, 1);
  assert.deepEqual(identifierBlocks(r.ours), identifierBlocks(r.dcmtk));
  // The association parameters, main association and sub-association, as DCMTK prints them.
  const assocs = associationBlocks(r.dcmtk, OUR_IMPLEMENTATION_LINE, true);
  assert.equal(assocs.length, 4, r.dcmtk);
  assert.match(assocs[3] as string, /Accepted Transfer Syntax: =/);
  assert.deepEqual(associationBlocks(r.ours, OUR_IMPLEMENTATION_LINE, true), assocs);
  for (const log of [r.dcmtk, r.ours]) {
    const lines = log.split('\n');
    assert.equal(lines[lines.indexOf('I: Requesting Association') - 1], 'D: ======================= END A-ASSOCIATE-RQ ======================');
  }
  // No progress dots at debug level (DCMTK prints them at exactly the info level).
  assert.equal(r.dcmtkStdout, '');
  assert.equal(r.oursStdout, '');
  assert.deepEqual(byAssociation(nonDebugLines(r.ours)), byAssociation(nonDebugLines(r.dcmtk)));
});

peerTest('log at -d with a query file: the Request Identifiers block and the DIMSE dumps are identical', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, '-d', ['-aem', 'MOVESCU'], true);
  assert.equal(identifierBlocks(r.dcmtk).length, 1);
  assert.deepEqual(identifierBlocks(r.ours), identifierBlocks(r.dcmtk));
  assert.deepEqual(dimseBlocks(r.ours), dimseBlocks(r.dcmtk));
  assert.deepEqual(nonDebugLines(r.ours), nonDebugLines(r.dcmtk));
});

peerTest('log at -d: a refused C-MOVE (unknown destination): the final response dump is identical', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, '-d', ['-aem', 'NOBODY']);
  const theirs = dimseBlocks(r.dcmtk);
  assert.equal(theirs.length, 2, r.dcmtk);
  assert.match(theirs[1] as string, /DIMSE Status {18}: 0xa801: Refused: Move Destination unknown/);
  assert.deepEqual(dimseBlocks(r.ours), theirs);
});

peerTest('log at -v: a refused C-MOVE logs its warning before "Received Final Move Response", as DCMTK does', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, '-v', ['-aem', 'NOBODY']);
  assert.equal(r.ours, r.dcmtk);
});
