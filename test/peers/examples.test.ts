/**
 * The runnable examples (examples/*.ts), run as a user runs them (`node dist/examples/NAME.js --flags`) against our
 * own archive serving a synthetic study of CT, MR and OT series, each result checked for real: files read back
 * with our parser and DCMTK's dcmdump, the multipart file split by Python's email package, the printed counts
 * against the study. Each test has its own archive and study, so that they do not depend on one another.
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { freePort, runProcess, tempDir, type RunResult } from '../helpers/peers';
import { startOwnArchive } from '../helpers/archive';
import { DEMO_SERIES, writeSyntheticStudy, type SyntheticStudy } from '../../lib/archive/synthetic';
import { parseFileMeta, type FileMeta } from '../../lib/dataset/part10/file-meta';
import { DatasetParser } from '../../lib/dataset/codec/tokenizer';
import { PIXEL_DATA_TAG } from '../../lib/dataset/codec/tokens';
import { dcmtkFileName, valueText } from '../../lib/index';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const BINARY_VRS = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);

const TAG = {
  AccessionNumber: 0x00080050,
  Modality: 0x00080060,
  InstitutionName: 0x00080080,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  OtherPatientIDs: 0x00101000,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  SOPInstanceUID: 0x00080018,
} as const;

interface Served { study: SyntheticStudy; args: string[]; out: string; tmp: string }

/**
 * A fresh synthetic study (DEMO_SERIES: 6 CT, 3 MR in implicit VR, 1 OT) served by our archive on a free loopback
 * port; `prepare` may change the files before the archive indexes them. `args` are the examples' connection flags.
 */
async function serve(t: TestContext, name: string, prepare?: (study: SyntheticStudy) => Promise<void>): Promise<Served> {
  const tmp = tempDir(`examples-${name}`);
  t.after(() => tmp.cleanup());
  const src = join(tmp.path, 'src');
  const { study, qrPort: port, storePort: listen, close } = await startOwnArchive({
    folder: src,
    study: async (f) => {
      const study = await writeSyntheticStudy(f, { patientId: 'PID-4711', patientName: 'Doe^Jane' });
      await prepare?.(study);
      return study;
    },
    moveDestinations: [{ ae: 'EXAMPLES', port: await freePort() }],
  });
  t.after(close);
  return {
    study, tmp: tmp.path, out: join(tmp.path, 'out'),
    args: ['--port', String(port), '--aec', 'ARCHIVE', '--aet', 'EXAMPLES', '--listen', String(listen), '--study', study.studyInstanceUid],
  };
}

function runExample(name: string, args: string[]): Promise<RunResult> {
  return runProcess(process.execPath, [join(EXAMPLES, `${name}.js`), ...args], { killAfterMs: 60_000 });
}

interface Element { vr: string; value: Buffer }
interface Parsed { meta: FileMeta; dataset: Buffer; top: Map<number, Element>; binaryBytes: number }

/** A Part 10 file read with our own parser: its top-level elements, and the bytes of binary values at any depth. */
function readDicom(file: string): Parsed {
  const bytes = readFileSync(file);
  const meta = parseFileMeta(bytes, { final: true, file });
  assert.ok(meta, `${file}: no file meta`);
  const top = new Map<number, Element>();
  let depth = 0;
  let binaryBytes = 0;
  let current: { tag: number; vr: string; parts: Buffer[] } | null = null;
  const parser = new DatasetParser(meta.syntax, (tok) => {
    switch (tok.type) {
      case 'element':
        if (BINARY_VRS.has(tok.vr)) binaryBytes += tok.length;
        current = depth === 0 ? { tag: tok.tag, vr: tok.vr, parts: [] } : null;
        break;
      case 'value':
        current?.parts.push(tok.data);
        break;
      case 'elementEnd':
        if (current) top.set(current.tag, { vr: current.vr, value: Buffer.concat(current.parts) });
        current = null;
        break;
      case 'sequenceStart':
      case 'encapsulatedStart':
        depth++;
        break;
      case 'sequenceEnd':
      case 'encapsulatedEnd':
        depth--;
        break;
      default:
        break;
    }
  }, { file });
  const dataset = bytes.subarray(meta.datasetOffset);
  parser.write(dataset);
  parser.end();
  return { meta, dataset, top, binaryBytes };
}

function text(p: Parsed, tag: number): string | undefined {
  const e = p.top.get(tag);
  return e ? valueText(e.vr, e.value) : undefined;
}

/** Expected failures: one line on stderr, no stack trace. */
function assertOneLineError(r: RunResult, name: string, pattern: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', new RegExp(`^${name}: `));
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, r.stderr);
}

peerTest('examples/anonymise: every file has the new name and pseudonymous IDs, no birth date, the same pixel data; DCMTK reads it', ['dcmodify', 'dcmdump'], async (t) => {
  const s = await serve(t, 'anonymise', async (study) => {
    // The synthetic study has no birth date and such: add what the example must remove (dcmodify: in place, no backup; OtherPatientIDs by tag, DCMTK names it as retired).
    const r = await runProcess('dcmodify', ['-nb', '-i', 'PatientBirthDate=19700101', '-i', 'PatientSex=F', '-i', 'InstitutionName=General Hospital',
      '-i', '(0010,1000)=OLD-0815', ...study.files.map((f) => f.path)]);
    assert.equal(r.code, 0, r.stderr);
  });
  const key = 'example-test-key';
  const r = await runExample('anonymise', [...s.args, '--out', s.out, '--key', key]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^anonymised 10 objects into .*; archive: 10 completed, 0 failed; final status Success\n$/);
  const pseudonym = (v: string): string => createHmac('sha256', key).update(v).digest('hex').slice(0, 16).toUpperCase();

  const names = readdirSync(s.out).sort();
  assert.deepEqual(names, s.study.files.map((f) => dcmtkFileName(f.sopClassUid, f.sopInstanceUid)).sort());
  for (const f of s.study.files) {
    const src = readDicom(f.path);
    const out = readDicom(join(s.out, dcmtkFileName(f.sopClassUid, f.sopInstanceUid)));
    const where = `${f.path} → ${dcmtkFileName(f.sopClassUid, f.sopInstanceUid)}`;
    // The source really had what is to be removed (dcmodify worked), and the values the pseudonyms come from.
    assert.equal(text(src, TAG.PatientBirthDate), '19700101', where);
    assert.equal(text(src, TAG.PatientID), 'PID-4711', where);
    assert.equal(text(out, TAG.PatientName), 'ANONYMOUS', where);
    assert.equal(text(out, TAG.PatientID), pseudonym('PID-4711'), where);
    assert.equal(text(out, TAG.AccessionNumber), pseudonym(text(src, TAG.AccessionNumber) ?? ''), where);
    for (const gone of [TAG.PatientBirthDate, TAG.PatientSex, TAG.InstitutionName, TAG.OtherPatientIDs]) {
      assert.equal(out.top.has(gone), false, `${where}: (${gone.toString(16)}) still there`);
    }
    // What is not identifying is kept: the UIDs, the modality, and the pixel data byte for byte, in the same syntax.
    for (const kept of [TAG.SOPInstanceUID, TAG.StudyInstanceUID, TAG.SeriesInstanceUID, TAG.Modality]) {
      assert.equal(text(out, kept), text(src, kept), where);
    }
    assert.equal(out.meta.transferSyntaxUid, src.meta.transferSyntaxUid, where);
    const pixels = out.top.get(PIXEL_DATA_TAG)?.value;
    assert.ok(pixels && pixels.length > 0, where);
    assert.ok(pixels.equals(src.top.get(PIXEL_DATA_TAG)?.value ?? Buffer.alloc(0)), `${where}: pixel data differs`);
  }
  // DCMTK reads every file without complaint, and sees the new name and no birth date (+P prints only what is there).
  const dump = await runProcess('dcmdump', ['-q', '+P', 'PatientName', '+P', 'PatientBirthDate', ...names.map((n) => join(s.out, n))]);
  assert.equal(dump.code, 0, dump.stderr);
  assert.equal(dump.stderr, '');
  const dumped = dump.stdout.split('\n').filter((l) => l !== ''); // dcmdump puts a blank line between files
  assert.equal(dumped.length, names.length, dump.stdout);
  for (const line of dumped) assert.match(line, /^\(0010,0010\) PN \[ANONYMOUS\]/);
});

test('examples/filter-modality: exactly the MR series is kept, the other objects are answered success', async (t) => {
  const s = await serve(t, 'filter');
  const r = await runExample('filter-modality', [...s.args, '--modality', 'MR', '--out', s.out]);
  assert.equal(r.code, 0, r.stderr);
  const mrCount = DEMO_SERIES.find((x) => x.modality === 'MR')?.count;
  assert.equal(mrCount, 3);
  // The archive's final response counts the 7 dropped objects as completed: they were answered success.
  assert.match(r.stdout, /^kept 3 of 10 objects \(Modality MR, 1 series\) in .*; archive: 10 completed, 0 failed; final status Success\n$/);
  const expected = s.study.files.filter((f) => readDicom(f.path).top.get(TAG.Modality)?.value.toString('latin1').trim() === 'MR');
  assert.equal(expected.length, mrCount);
  assert.deepEqual(readdirSync(s.out).sort(), expected.map((f) => dcmtkFileName(f.sopClassUid, f.sopInstanceUid)).sort());
  for (const f of expected) {
    // The data set passed through withAttributes' replay unchanged.
    const out = readDicom(join(s.out, dcmtkFileName(f.sopClassUid, f.sopInstanceUid)));
    assert.ok(out.dataset.equals(readDicom(f.path).dataset), f.path);
  }
});

test('examples/only-ct: the CT images only, by SOP class', async (t) => {
  const s = await serve(t, 'only-ct');
  const r = await runExample('only-ct', [...s.args, '--out', s.out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^kept 6 CT images in .*; archive: 10 completed, 0 failed; final status Success\n$/);
  const ct = s.study.files.filter((f) => f.sopClassUid === '1.2.840.10008.5.1.4.1.1.2');
  assert.deepEqual(readdirSync(s.out).sort(), ct.map((f) => dcmtkFileName(f.sopClassUid, f.sopInstanceUid)).sort());
});

peerTest('examples/multipart-file: Python\'s email parser, given the printed Content-Type, finds one application/dicom part per object', ['python3'], async (t) => {
  const s = await serve(t, 'multipart');
  const file = join(s.tmp, 'study.multipart');
  const r = await runExample('multipart-file', [...s.args, '--out', file]);
  assert.equal(r.code, 0, r.stderr);
  const [header, summary, ...rest] = r.stdout.split('\n');
  assert.deepEqual(rest, ['']);
  const contentType = /^Content-Type: (multipart\/related; .*)$/.exec(header ?? '')?.[1];
  assert.ok(contentType, r.stdout);
  assert.match(summary ?? '', /^wrote 10 parts \(\d+ bytes\) to .*; archive: 10 completed, 0 failed; final status Success$/);

  // Python writes each part's payload to a file of its own and lists their media types and transfer syntaxes.
  const parts = join(s.tmp, 'parts');
  mkdirSync(parts);
  const script = join(s.tmp, 'split.py');
  writeFileSync(script, [
    'import sys, email, email.policy, json, os',
    'data = open(sys.argv[1], "rb").read()',
    'msg = email.message_from_bytes(b"Content-Type: " + sys.argv[2].encode() + b"\\r\\n\\r\\n" + data, policy=email.policy.HTTP)',
    'assert msg.is_multipart(), "not multipart"',
    'out = []',
    'for i, p in enumerate(msg.iter_parts()):',
    '    name = os.path.join(sys.argv[3], "part-%d" % i)',
    '    open(name, "wb").write(p.get_payload(decode=True))',
    '    out.append({"type": p.get_content_type(), "ts": p.get_param("transfer-syntax"), "file": name})',
    'print(json.dumps(out))',
  ].join('\n'));
  const py = await runProcess('python3', [script, file, contentType, parts]);
  assert.equal(py.code, 0, py.stderr);
  const listed = JSON.parse(py.stdout) as { type: string; ts: string; file: string }[];
  assert.equal(listed.length, s.study.files.length);
  const byUid = new Map(s.study.files.map((f) => [f.sopInstanceUid, f]));
  const seen = new Set<string>();
  for (const p of listed) {
    assert.equal(p.type, 'application/dicom');
    const part = readDicom(p.file);
    assert.equal(p.ts, part.meta.transferSyntaxUid, p.file);
    const uid = part.meta.mediaStorageSopInstanceUid ?? '';
    const src = byUid.get(uid);
    assert.ok(src, `${p.file}: an object we did not send: ${uid}`);
    seen.add(uid);
    // Each part is a Part 10 file whose data set is the archive's, byte for byte.
    assert.ok(part.dataset.equals(readDicom(src.path).dataset), `${p.file}: data set differs from ${src.path}`);
  }
  assert.equal(seen.size, s.study.files.length);
});

test('examples/json-summary: objects per Modality and per series, and InlineBinary bytes, as in the study', async (t) => {
  const s = await serve(t, 'json-summary');
  const r = await runExample('json-summary', s.args);
  assert.equal(r.code, 0, r.stderr);
  const printed = { modality: new Map<string, number>(), series: new Map<string, number>() };
  for (const line of r.stdout.split('\n')) {
    const m = /^(Modality|Series) (.+): (\d+)$/.exec(line);
    if (m) printed[m[1] === 'Modality' ? 'modality' : 'series'].set(m[2] as string, Number(m[3]));
  }
  // Expected: counted from the source files with our own parser.
  const expected = { modality: new Map<string, number>(), series: new Map<string, number>() };
  let binary = 0;
  for (const f of s.study.files) {
    const p = readDicom(f.path);
    const inc = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
    inc(expected.modality, text(p, TAG.Modality) ?? '');
    inc(expected.series, text(p, TAG.SeriesInstanceUID) ?? '');
    binary += p.binaryBytes;
  }
  assert.deepEqual(printed.modality, expected.modality);
  assert.deepEqual(expected.modality, new Map([['CT', 6], ['MR', 3], ['OT', 1]]));
  assert.deepEqual(printed.series, expected.series);
  assert.equal(expected.series.size, 3);
  assert.ok(binary > 0);
  assert.match(r.stdout, new RegExp(`^10 objects, 3 series, ${binary} bytes of InlineBinary; archive: 10 completed, 0 failed; final status Success$`, 'm'));
});

test('examples: a missing option and an archive that is not there are one line on stderr, no stack trace, non-zero exit', async (t) => {
  const tmp = tempDir('examples-errors');
  t.after(() => tmp.cleanup());
  const deadPort = String(await freePort()); // free a moment ago: nothing listens there
  const listen = String(await freePort());
  const cases: [string, string[]][] = [
    ['anonymise', ['--out', join(tmp.path, 'a')]],
    ['filter-modality', ['--modality', 'CT', '--out', join(tmp.path, 'f')]],
    ['multipart-file', ['--out', join(tmp.path, 'm.multipart')]],
    ['json-summary', []],
    ['only-ct', ['--out', join(tmp.path, 'c')]],
  ];
  for (const [name, extra] of cases) {
    const usage = await runExample(name, []);
    assert.equal(usage.code, 2, `${name}: ${usage.stderr}`);
    assertOneLineError(usage, name, /usage: /);

    const refused = await runExample(name, [...extra, '--port', deadPort, '--listen', listen, '--study', '1.2.3']);
    assert.equal(refused.code, 1, `${name}: ${refused.stderr}`);
    assertOneLineError(refused, name, /TCP Initialization Error: Connection refused/);
  }
  const badPort = await runExample('json-summary', ['--study', '1.2.3', '--port', 'http']);
  assert.equal(badPort.code, 2);
  assertOneLineError(badPort, 'json-summary', /--port must be a port number/);
  const badFile = await runExample('multipart-file', ['--study', '1.2.3', '--port', deadPort, '--out', join(tmp.path, 'no', 'such', 'dir', 'x')]);
  assert.equal(badFile.code, 1);
  assertOneLineError(badFile, 'multipart-file', /ENOENT/);
});
