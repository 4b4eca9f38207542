/**
 * Issue 14: retrieved objects to standard output. The same retrieval from our archive with DCMTK's movescu into a
 * directory and with ours to `-od -` in each format, read back by real tools: the system `tar`, Python's `email`
 * parser for multipart/related, and a byte comparison for part10. The study mixes small objects (held in memory)
 * with one over 2 MiB (spooled to a temporary file), in implicit and explicit VR, with undefined lengths that DCMTK's
 * normal mode re-encodes (so the comparison is with what DCMTK writes, not with the archive's bytes).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { needPydicom, pyCompare } from '../helpers/pydicom';
import { compareDirs, compareFiles, formatDirDiff, movescuCommand, runMovescu, runProcess, tempDir, type TempDir } from '../helpers/peers';
import { makeStudy, type GeneratedStudy } from '../helpers/dicom-gen';
import { startOwnArchive } from '../helpers/archive';
import { cleanupsAfter } from '../helpers/cleanups';

const DCMTK = ['dump2dcm', 'movescu', 'tar', 'python3'];

interface Setup { tmp: TempDir; qrPort: number; storePort: number; study: GeneratedStudy; reference: string }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

function moveArgs(s: Setup, out: string, keys: string[] = ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`]): string[] {
  return ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort), '-od', out, ...keys, '127.0.0.1', String(s.qrPort)];
}

function ready(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('stream-outputs');
    cleanups.push(() => tmp.cleanup());
    const { study, qrPort, storePort, close } = await startOwnArchive({
      folder: join(tmp.path, 'src'),
      study: (dir) => makeStudy({
        dir, patientId: 'STREAM1',
        series: [
          { sopClass: 'ct', count: 4, rows: 64, cols: 64, transferSyntax: 'explicit' },
          { sopClass: 'mr', count: 2, rows: 32, cols: 32, transferSyntax: 'implicit' },
          { sopClass: 'sr', count: 2, transferSyntax: 'explicit', undefinedLengths: true },
          { sopClass: 'ct', count: 1, rows: 1100, cols: 1024, transferSyntax: 'explicit' },
        ],
      }),
    });
    cleanups.push(close);
    const s = { tmp, qrPort, storePort, study, reference: join(tmp.path, 'dcmtk') };
    mkdirSync(s.reference);
    const r = await runMovescu('dcmtk', moveArgs(s, s.reference));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readdirSync(s.reference).length, study.files.length);
    return s;
  })();
  return setup;
}

/** Our movescu with stdout into `consumer` (a shell command reading stdin); its exit code and stderr. */
async function oursInto(args: string[], consumer: string): Promise<{ code: number | null; stderr: string }> {
  const cmd = movescuCommand('ours', args);
  const r = await runProcess('bash', ['-c', `"$0" "$@" | ${consumer}; exit "\${PIPESTATUS[0]}"`, cmd.cmd, ...cmd.args]);
  return { code: r.code, stderr: r.stderr };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

peerTest('-od - --output-format tar | tar -x: the same tree as DCMTK\'s movescu -od', DCMTK, async () => {
  const s = await ready();
  const out = join(s.tmp.path, 'tar-x');
  mkdirSync(out);
  const r = await oursInto([...moveArgs(s, '-'), '--output-format', 'tar'], `tar -x -C ${out}`);
  assert.equal(r.code, 0, r.stderr);
  const d = await compareDirs(s.reference, out);
  assert.ok(d.identical, `${formatDirDiff(d)}\n${r.stderr}`);
  assert.equal(readdirSync(out).length, s.study.files.length);
});

peerTest('-od - --output-format multipart: Python\'s email parser finds one application/dicom part per object, each DCMTK\'s file', DCMTK, async () => {
  const s = await ready();
  const body = join(s.tmp.path, 'study.multipart');
  // A boundary that looks like one more line of the payload: CRLF and dashes in it are fine, the parser must not split there.
  const boundary = 'dimse-stream-test--boundary';
  const r = await oursInto([...moveArgs(s, '-'), '--output-format', 'multipart', '--boundary', boundary, '-v'], `cat > ${body}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^I: Content-Type: multipart/related; type="application/dicom"; boundary=${boundary}$`, 'm'));
  const raw = readFileSync(body);
  assert.ok(raw.subarray(0, boundary.length + 4).equals(Buffer.from(`--${boundary}\r\n`)), 'the body starts with the first boundary line');
  assert.ok(raw.subarray(-(boundary.length + 6)).equals(Buffer.from(`--${boundary}--\r\n`)), 'the closing delimiter ends it');
  // RECV progress is not mixed into the data at -v: it goes to stderr.
  assert.match(r.stderr, /RECV: /);
  const py = [
    'import sys, email, email.policy, hashlib, json',
    'ct = sys.argv[2]',
    'data = open(sys.argv[1], "rb").read()',
    'msg = email.message_from_bytes(b"Content-Type: " + ct.encode() + b"\\r\\n\\r\\n" + data, policy=email.policy.HTTP)',
    'assert msg.is_multipart(), "not multipart"',
    'out = []',
    'for p in msg.iter_parts():',
    '    out.append({"type": p.get_content_type(), "ts": p.get_param("transfer-syntax"), "sha": hashlib.sha256(p.get_payload(decode=True)).hexdigest()})',
    'print(json.dumps(out))',
  ].join('\n');
  const script = join(s.tmp.path, 'parse.py');
  writeFileSync(script, py);
  const parsed = await runProcess('python3', [script, body, `multipart/related; type="application/dicom"; boundary=${boundary}`]);
  assert.equal(parsed.code, 0, parsed.stderr);
  const parts = JSON.parse(parsed.stdout) as { type: string; ts: string; sha: string }[];
  assert.equal(parts.length, s.study.files.length);
  for (const p of parts) assert.equal(p.type, 'application/dicom');
  // Each part is exactly one of DCMTK's files (implementation meta aside: compare by data set through the harness).
  const reference = readdirSync(s.reference).map((n) => readFileSync(join(s.reference, n)));
  const ours = new Set(parts.map((p) => p.sha));
  assert.equal(ours.size, reference.length);
  // Our meta names our implementation: compare the files' tails from the transfer syntax on (the data sets).
  const partsDir = join(s.tmp.path, 'parts');
  mkdirSync(partsDir);
  // Split the raw body ourselves by the parser's sizes to compare with compareFiles (meta-aware).
  let at = 0;
  let i = 0;
  for (;;) {
    const start = raw.indexOf(Buffer.from(`--${boundary}\r\n`), at);
    if (start < 0) break;
    const head = raw.indexOf(Buffer.from('\r\n\r\n'), start) + 4;
    const len = Number(/Content-Length: (\d+)/.exec(raw.subarray(start, head).toString('latin1'))?.[1]);
    const part = raw.subarray(head, head + len);
    assert.ok(parts.some((p) => p.sha === sha(part)), `part ${i} as Python read it`);
    writeFileSync(join(partsDir, `part-${i++}`), part);
    at = head + len;
  }
  assert.equal(i, reference.length);
  for (const name of readdirSync(s.reference)) {
    let found = false;
    for (const p of readdirSync(partsDir)) {
      if (!(await compareFiles(join(s.reference, name), join(partsDir, p), name))) { found = true; break; }
    }
    assert.ok(found, `${name}: no part equals DCMTK's file`);
  }
});

peerTest('-od - (part10, the default): one object retrieved is one file, equal to DCMTK\'s', DCMTK, async () => {
  const s = await ready();
  for (const inst of [s.study.instances[0]!, s.study.instances[s.study.instances.length - 1]!]) {
    const file = join(s.tmp.path, `one-${inst.sopInstanceUid}.dcm`);
    const keys = ['-k', 'QueryRetrieveLevel=IMAGE', '-k', `StudyInstanceUID=${s.study.studyUid}`, '-k', `SeriesInstanceUID=${inst.seriesUid}`,
      '-k', `SOPInstanceUID=${inst.sopInstanceUid}`];
    const r = await oursInto(moveArgs(s, '-', keys), `cat > ${file}`);
    assert.equal(r.code, 0, r.stderr);
    const diff = await compareFiles(join(s.reference, inst.dcmtkName!), file, inst.dcmtkName);
    assert.equal(diff, null, JSON.stringify(diff));
  }
});

peerTest('-od - | head -c 100: a one-line message, no stack trace, the rest refused, exit 40', DCMTK, async () => {
  const s = await ready();
  const r = await oursInto([...moveArgs(s, '-'), '--output-format', 'tar'], 'head -c 100 > /dev/null');
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE.*\n.*node:internal|Unhandled/, r.stderr);
  const failures = r.stderr.split('\n').filter((l) => l.startsWith('E: output failed'));
  assert.equal(failures.length, 1, r.stderr);
  assert.equal(r.code, 40, r.stderr);
});

/** Each JSON line read by pydicom and compared, element by element, with the DCMTK file of the same object. */
async function compareJsonLines(s: Setup, lines: string[], py: string, bulkDir = ''): Promise<void> {
  assert.equal(lines.length, s.study.files.length);
  const byUid = new Map(s.study.instances.map((i) => [i.sopInstanceUid, i]));
  const seen = new Set<string>();
  for (const line of lines) {
    const uid = (JSON.parse(line) as Record<string, { Value?: string[] }>)['00080018']?.Value?.[0] ?? '';
    const inst = byUid.get(uid);
    assert.ok(inst, `a line for an object we did not send: ${uid}`);
    seen.add(uid);
    const r = pyCompare(py, join(s.reference, inst.dcmtkName!), line, bulkDir);
    assert.ok(r.count > 10, `${inst.dcmtkName}: ${r.count} elements compared`);
    assert.deepEqual(r.diffs, {}, inst.dcmtkName);
  }
  assert.equal(seen.size, s.study.files.length);
}

peerTest('-od - --output-format json: one DICOM JSON object per line, each read by pydicom equal to DCMTK\'s file', DCMTK, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const s = await ready();
  const file = join(s.tmp.path, 'study.jsonl');
  const r = await oursInto([...moveArgs(s, '-'), '--output-format', 'json'], `cat > ${file}`);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  await compareJsonLines(s, text.slice(0, -1).split('\n'), py);
});

peerTest('-od DIR --output-format json: NAME.json beside DCMTK\'s names; --bulk-data-uri puts pixel data in files', DCMTK, async (t) => {
  const py = needPydicom(t);
  if (!py) return;
  const s = await ready();
  const out = join(s.tmp.path, 'json-dir');
  const bulk = join(s.tmp.path, 'bulk');
  mkdirSync(out);
  mkdirSync(bulk);
  const r = await runMovescu('ours', [...moveArgs(s, out), '--output-format', 'json', '--bulk-data-uri', bulk]);
  assert.equal(r.code, 0, r.stderr);
  const names = readdirSync(out).sort();
  assert.deepEqual(names, readdirSync(s.reference).map((n) => `${n}.json`).sort());
  const lines = names.map((n) => readFileSync(join(out, n), 'utf8').replace(/\n$/, ''));
  assert.ok(lines.some((l) => l.includes('"BulkDataURI"')), 'pixel data went to bulk files');
  assert.ok(readdirSync(bulk).length >= s.study.files.length - 2, 'one bulk file per image at least');
  await compareJsonLines(s, lines, py, bulk);
});
