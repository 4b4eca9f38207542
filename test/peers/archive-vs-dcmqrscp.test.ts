/**
 * Our archive's C-FIND, C-MOVE and C-ECHO service (lib/archive), and our C-ECHO SCU (`echo`), against DCMTK's own
 * tools. DCMTK's findscu and movescu ask our archive and a dcmqrscp serving the same files the same questions, and
 * both must answer alike: the same entities and the same values for the keys asked (dcmqrscp is the reference for
 * PS3.4 C.2.2.2 matching: universal, single value, wildcard, UID list, range), and the same final status for an
 * identifier they refuse or a destination they cannot reach.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { freePort, runProcess, startDcmqrscpServing, tempDir, type Dcmqrscp } from '../helpers/peers';
import { makeStudy, type GeneratedStudy } from '../helpers/dicom-gen';
import { startOwnArchive } from '../helpers/archive';
import { cleanupsAfter } from '../helpers/cleanups';
import { echo } from '../../lib/services/echo-scu';
import { AssociationRejectedError } from '../../lib/association/errors';

const DCMTK = ['findscu', 'movescu', 'echoscu', 'dcm2json', 'dcmqrscp', 'dcmqridx', 'dump2dcm'];

interface Setup { dir: string; ourPort: number; qr: Dcmqrscp; a: GeneratedStudy; b: GeneratedStudy }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

function archives(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('archive-vs-dcmqrscp');
    cleanups.push(() => tmp.cleanup());
    const src = join(tmp.path, 'src');
    // MOVESCU, where nothing listens either: the C-MOVEs below either match nothing or are refused first.
    const moveDestinations = [{ ae: 'MOVESCU', port: await freePort() }, { ae: 'NOBODY', port: await freePort() }];
    const own = await startOwnArchive({
      folder: src, moveDestinations,
      study: async (dir) => ({
        a: await makeStudy({
          dir, patientId: 'FINDA', patientName: 'DOE^JANE', accessionNumber: 'ACCA',
          series: [{ sopClass: 'ct', count: 2, rows: 8, cols: 8 }, { sopClass: 'mr', count: 1, rows: 8, cols: 8 }],
        }),
        b: await makeStudy({ dir, patientId: 'FINDB', patientName: 'ROE^RICHARD', series: [{ sopClass: 'sr', count: 1 }] }),
      }),
    });
    cleanups.push(own.close);
    const { a, b } = own.study;
    const { qr } = await startDcmqrscpServing([...a.files, ...b.files], { storageDir: join(tmp.path, 'db'), moveDestinations });
    cleanups.push(() => qr.stop());
    return { dir: tmp.path, ourPort: own.qrPort, qr, a, b };
  })();
  return setup;
}

/** A data set as dcm2json prints it: tag → { vr, Value }. */
type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

function text(v: unknown): string {
  if (v && typeof v === 'object' && 'Alphabetic' in v) return String((v as { Alphabetic: unknown }).Alphabetic);
  return String(v);
}

let queries = 0;

/**
 * findscu with `args` (model and -k keys) against one archive; each response's values for the keys asked (tags
 * in findscu's gggg,eeee form), as sorted lines, read back by DCMTK's dcm2json.
 */
async function find(port: number, args: string[]): Promise<string[]> {
  const out = join((await archives()).dir, `find-${++queries}`);
  mkdirSync(out);
  const r = await runProcess('findscu', ['-X', '-od', out, '-aet', 'FINDSCU', '-aec', 'ARCHIVE', ...args, '127.0.0.1', String(port)]);
  assert.equal(r.code, 0, `findscu ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  const tags = [...new Set(args.flatMap((a, i) => (args[i - 1] === '-k' ? [a.slice(0, 9).replace(',', '').toUpperCase()] : [])))];
  const lines: string[] = [];
  for (const f of readdirSync(out).filter((n) => /^rsp\d+\.dcm$/.test(n)).sort()) {
    const j = await runProcess('dcm2json', [join(out, f)]);
    assert.equal(j.code, 0, j.stderr);
    const ds = JSON.parse(j.stdout) as DicomJson;
    lines.push(tags.map((t) => `${t}=${(ds[t]?.Value ?? []).map(text).join('\\')}`).join(' '));
  }
  return lines.sort();
}

/** The same question to dcmqrscp and to ours: the same answers, and as many as `expected`. */
async function sameAnswers(args: string[], expected: number): Promise<void> {
  const s = await archives();
  const dcmtk = await find(s.qr.port, args);
  const ours = await find(s.ourPort, args);
  assert.deepEqual(ours, dcmtk, `findscu ${args.join(' ')}: ours (left) and dcmqrscp's (right) answers differ`);
  assert.equal(ours.length, expected, `findscu ${args.join(' ')}: ${ours.length} responses, ${expected} expected:\n${ours.join('\n')}`);
}

const STUDY_KEYS = ['-k', '0020,000D', '-k', '0010,0020', '-k', '0010,0010', '-k', '0008,0050', '-k', '0008,0020'];

peerTest('C-FIND, study root, STUDY level: universal, single value, wildcards, UID list and date ranges match as in dcmqrscp', DCMTK, async () => {
  const { a, b } = await archives();
  const study = ['-S', '-k', '0008,0052=STUDY'];
  await sameAnswers([...study, ...STUDY_KEYS], 2);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', '0010,0020=FINDA'], 1);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', '0010,0010=DOE*'], 1);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', '0010,0010=ROE^RICH?RD'], 1);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', `0020,000D=${a.studyUid}\\${b.studyUid}`], 2);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', '0008,0020=19000101-'], 2);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', '0008,0020=-19991231'], 0);
  await sameAnswers([...study, ...STUDY_KEYS, '-k', '0010,0020=NOSUCHID'], 0);
});

peerTest('C-FIND, study root, SERIES and IMAGE levels, and patient root, PATIENT level: the same answers as dcmqrscp', DCMTK, async () => {
  const { a } = await archives();
  await sameAnswers(['-S', '-k', '0008,0052=SERIES', '-k', `0020,000D=${a.studyUid}`, '-k', '0020,000E', '-k', '0008,0060', '-k', '0020,0011'], 2);
  await sameAnswers(['-S', '-k', '0008,0052=IMAGE', '-k', `0020,000D=${a.studyUid}`, '-k', `0020,000E=${a.seriesUids[0]}`,
    '-k', '0008,0018', '-k', '0020,0013'], 2);
  await sameAnswers(['-P', '-k', '0008,0052=PATIENT', '-k', '0010,0020', '-k', '0010,0010'], 2);
  await sameAnswers(['-P', '-k', '0008,0052=PATIENT', '-k', '0010,0020=FINDB', '-k', '0010,0010'], 1);
});

/** What a client prints of the final response (-v), and its exit code. */
async function finalAnswer(tool: 'findscu' | 'movescu', port: number, args: string[]): Promise<string> {
  const r = await runProcess(tool, ['-v', '-aec', 'ARCHIVE', ...args, '127.0.0.1', String(port)]);
  const lines = (r.stdout + r.stderr).split('\n').filter((l) => /^(W: Move response with error status|I: Received Final (Find|Move) Response)/.test(l));
  return [`exit ${r.code}`, ...lines].join('\n');
}

peerTest('C-FIND and C-MOVE refused or matching nothing: the same final status and exit code as dcmqrscp', DCMTK, async () => {
  const s = await archives();
  const cases: [string, 'findscu' | 'movescu', string[]][] = [
    ['C-FIND without a level (A900)', 'findscu', ['-S', '-k', '0010,0020=FINDA']],
    ['C-FIND at a level that does not exist (C000)', 'findscu', ['-S', '-k', '0008,0052=SOMETHING', '-k', '0010,0020=FINDA']],
    ['C-MOVE matching nothing (success, no sub-operation)', 'movescu', ['-S', '-k', '0008,0052=STUDY', '-k', '0010,0020=NOSUCHID']],
    ['C-MOVE without a level (A900)', 'movescu', ['-S', '-k', '0010,0020=FINDA']],
    ['C-MOVE at a level that does not exist (C000)', 'movescu', ['-S', '-k', '0008,0052=SOMETHING', '-k', '0010,0020=FINDA']],
    ['C-MOVE to a destination nobody listens at (A702)', 'movescu', ['-S', '-aem', 'NOBODY', '-k', '0008,0052=STUDY', '-k', '0010,0020=FINDA']],
  ];
  for (const [what, tool, args] of cases) {
    const theirs = await finalAnswer(tool, s.qr.port, args);
    assert.match(theirs, /Received Final/, `${what}: dcmqrscp gave no final response:\n${theirs}`);
    assert.equal(await finalAnswer(tool, s.ourPort, args), theirs, `${what}: ours (actual) and dcmqrscp's (expected)`);
  }
});

peerTest('C-ECHO: echoscu verifies our archive; our echo() verifies dcmqrscp and our archive, and names a rejection', DCMTK, async () => {
  const s = await archives();
  const r = await runProcess('echoscu', ['-aet', 'ECHOSCU', '-aec', 'ARCHIVE', '127.0.0.1', String(s.ourPort)]);
  assert.equal(r.code, 0, `echoscu against our archive exited ${r.code}:\n${r.stderr}`);
  assert.equal(await echo({ host: '127.0.0.1', port: s.qr.port, calledAeTitle: 'ARCHIVE' }), 0x0000);
  assert.equal(await echo({ host: '127.0.0.1', port: s.ourPort, calledAeTitle: 'ARCHIVE' }), 0x0000);
  // dcmqrscp knows only the AE titles of its AETable: any other called AE title is rejected.
  await assert.rejects(echo({ host: '127.0.0.1', port: s.qr.port, calledAeTitle: 'NOSUCHAE' }), (e: unknown) => {
    assert.ok(e instanceof AssociationRejectedError, String(e));
    assert.equal(e.code, 'ASSOC_REJECTED');
    assert.match(e.message, /called AE title not recognized/i);
    return true;
  });
});
