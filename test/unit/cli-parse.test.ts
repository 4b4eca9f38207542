/**
 * The movescu command line: DCMTK's OFCommandLine semantics and movescu.cc's checks. Expected messages were
 * recorded from DCMTK 3.6.7's movescu (see test/peers/cli-errors.test.ts for the live comparison).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseCommandLine, scanSigned, scanUnsigned, splitCommandFile, parseLogLevel, type MovescuConfig, type ParseOptions,
  type ParseResult,
} from '../../lib/cli/parse';
import { headerText } from '../../lib/cli/help';

const K = ['-k', '0010,0010=X'];
const noFs: ParseOptions = { canRead: () => true, readCommandFile: () => null };

function run(argv: string[], options: ParseOptions = noFs): MovescuConfig {
  const r = parseCommandLine(argv, options);
  if (r.kind !== 'run') assert.fail(`expected a config, got ${r.kind}: ${r.kind === 'error' ? r.message : ''}`);
  return r.config;
}

function error(argv: string[], options: ParseOptions = noFs): Extract<ParseResult, { kind: 'error' }> {
  const r = parseCommandLine(argv, options);
  if (r.kind !== 'error') assert.fail(`expected an error, got ${r.kind}`);
  return r;
}

test('defaults are DCMTK\'s', () => {
  const c = run([...K, 'archive', '104']);
  assert.deepEqual(c, {
    peer: 'archive', port: 104, queryFiles: [], keys: ['0010,0010=X'], model: 'patient', aet: 'MOVESCU',
    aec: 'ANY-SCP', aem: 'MOVESCU', retrievePort: null, connectTimeoutS: null, acseTimeoutS: 30,
    dimseTimeoutS: null, maxPdu: 16384, outputDirectory: '.', bitPreserving: false, ignore: false,
    acceptTransferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2'],
    proposeTransferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2'],
    logLevel: 'warn', quiet: false, programName: 'movescu',
  });
});

test('network transfer syntax options: the rightmost of each block wins, with DCMTK\'s lists', () => {
  assert.deepEqual(run(['+xi', ...K, 'h', '1']).acceptTransferSyntaxes, ['1.2.840.10008.1.2']);
  assert.deepEqual(run(['+xi', '+xb', ...K, 'h', '1']).acceptTransferSyntaxes, ['1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2']);
  assert.equal(run(['+xa', ...K, 'h', '1']).acceptTransferSyntaxes.length, 21);
  assert.equal(run(['+xs', ...K, 'h', '1']).acceptTransferSyntaxes[0], '1.2.840.10008.1.2.4.70');
  assert.deepEqual(run(['-xi', ...K, 'h', '1']).proposeTransferSyntaxes, ['1.2.840.10008.1.2']);
  assert.equal(run(['-xd', ...K, 'h', '1']).proposeTransferSyntaxes[0], '1.2.840.10008.1.2.1.99');
});

test('options anywhere; mutually exclusive options: the rightmost wins', () => {
  assert.equal(run(['-P', 'h', '1', ...K, '-S']).model, 'study');
  assert.equal(run(['-S', '-O', '-P', ...K, 'h', '1']).model, 'patient');
  assert.equal(run(['-O', ...K, 'h', '1']).model, 'psonly');
  assert.equal(run(['-aem', 'A', '-aem', 'B', ...K, 'h', '1']).aem, 'B');
  assert.equal(run(['+P', '5000', '--no-port', ...K, 'h', '1']).retrievePort, null);
  assert.equal(run(['--no-port', '+P', '5000', ...K, 'h', '1']).retrievePort, 5000);
  assert.equal(run(['+B', '-B', ...K, 'h', '1']).bitPreserving, false);
  assert.equal(run(['-B', '+B', ...K, 'h', '1']).bitPreserving, true);
  assert.equal(run(['-d', '-v', ...K, 'h', '1']).logLevel, 'info');
  assert.equal(run(['-v', '-q', ...K, 'h', '1']).logLevel, 'fatal');
  assert.equal(run(['-to', '0', '-to', '7', ...K, 'h', '1']).connectTimeoutS, 7); // only the rightmost is read
});

test('-aem defaults to our calling AE title, as in DCMTK', () => {
  const c = run(['-aet', 'ME', ...K, 'h', '1']);
  assert.equal(c.aem, 'ME');
  assert.equal(c.aet, 'ME');
});

test('-k accumulates, left to right', () => {
  assert.deepEqual(run(['-k', '0008,0052=STUDY', 'h', '1', '-k', 'StudyInstanceUID=1.2']).keys,
    ['0008,0052=STUDY', 'StudyInstanceUID=1.2']);
});

test('implemented options end in the config', () => {
  const c = run(['+P', '11112', '-od', '/x', '-to', '5', '-ta', '0x10', '-td', '010', '-pdu', '131072', '--ignore',
    '-aec', 'PACS', '-dhl', '-ac', '-pi', '+x=', '+F', '+t=', '+g=', '+e', '-p', '+u', '-ll', 'Trace', ...K, 'h', '1']);
  assert.equal(c.retrievePort, 11112);
  assert.equal(c.outputDirectory, '/x');
  assert.equal(c.connectTimeoutS, 5);
  assert.equal(c.acseTimeoutS, 16); // %li: 0x prefix is hex ...
  assert.equal(c.dimseTimeoutS, 8); // ... and a leading 0 is octal
  assert.equal(c.maxPdu, 131072);
  assert.equal(c.ignore, true);
  assert.equal(c.aec, 'PACS');
  assert.equal(c.logLevel, 'trace');
});

test('query files are parameters after the port and must be readable', () => {
  const c = run(['h', '1', 'a.dcm', 'b.dcm']);
  assert.deepEqual(c.queryFiles, ['a.dcm', 'b.dcm']);
  const e = error(['h', '1', 'a.dcm', 'missing.dcm'], { canRead: (p) => p !== 'missing.dcm' });
  assert.equal(e.message, 'cannot access file: missing.dcm');
});

test('value errors: DCMTK\'s exact messages, exit code 1, with the header on stderr', () => {
  const cases: Array<[string[], string]> = [
    [['-pdu', '100', 'h', '104'], 'Invalid value for option --max-pdu (underflow: 100)'],
    [['-pdu', '200000', 'h', '104'], 'Invalid value for option --max-pdu (overflow: 200000)'],
    [['-pdu', 'abc', 'h', '104'], 'Invalid value for option --max-pdu (abc)'],
    [['-pdu', '', 'h', '104'], 'Invalid value for option --max-pdu'],
    [['-pdu', ' -5', 'h', '104'], 'Invalid value for option --max-pdu ( -5)'],
    [['-pdu', '0x1000', 'h', '104'], 'Invalid value for option --max-pdu (underflow: 0x1000)'],
    [['+P', '0', 'h', '104'], 'Invalid value for option --port (underflow: 0)'],
    [['+P', '70000', 'h', '104'], 'Invalid value for option --port (overflow: 70000)'],
    [['+P', '-1', 'h', '104'], 'Invalid value for option --port (-1)'],
    [['+P', '0', '--no-port', 'h', '104'], 'Invalid value for option --port (underflow: 0)'],
    [['-to', '0', 'h', '104'], 'Invalid value for option --timeout (underflow: 0)'],
    [['-to', '-5', 'h', '104'], 'Invalid value for option --timeout (underflow: -5)'],
    [['-to', 'abc', 'h', '104'], 'Invalid value for option --timeout (abc)'],
    [['-ta', '0', 'h', '104'], 'Invalid value for option --acse-timeout (underflow: 0)'],
    [['-td', '0', 'h', '104'], 'Invalid value for option --dimse-timeout (underflow: 0)'],
    [['-aet'], 'Missing value for option --aetitle'],
    [['+P'], 'Missing value for option --port'],
    [['--bogus', 'h', '104'], 'Unknown option --bogus'],
    [['--'], 'Unknown option --'],
    [['-aet', 'X'], 'Missing parameter peer'],
    [['h'], 'Missing parameter port'],
    [['h', 'abc'], 'Invalid parameter value abc'],
    [['h', ''], 'Invalid parameter value '],
    [['h', '0'], 'Invalid parameter value 0 (underflow)'],
    [['h', '65536'], 'Invalid parameter value 65536 (overflow)'],
    [['h', '-1'], 'Invalid parameter value -1 (overflow)'], // "-1" is a number, so a parameter; %lu wraps it
    [['-ll', 'bogus', 'h', '104'], 'Invalid log level for --log-level option'],
    [['-ll', 'notset', 'h', '104'], 'Invalid log level for --log-level option'],
    [['-v', '-ll', 'info', 'h', '104'], '--log-level not allowed with --verbose, --debug or --quiet'],
    [['-od', '/tmp', 'h', '104'], '--output-directory only allowed with --port'],
    [['+P', '5', '--no-port', '-od', '/tmp', 'h', '104'], '--output-directory only allowed with --port'],
    [['+B', '+e', 'h', '104'], '--length-explicit not allowed with --bit-preserving'],
    [['+B', '+g=', 'h', '104'], '--group-length-recalc not allowed with --bit-preserving'],
    [['+u', '+B', 'h', '104'], '--enable-new-vr not allowed with --bit-preserving'],
    [['h', '104'], 'either query file or override keys (or both) must be specified'],
    [['-k', '=X', 'h', '104'], 'bad key format or dictionary name not found in dictionary: '],
  ];
  for (const [argv, message] of cases) {
    const e = error(argv);
    assert.equal(e.message, message, argv.join(' '));
    assert.equal(e.exitCode, 1, argv.join(' '));
    assert.equal(e.stdout, '');
    assert.equal(e.stderr, `${headerText()}error: ${message}\n`, argv.join(' '));
  }
});

test('the first mistake in DCMTK\'s evaluation order is the one reported', () => {
  assert.equal(error(['-pdu', '100', '-to', '0', 'h', '104']).message, 'Invalid value for option --timeout (underflow: 0)');
  assert.equal(error(['-pdu', '100', 'h', 'abc']).message, 'Invalid parameter value abc');
  assert.equal(error(['-pdu', '100', '-ll', 'x', 'h', '104']).message, 'Invalid log level for --log-level option');
  assert.equal(error(['--help', '--bogus']).message, 'Unknown option --bogus');
  assert.equal(error(['-k', '=a', '-k', '=b', 'h', '104']).message,
    'bad key format or dictionary name not found in dictionary: '); // keys are walked right to left
});

test('quiet mode (-q, -ll fatal, -ll off) silences "error:" after the log options, not the exit code', () => {
  const q = error(['-q', '-pdu', '100', 'h', '104']);
  assert.equal(q.stderr, '');
  assert.equal(q.exitCode, 1);
  assert.equal(error(['-ll', 'off', '-pdu', '1', 'h', '104']).stderr, '');
  assert.equal(error(['-ll', 'fatal', '-pdu', '1', 'h', '104']).stderr, '');
  assert.notEqual(error(['-ll', 'error', '-pdu', '1', 'h', '104']).stderr, '');
  // the port parameter is checked before the log level is known
  assert.notEqual(error(['-q', 'h', 'abc']).stderr, '');
  assert.notEqual(error(['-q', '--bogus']).stderr, '');
});

test('options not implemented yet are refused, never ignored', () => {
  const e = error(['-lc', 'log.cfg', ...K, 'h', '1']);
  assert.equal(e.message, 'option -lc (--log-config) is not supported yet by dimse-stream');
  assert.equal(e.exitCode, 1);
  assert.match(error(['--repeat', '2', ...K, 'h', '1']).message, /^option --repeat is not supported yet/);
  assert.match(error(['+B', '+te', ...K, 'h', '1']).message, /^option \+te \(--write-xfer-little\) is not supported/);
  // refused even in quiet mode: a script must learn that its option did nothing
  assert.notEqual(error(['-q', '-F', ...K, 'h', '1']).stderr, '');
  // but --help and --version still work
  assert.equal(parseCommandLine(['-lc', 'x', '--help']).kind, 'help');
});

test('no argument: usage on stdout, exit 0; --help, --version are exclusive', () => {
  const u = parseCommandLine([]);
  assert.equal(u.kind, 'usage');
  const h = parseCommandLine(['-aet', 'X', '--help']);
  assert.equal(h.kind, 'help');
  if (u.kind === 'usage' && h.kind === 'help') assert.equal(u.stdout, h.stdout);
  assert.equal(parseCommandLine(['--version', 'h', 'abc']).kind, 'version');
  assert.equal(parseCommandLine(['--version', '--help']).kind, 'help');
  assert.equal(parseCommandLine(['-h', '-q']).kind, 'help');
});

test('--arguments prints the expanded command line as a forced info message, then goes on', () => {
  const r = parseCommandLine(['--arguments', '-aet', '', '-k', '0010,0010', 'h', '104'], noFs);
  assert.equal(r.kind, 'run');
  assert.equal(r.stderr,
    "I: calling 'movescu' with 7 arguments: '--arguments' '--aetitle' '--key' '0010,0010' 'h' '104' \nI: \n");
  const q = parseCommandLine(['--arguments', '-q', 'h', '104'], noFs);
  assert.equal(q.kind, 'error');
  assert.equal(q.stderr, "I: calling 'movescu' with 4 arguments: '--arguments' '--quiet' 'h' '104' \nI: \n");
});

test('@file: whitespace-separated, quotes group, expanded in place', () => {
  assert.deepEqual(splitCommandFile(`-aet 'my title' "x"""\n-k\t0010,0020=A  'a"b' "c'd" 'open`),
    ['-aet', 'my title', 'x', '', '-k', '0010,0020=A', 'a"b', "c'd", 'open']);
  const dir = mkdtempSync(join(tmpdir(), 'cli-parse-'));
  const f = join(dir, 'args');
  writeFileSync(f, '-S -aet "A B"\n-k 0010,0010=X\n');
  const c = run(['-P', `@${f}`, 'h', '104'], { canRead: () => true });
  assert.equal(c.model, 'study');
  assert.equal(c.aet, 'A B');
  assert.equal(error([`@${join(dir, 'none')}`]).message, `Cannot open command file '${join(dir, 'none')}'`);
  assert.equal(error(['@']).message, 'Missing parameter port'); // a lone "@" is a parameter
  assert.equal(parseCommandLine([`@${dir}`]).kind, 'usage'); // a directory reads as nothing, as in DCMTK
});

test('numbers are read as sscanf %lu / %li read them', () => {
  assert.equal(scanUnsigned('104abc'), 104n);
  assert.equal(scanUnsigned(' +7'), 7n);
  assert.equal(scanUnsigned('-1'), (1n << 64n) - 1n);
  assert.equal(scanUnsigned('-18446744073709551615'), 1n);
  assert.equal(scanUnsigned('99999999999999999999999'), (1n << 64n) - 1n);
  assert.equal(scanUnsigned('0x10'), 0n);
  assert.equal(scanUnsigned('x'), null);
  assert.equal(scanSigned('0x10'), 16n);
  assert.equal(scanSigned('010'), 8n);
  assert.equal(scanSigned('08'), 0n);
  assert.equal(scanSigned('-5'), -5n);
  assert.equal(scanSigned('99999999999999999999999'), (1n << 63n) - 1n);
  assert.equal(scanSigned(''), null);
  assert.equal(run(['h', '104abc', ...K]).port, 104);
  assert.equal(run(['h', '-18446744073709551615', ...K]).port, 1);
  assert.equal(run(['-to', '99999999999999999999', 'h', '1', ...K]).connectTimeoutS, 2147483647);
});

test('log levels: log4cplus names, any case, ALL is trace, OFF prints nothing', () => {
  assert.equal(parseLogLevel('Info'), 'info');
  assert.equal(parseLogLevel('ALL'), 'trace');
  assert.equal(parseLogLevel('off'), 'off');
  assert.equal(parseLogLevel('NOTSET'), null);
  assert.equal(parseLogLevel(''), null);
});

test('with a dictionary, -k keys are checked as DCMTK checks them', () => {
  const dictionary = {
    tagOf: (k: string) => (k === 'PatientName' ? 0x00100010 : undefined),
    isKnown: (t: number) => t === 0x00100010 || t === 0x00100020,
  };
  const o: ParseOptions = { ...noFs, dictionary };
  assert.deepEqual(run(['-k', 'PatientName=X', '-k', '0010,0020', 'h', '1'], o).keys, ['PatientName=X', '0010,0020']);
  assert.equal(error(['-k', 'foo=bar', 'h', '1'], o).message, 'bad key format or dictionary name not found in dictionary: foo');
  assert.equal(error(['-k', '1234,5678=X', 'h', '1'], o).message, 'unknown tag: (1234,5678)');
  assert.equal(error(['-k', '10 ,10', 'h', '1'], o).message, 'bad key format or dictionary name not found in dictionary: 10 ,10');
});
