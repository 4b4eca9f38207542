/**
 * -lc: the pattern layout (log4cplus' parser, padding, truncation, dates), the reading of the properties file
 * (variables, hierarchy, additivity) and what is refused with the file's line. DCMTK's own output for the same
 * files is compared in test/peers/log-config.test.ts.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTime, parsePattern, patternLayout, simpleLayout, type LogEvent, type PatternEnv } from '../../lib/cli/log-pattern';
import { configureFromText, LogConfigError, loadLogConfig, readProperties, type LogConfigEnv } from '../../lib/cli/log-config';
import { createConfiguredLogger } from '../../lib/cli/log-appenders';
import { parseCommandLine } from '../../lib/cli/parse';

// 2026-11-29 18:14:36.751042 UTC
const T = Date.UTC(2026, 10, 29, 18, 14, 36) * 1000 + 751042;
const env: PatternEnv = { pid: 4242, hostname: 'vm', startUs: T - 1_028_000, localOffsetMinutes: () => 60 };
const ev = (message: string, level: LogEvent['level'] = 'info'): LogEvent => ({ level, loggerName: 'dcmtk.apps.movescu', message, timeUs: T });
const cenv: LogConfigEnv = { ...env, programName: '/usr/bin/movescu', environment: { HOME: '/home/u' }, now: new Date(T / 1000) };

test('pattern layout: conversion characters, width, left alignment, truncation keeps the end', () => {
  const f = (p: string, e = ev('hello')) => patternLayout(p, true, env).format(e);
  assert.equal(f('%P: %m%n'), 'I: hello\n');
  assert.equal(f('[%-5p][%5p][%.3p][%3.4c]'), '[INFO ][ INFO][NFO][escu]');
  assert.equal(f('%c{1} %c{2} %c{9} %c'), 'movescu apps.movescu dcmtk.apps.movescu dcmtk.apps.movescu');
  assert.equal(f('%i %t %T %h %x%X{k}|%%|%r'), '4242 4242 4242 vm |%|1028');
  assert.equal(f('%d'), '2026-11-29 18:14:36');
  assert.equal(f('%D{%H:%M:%S.%q %Q %z}'), '19:14:36.751 751.042 +0100');
  assert.equal(f('100%'), '100%'); // the last character is always literal
  // formatEachLine: each line its own event, %T empty there (log4cplus copies no second thread id)
  assert.equal(f('<%T> %m%n', ev('a\nb')), '<> a\n<> b\n');
  assert.equal(patternLayout('%p %m%n', false, env).format(ev('a\nb')), 'INFO a\nb\n');
  assert.equal(simpleLayout.format(ev('x', 'warn')), 'WARN - x\n');
  assert.equal(patternLayout('', true, env).format(ev('only')), 'only'); // empty pattern: %m
});

test('pattern layout: refused characters and malformed patterns are errors', () => {
  for (const p of ['%Z', '%F', '%L', '%l', '%b', '%M', '%H', '%.x', '%d{%H', '%d{%Z}', '%d{%G}']) {
    assert.throws(() => parsePattern(p, env), /not supported|unexpected|expected a digit|no matching/, p);
  }
});

test('strftime: C locale names, 12-hour clock, day of year, week numbers', () => {
  assert.equal(formatTime('%a %A %b %B %e %j %I %p %y %C %u %w %U %W %s', T, 0),
    'Sun Sunday Nov November 29 333 06 PM 26 20 7 0 48 47 1795976076');
  assert.equal(formatTime('%c|%F %T|%D|%R|%%', T, 0), 'Sun Nov 29 18:14:36 2026|2026-11-29 18:14:36|11/29/26|18:14|%');
});

test('properties: comments, first "=", trimmed, CR, lines without "=" ignored, last wins', () => {
  const p = readProperties('# c\n  a = 1 \r\nb=x=y\nnoequals\n a=2\n');
  assert.deepEqual([...p].map(([k, v]) => [k, v.value, v.line]), [['a', '2', 5], ['b', 'x=y', 3]]);
});

test('configuration: levels through the hierarchy, additivity, appenders reached, variables', () => {
  const c = configureFromText([
    'dir = /var/log/${appname}',
    'log4cplus.rootLogger = WARN, a',
    'log4cplus.logger.dcmtk.apps = INHERIT, b',
    'log4cplus.logger.dcmtk.apps.movescu = debug',
    'log4cplus.logger.dcmtk.dcmnet = ERROR',
    'log4cplus.additivity.dcmtk.apps = false',
    'log4cplus.appender.a = log4cplus::ConsoleAppender',
    'log4cplus.appender.b = log4cplus::FileAppender',
    'log4cplus.appender.b.File = ${dir}/${HOME}-${pid}.log',
    'log4cplus.appender.b.Threshold = info',
  ].join('\n'), 'f.cfg', cenv);
  assert.equal(c.rootLevel, 'warn');
  assert.equal(c.movescuLevel, 'debug');
  assert.equal(c.progressLevel, 'debug');
  assert.deepEqual(c.movescuAppenders.map((a) => a.name), ['b']); // additivity false at dcmtk.apps
  assert.deepEqual(c.rootAppenders.map((a) => a.name), ['a']);
  assert.deepEqual(c.movescuAppenders[0]!.target, { kind: 'file', file: '/var/log/movescu//home/u-4242.log', append: false });
  assert.equal(c.movescuAppenders[0]!.threshold, 'info');
  assert.deepEqual(c.rootAppenders[0]!.target, { kind: 'console', stream: 'stdout' }); // logToStdErr defaults to false
});

test('configuration: what is refused names the file and the line', () => {
  const refused: [string, RegExp][] = [
    ['log4cplus.rootLogger = INFO, x', /f\.cfg:1: appender "x" is not defined/],
    ['log4cplus.rootLogger = LOUD', /f\.cfg:1: "LOUD" is not a level for the root logger/],
    ['log4cplus.rootLogger = INFO\nlog4cplus.appender.s = log4cplus::SysLogAppender', /f\.cfg:2: appender class "log4cplus::SysLogAppender"/],
    ['log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::ConsoleAppender\nlog4cplus.appender.a.filters.1 = log4cplus::spi::DenyAllFilter', /f\.cfg:3: appender a: filters/],
    ['log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::ConsoleAppender\nlog4cplus.appender.a.layout = log4cplus::TTCCLayout', /f\.cfg:3: layout "log4cplus::TTCCLayout"/],
    ['log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::ConsoleAppender\nlog4cplus.appender.a.layout = log4cplus::PatternLayout\n\nlog4cplus.appender.a.layout.ConversionPattern = %L %m', /f\.cfg:5: appender a: conversion character %L/],
    ['log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::ConsoleAppender\nlog4cplus.appender.a.layout = log4cplus::PatternLayout', /f\.cfg:3: appender a: PatternLayout without/],
    ['log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::FileAppender', /f\.cfg:2: appender a has no File/],
    ['log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::FileAppender\nlog4cplus.appender.a.File = x\nlog4cplus.appender.a.UseLockFile = true', /f\.cfg:4: appender a: UseLockFile/],
    ['log4cplus.rootLogger = INFO\nlog4cplus.appender.n = log4cplus::NullAppender\nlog4cplus.logger.dcmtk.dcmnet = DEBUG, n', /f\.cfg:3: appenders for logger dcmtk\.dcmnet/],
    ['log4cplus.rootLogger = INFO\nlog4cplus.additivity.dcmtk.dcmdata = false', /f\.cfg:2: additivity of logger dcmtk\.dcmdata/],
    ['log4cplus.rootLogger = INFO\nlog4cplus.appender.a.File = x', /f\.cfg:2: appender "a" has properties but no class/],
    ['a = ${b}\nb = ${a}\nlog4cplus.rootLogger = INFO', /variable expansion does not end/],
  ];
  for (const [text, re] of refused) assert.throws(() => configureFromText(text, 'f.cfg', cenv), (e: unknown) => e instanceof LogConfigError && re.test(e.message), text);
  // What log4cplus does not read is ignored, as DCMTK ignores it (logger.cfg's misspelt logToStderr).
  const c = configureFromText('log4cplus.rootLogger = INFO, a\nlog4cplus.appender.a = log4cplus::ConsoleAppender\nlog4cplus.appender.a.logToStderr = true\nlog4cplus.logger.dcmtk.dcmnet.responses = INFO', 'f.cfg', cenv);
  assert.deepEqual(c.movescuAppenders[0]!.target, { kind: 'console', stream: 'stdout' });
});

/** A root logger at DEBUG to `appenders`, r among them: a RollingFileAppender of DIR/r.log, 1KB (taken as 200 KB), 2 backups. */
const rolling = (dir: string, appenders: string): string[] => [
  `log4cplus.rootLogger = DEBUG, ${appenders}`,
  'log4cplus.appender.r = log4cplus::RollingFileAppender',
  `log4cplus.appender.r.File = ${dir}/r.log`,
  'log4cplus.appender.r.MaxFileSize = 1KB',
  'log4cplus.appender.r.MaxBackupIndex = 2',
];

test('file appenders: FileAppender truncates unless Append; RollingFileAppender rolls over past MaxFileSize (200 KB at least)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lc-'));
  const cfg = configureFromText([
    ...rolling(dir, 'r, f'),
    'log4cplus.appender.f = log4cplus::FileAppender',
    `log4cplus.appender.f.File = ${dir}/f.log`,
    'log4cplus.appender.f.layout = log4cplus::PatternLayout',
    'log4cplus.appender.f.layout.ConversionPattern = %P %m%n',
  ].join('\n'), 'f.cfg', cenv);
  const quiet = { stdout: () => {}, stderr: () => {}, nowUs: () => T };
  const line = 'x'.repeat(1000);
  const log = createConfiguredLogger(cfg, quiet);
  for (let i = 0; i < 500; i++) log.debug(line); // 500 * 1009 bytes: two rollovers at 204800
  await log.settled();
  assert.deepEqual(readdirSync(dir).sort(), ['f.log', 'r.log', 'r.log.1', 'r.log.2']);
  assert.equal(readFileSync(join(dir, 'r.log.1'), 'utf8').length, 203 * 1009);
  const again = createConfiguredLogger(cfg, quiet);
  again.info('again');
  await again.settled();
  assert.equal(readFileSync(join(dir, 'f.log'), 'utf8'), 'I again\n');
  const errors: string[] = [];
  const bad = configureFromText('log4cplus.rootLogger = INFO, f\nlog4cplus.appender.f = log4cplus::FileAppender\nlog4cplus.appender.f.File = /nonexistent/x.log', 'f.cfg', cenv);
  createConfiguredLogger(bad, { ...quiet, stderr: (t) => errors.push(t) }).info('lost');
  assert.deepEqual(errors, ['log4cplus:ERROR Unable to open file: /nonexistent/x.log\n']);
});

test('file appender: a write the system refuses (a full disk: /dev/full) is said once on stderr, never taken for done', async () => {
  const errors: string[] = [];
  const full = configureFromText('log4cplus.rootLogger = INFO, f\nlog4cplus.appender.f = log4cplus::FileAppender\nlog4cplus.appender.f.File = /dev/full', 'f.cfg', cenv);
  const log = createConfiguredLogger(full, { stdout: () => {}, stderr: (t) => errors.push(t), nowUs: () => T });
  log.info('first');
  log.info('second');
  await log.settled();
  log.info('third, after the failure');
  await log.settled();
  assert.deepEqual(errors, ['log4cplus:ERROR Unable to write to file: /dev/full: No space left on device\n']);
});

test('rolling file appender: lines logged while a rollover is under way wait for the new file, none lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lc-'));
  const cfg = configureFromText(rolling(dir, 'r').join('\n'), 'f.cfg', cenv);
  const log = createConfiguredLogger(cfg, { stdout: () => {}, stderr: () => {}, nowUs: () => T });
  for (let i = 0; i < 500; i++) {
    log.debug(`${String(i).padStart(3, '0')} ${'x'.repeat(996)}`); // 1009 bytes a line, as above
    await new Promise(setImmediate); // the writes and the rollovers run between the lines
  }
  await log.settled();
  const numbers = (f: string): number[] => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '').map((l) => Number(l.slice(8, 11)));
  const all = [...numbers('r.log.2'), ...numbers('r.log.1'), ...numbers('r.log')];
  assert.deepEqual(all, Array.from({ length: 500 }, (_, i) => i));
  assert.deepEqual([numbers('r.log.2').length, numbers('r.log.1').length], [203, 203]);
});

test('rolling file appender: a rollover the system refuses (the file deleted under it) is said once on stderr, no crash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lc-'));
  const cfg = configureFromText(rolling(dir, 'r').join('\n'), 'f.cfg', cenv);
  const errors: string[] = [];
  const log = createConfiguredLogger(cfg, { stdout: () => {}, stderr: (t) => errors.push(t), nowUs: () => T });
  log.debug('first');
  await log.settled();
  rmSync(join(dir, 'r.log'));
  for (let i = 0; i < 300; i++) log.debug('x'.repeat(1000)); // past 200 KB: the rollover's rename finds no file
  await log.settled();
  log.debug('after');
  await log.settled();
  assert.equal(errors.length, 1, errors.join(''));
  assert.match(errors[0]!, /^log4cplus:ERROR Unable to write to file: .*r\.log: No such file or directory\n$/);
  assert.deepEqual(readdirSync(dir), []);
});

test('-lc on the command line: file checks in oflog\'s order, conflicts, quiet mode from the root level', () => {
  const msg = (argv: string[], load?: (p: string) => never) => {
    const r = parseCommandLine([...argv, 'h', '1', '-k', 'PatientName=X'], { canRead: () => true, loadLogConfig: load });
    return r.kind === 'error' ? r.message : r.kind;
  };
  assert.equal(msg(['-lc', '/nonexistent']), 'Specified --log-config file does not exist');
  assert.equal(msg(['-lc', 'x', '-d']), '--log-config not allowed with --verbose, --debug or --quiet');
  assert.equal(msg(['-lc', 'x', '-ll', 'info']), '--log-config not allowed with --log-level');
  assert.throws(() => loadLogConfig('x', cenv, { isFile: () => true, canRead: () => false, read: () => '' }), /cannot be read/);
  const cfg = configureFromText('log4cplus.rootLogger = OFF\nlog4cplus.logger.dcmtk.apps.movescu = INFO', 'f', cenv);
  const r = parseCommandLine(['-lc', 'f', '-pdu', '1', 'h', '1', '-k', 'PatientName=X'], { loadLogConfig: () => cfg });
  assert.equal(r.kind === 'error' && r.stderr, ''); // quiet: the error is not printed, the exit code stays
  const run = parseCommandLine(['-lc', 'f', '--arguments', 'h', '1', '-k', 'PatientName=X'], { loadLogConfig: () => cfg });
  assert.ok(run.kind === 'run' && run.stderr === '' && run.config.logLevel === 'info' && run.config.logConfig?.forced.length === 1);
  const toStdout = configureFromText('log4cplus.rootLogger = INFO, c\nlog4cplus.appender.c = log4cplus::ConsoleAppender', 'f', cenv);
  const od = parseCommandLine(['-lc', 'f', '+P', '1', '-od', '-', 'h', '1', '-k', 'PatientName=X'], { loadLogConfig: () => toStdout });
  assert.match(od.kind === 'error' ? od.message : '', /appender c writes to standard output/);
});
