/**
 * `-lc FILE` against DCMTK 3.6.7's movescu: the same configuration file, the same archive (dcmqrscp), the log
 * lines compared after the clock and the process id are replaced by their shape (each field must match its
 * format, e.g. "2026-11-29 18:14:36.751"). DCMTK's own debug lines that we do not reproduce (data dictionary,
 * PDU dumps: see log-lines.test.ts) are left out only where the file lets DEBUG through.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { byAssociation, runMovescu, tempDir } from '../helpers/peers';
import { cleanupsAfter } from '../helpers/cleanups';
import { serveStudy, type ServedStudy } from '../helpers/served-study';

const DCMTK = ['dcmqridx', 'dcmqrscp', 'movescu'];
const SHIPPED = '/etc/dcmtk/logger.cfg';

let setup: Promise<ServedStudy> | undefined;
const cleanups = cleanupsAfter();

function archive(): Promise<ServedStudy> {
  setup ??= serveStudy('log-config', { patientId: 'LC1', series: [{ sopClass: 'ct', count: 2, rows: 16, cols: 16, transferSyntax: 'explicit' }] }, cleanups);
  return setup;
}

let runs = 0;
/** Runs DCMTK's movescu and ours with `-lc config`, each in a fresh working directory (where ${appname}.log goes). */
async function both(s: ServedStudy, config: string, extra: string[] = []) {
  const n = ++runs;
  const out = { dcmtk: join(s.tmp.path, `dcmtk-${n}`), ours: join(s.tmp.path, `ours-${n}`) };
  const cfg = join(s.tmp.path, `cfg-${n}`);
  writeFileSync(cfg, config);
  const args = (dir: string) => ['-lc', cfg, ...extra, '-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort),
    '-od', dir, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`, '127.0.0.1', String(s.qr.port)];
  mkdirSync(out.dcmtk);
  mkdirSync(out.ours);
  const dcmtk = await runMovescu('dcmtk', args(out.dcmtk), { cwd: out.dcmtk });
  const ours = await runMovescu('ours', args(out.ours), { cwd: out.ours });
  return { dcmtk, ours, out, cfg };
}

/** The message part of a line is what byAssociation classifies. */
const SUB = /(Sub-Association|Received Store Request|Received Echo Request| {4}\(but no valid|^RECV: )/;
const byAssociationOf = (lines: string[]): { main: string[]; sub: string[] } => byAssociation(lines, SUB);


/** Replaces each field of a line by its shape, asserting the field has it. */
function shapes(text: string, fields: readonly [RegExp, string | ((s: string) => string)][], sep: string): string[] {
  return text.split('\n').filter((l) => l !== '').map((line) => {
    if (line.startsWith('RECV: ')) return line;
    const parts = line.split(sep);
    fields.forEach(([re, name], i) => {
      assert.match(parts[i] ?? '', re, `field ${i} (${name}) of: ${line}`);
      parts[i] = typeof name === 'string' ? name : name(parts[i]!);
    });
    return parts.join(sep);
  });
}

peerTest('-lc with DCMTK\'s shipped logger.cfg: console (stdout, INFO) and movescu.log (non-debug lines) as DCMTK\'s', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, readFileSync(SHIPPED, 'utf8'));
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  // logger.cfg spells "logToStderr" where log4cplus reads "logToStdErr": its console appender writes to stdout.
  assert.equal(r.dcmtk.stderr, '');
  assert.equal(r.ours.stderr, '');
  const console = [[/^\d\d:\d\d:\d\d$/, 'HH:MM:SS']] as [RegExp, string][];
  const theirs = shapes(r.dcmtk.stdout, console, ' ');
  // movescu.progress = INFO: the "RECV: ...." lines, one per object.
  assert.equal(theirs.filter((l) => /^RECV: \.+$/.test(l)).length, 2, r.dcmtk.stdout);
  assert.ok(theirs.includes('HH:MM:SS  INFO: Received Final Move Response'), r.dcmtk.stdout);
  assert.deepEqual(byAssociationOf(shapes(r.ours.stdout, console, ' ')), byAssociationOf(theirs));
  // The file: DEBUG and up, "%D{%Y-%m-%d %H:%M:%S.%q} %5p: %m%n".
  const fileShape = (t: string) => shapes(t, [[/^\d{4}-\d\d-\d\d$/, 'DATE'], [/^\d\d:\d\d:\d\d\.\d{3}$/, 'TIME']], ' ')
    .filter((l) => !l.startsWith('DATE TIME DEBUG:'));
  const theirFile = fileShape(readFileSync(join(r.out.dcmtk, 'movescu.log'), 'utf8'));
  assert.ok(theirFile.includes('DATE TIME  INFO: Requesting Association'), theirFile.join('\n'));
  assert.deepEqual(byAssociationOf(fileShape(readFileSync(join(r.out.ours, 'movescu.log'), 'utf8'))), byAssociationOf(theirFile));
});

peerTest('-lc PatternLayout with %d{..%q} %D %r %i %T %-5p %5P %c %c{1} %.3p %-22c{2} %% on stderr: every line as DCMTK\'s', DCMTK, async () => {
  const s = await archive();
  const cfg = [
    'log4cplus.rootLogger = INFO, err',
    'log4cplus.appender.err = log4cplus::ConsoleAppender',
    'log4cplus.appender.err.logToStdErr = true',
    'log4cplus.appender.err.layout = log4cplus::PatternLayout',
    'log4cplus.appender.err.layout.ConversionPattern = %d{%Y-%m-%d %H:%M:%S.%q}|%D{%a %b %e %j %p}|%r|%i|%T|[%-5p]|%5P|%c|%c{1}|%.3p|%-22c{2}|%%|%m%n',
  ].join('\n');
  const r = await both(s, cfg, ['--arguments']);
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  const fields: [RegExp, string | ((s: string) => string)][] = [
    [/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/, 'GMT'], [/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\d \d{3} [AP]M$/, 'LOCAL'],
    [/^\d+$/, 'R'], [/^\d+$/, 'PID'], [/^\d*$/, (t) => (t === '' ? 'NO-TID' : 'TID')],
  ];
  const theirs = shapes(r.dcmtk.stderr.replaceAll(r.out.dcmtk, 'OUT').replaceAll(r.cfg, 'CFG'), fields, '|');
  assert.ok(theirs.includes('GMT|LOCAL|R|PID|TID|[INFO ]|    I|dcmtk.apps.movescu|movescu|NFO|apps.movescu          |%|Requesting Association'), theirs.join('\n'));
  // --arguments is logged through the root logger, whose name is "root"
  assert.ok(theirs.some((l) => l.startsWith('GMT|LOCAL|R|PID|NO-TID|[INFO ]|    I|root|root|NFO|root                  |%|calling ')), theirs.join('\n'));
  const ours = shapes(r.ours.stderr.replaceAll(r.out.ours, 'OUT').replaceAll(r.cfg, 'CFG'), fields, '|');
  assert.deepEqual(byAssociationOf(ours), byAssociationOf(theirs));
  // %T is the process id (%i), except in each line of a multi-line message: there it is empty, and those lines
  // are the same in both logs (the deepEqual above compares 'TID' and 'NO-TID')
  for (const log of [r.dcmtk.stderr, r.ours.stderr]) {
    const lines = log.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
    assert.ok(lines.every((f) => f[4] === '' || f[4] === f[3]), log);
  }
});

peerTest('-lc levels: root WARN with dcmtk.apps.movescu at INFO and a FileAppender with a Threshold, ${appname} and ${pid} in its name', DCMTK, async () => {
  const s = await archive();
  const cfg = [
    'log4cplus.rootLogger = WARN, file',
    'log4cplus.logger.dcmtk.apps.movescu = INFO',
    'log4cplus.logger.dcmtk.dcmnet = INHERIT',
    'log4cplus.appender.file = log4cplus::FileAppender',
    'log4cplus.appender.file.File = ${appname}-${pid}.txt',  // oflog's variables
    'log4cplus.appender.file.Threshold = info',
  ].join('\n');
  const r = await both(s, cfg);
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  const fileOf = (dir: string): string => {
    const names = readdirSync(dir).filter((f) => /^movescu-\d+\.txt$/.test(f));
    assert.equal(names.length, 1, readdirSync(dir).join(' '));
    return readFileSync(join(dir, names[0]!), 'utf8');
  };
  const theirs = fileOf(r.out.dcmtk).split('\n');
  // SimpleLayout, the default: "LEVEL - message"
  assert.ok(theirs.includes('INFO - Received Final Move Response (Success)'), theirs.join('\n'));
  assert.deepEqual(byAssociationOf(fileOf(r.out.ours).split('\n')), byAssociationOf(theirs));
  // The .progress logger inherits INFO from dcmtk.apps.movescu: "RECV: ." on stdout for each object.
  assert.equal(r.dcmtk.stdout, 'RECV: .\nRECV: .\n');
  assert.equal(r.ours.stdout, r.dcmtk.stdout);
});

peerTest('-lc command line errors: DCMTK\'s messages, order and exit code; a FATAL root logger is quiet mode', ['movescu'], async () => {
  const tmp = tempDir('log-config-errors');
  cleanups.push(() => tmp.cleanup());
  const file = (name: string, text: string): string => { const f = join(tmp.path, name); writeFileSync(f, text); return f; };
  const ok = file('ok.cfg', 'log4cplus.rootLogger = INFO\n');
  const simple = file('simple.cfg', 'log4cplus.rootLogger = INFO, c\nlog4cplus.appender.c = log4cplus::ConsoleAppender\nlog4cplus.appender.c.logToStdErr = 1\n');
  const quiet = file('quiet.cfg', 'log4cplus.rootLogger = FATAL, c\nlog4cplus.appender.c = log4cplus::ConsoleAppender\n');
  const cases: string[][] = [
    ['-lc', join(tmp.path, 'missing.cfg')],
    ['-lc', tmp.path],
    ['-lc', file('empty.cfg', '# only a comment\n\n')],
    ['-lc', file('none.cfg', 'foo = bar\nlog4cplus = x\n')],
    ['-lc', file('noroot.cfg', 'log4cplus.logger.dcmtk = INFO\n')],
    ['-lc', ok, '-v'],
    ['-q', '-lc', ok],
    ['-lc', ok, '-ll', 'info'],
    ['-v', '-lc', ok, '-ll', 'info'],
    ['-lc', quiet, '-pdu', '1'],
    ['-lc', ok, '-pdu', '1'],
    // the logger is configured before the mistake is found: --arguments goes through it (SimpleLayout, stderr)
    ['-lc', simple, '--arguments', '-pdu', '1'],
  ];
  for (const c of cases) {
    const args = [...c, 'localhost', '1', '-k', '0010,0010=X'];
    const [dcmtk, ours] = [await runMovescu('dcmtk', args), await runMovescu('ours', args)];
    const body = (t: string): string => t.split('\n').filter((l) => !/^\$(dcmtk|dimse-stream): movescu/.test(l)).join('\n');
    assert.equal(ours.code, dcmtk.code, `${c.join(' ')}: ${ours.stderr}`);
    assert.equal(dcmtk.code, 1, c.join(' '));
    assert.equal(body(ours.stderr), body(dcmtk.stderr), c.join(' '));
    assert.equal(ours.stdout, dcmtk.stdout, c.join(' '));
  }
});
