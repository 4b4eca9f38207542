/**
 * The live progress line, end to end: our CLI retrieves a 10-object synthetic study from our own archive, once under a
 * pseudo-terminal (util-linux `script`), where the line must be drawn and end on the final counts, and under plain
 * pipes and at -v, where it must not appear at all (DCMTK's output unchanged).
 */
import assert from 'node:assert/strict';
import { readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { movescuCommand, runProcess, tempDir, type RunResult, type TempDir } from '../helpers/peers';
import { startOwnArchive } from '../helpers/archive';
import { writeSyntheticStudy } from '../../lib/archive/synthetic';
import { cleanupsAfter } from '../helpers/cleanups';

interface Setup { tmp: TempDir; qrPort: number; storePort: number; studyUid: string; objects: number }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

function archive(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('progress-tty');
    cleanups.push(() => tmp.cleanup());
    const { study, qrPort, storePort, close } = await startOwnArchive({ folder: join(tmp.path, 'archive'), study: (f) => writeSyntheticStudy(f) });
    cleanups.push(close);
    return { tmp, qrPort, storePort, studyUid: study.studyInstanceUid, objects: study.files.length };
  })();
  return setup;
}

let runs = 0;
function args(s: Setup, extra: string[]): { out: string; args: string[] } {
  const out = join(s.tmp.path, `out-${++runs}`);
  mkdirSync(out);
  return {
    out,
    args: ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort), '-od', out, ...extra,
      '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.studyUid}`, '127.0.0.1', String(s.qrPort)],
  };
}

const shellQuote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

/** Our movescu with stdout and stderr on a fresh pseudo-terminal; what the terminal showed comes back as stdout. */
function underPty(cliArgs: string[]): Promise<RunResult> {
  const c = movescuCommand('ours', cliArgs);
  // -q: no "Script started" lines, -f: flush as it comes, -e: movescu's exit code, -c: the command; /dev/null: no typescript file.
  return runProcess('script', ['-qfec', [c.cmd, ...c.args].map(shellQuote).join(' '), '/dev/null'], {
    env: { ...process.env, TERM: 'xterm' }, killAfterMs: 60_000,
  });
}

const PROGRESS = /\d+(\/\d+)? objects, /;

peerTest('under a pseudo-terminal: the progress line is drawn in place and ends on the final counts', ['script'], async () => {
  const s = await archive();
  assert.equal(s.objects, 10);
  const a = args(s, []);
  const r = await underPty(a.args);
  assert.equal(r.code, 0, JSON.stringify(r.stdout));
  assert.equal(readdirSync(a.out).length, 10);
  // Every draw is "\r" + line + erase-to-end-of-line; the last one carries the final counts, then a newline.
  const draws = [...r.stdout.matchAll(/\r([^\r\n]*)\x1b\[K/g)].map((m) => m[1] ?? '');
  assert.ok(draws.length >= 1, JSON.stringify(r.stdout));
  for (const d of draws) assert.match(d, PROGRESS);
  const last = draws.at(-1) ?? '';
  assert.match(last, /^10\/10 objects, \d+(\.\d)? [kMG]?B, \d+(\.\d)? [kMG]?B\/s$/, last);
  assert.doesNotMatch(last, /failed|remaining/);
  // The terminal's line discipline turns the final "\n" into "\r\n"; nothing but the progress line was printed.
  assert.ok(r.stdout.endsWith('\x1b[K\r\n'), JSON.stringify(r.stdout.slice(-80)));
  assert.doesNotMatch(r.stdout, /[WEF]: /);
});

peerTest('without a terminal (plain pipes): no progress line, no escape sequence', ['script'], async () => {
  const s = await archive();
  const a = args(s, []);
  const c = movescuCommand('ours', a.args);
  const r = await runProcess(c.cmd, c.args, { env: { ...process.env, TERM: 'xterm' }, killAfterMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readdirSync(a.out).length, 10);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '');
});

peerTest('under a pseudo-terminal with -v or -q: no progress line', ['script'], async () => {
  const s = await archive();
  for (const flag of ['-v', '-q']) {
    const a = args(s, [flag]);
    const r = await underPty(a.args);
    assert.equal(r.code, 0, JSON.stringify(r.stdout));
    assert.equal(readdirSync(a.out).length, 10);
    assert.doesNotMatch(r.stdout, PROGRESS, flag);
    assert.ok(!r.stdout.includes('\x1b[K'), flag);
    if (flag === '-v') {
      // DCMTK's own -v output is there instead: its log lines and the "RECV: ...." progress.
      assert.match(r.stdout, /I: Received Final Move Response/);
      assert.match(r.stdout, /RECV: \.+/);
    } else {
      assert.equal(r.stdout, '');
    }
  }
});
