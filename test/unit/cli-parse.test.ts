/**
 * The movescu command line: DCMTK's OFCommandLine semantics and movescu.cc's checks. Expected messages were
 * recorded from DCMTK 3.6.7's movescu (see test/peers/cli-errors.test.ts for the live comparison).
 */
import { parseLogLevel } from '../../lib/cli/logger';
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseCommandLine, scanSigned, scanUnsigned, splitCommandFile, type MovescuConfig, type ParseOptions,
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
    dimseTimeoutS: null, maxPdu: 16384, outputDirectory: '.', bitPreserving: false, fileMeta: true, write: {},
    ignore: false, repeat: 1, abort: false, cancelAfter: null, pendingDatasets: 'ignore', outputFormat: 'part10', boundary: null, fsync: false, bulkDataDirectory: null, maxInFlight: 4, requireCalledAet: false, requireArchive: false,
    acceptTransferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2'],
    proposeTransferSyntaxes: ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2'],
    logLevel: 'warn', logConfig: null, quiet: false, accessControl: false, hostLookup: true, programName: 'movescu',
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

// ---- output options (movescu.cc's blocks from --write-file to --compression-level) ----

const LE = '1.2.840.10008.1.2.1';
const BE = '1.2.840.10008.1.2.2';
const IMPLICIT = '1.2.840.10008.1.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const COMPRESSED_PREFER: ReadonlyArray<[string, string]> = [
  ['+xs', '--prefer-lossless'], ['+xy', '--prefer-jpeg8'], ['+xx', '--prefer-jpeg12'], ['+xv', '--prefer-j2k-lossless'],
  ['+xw', '--prefer-j2k-lossy'], ['+xt', '--prefer-jls-lossless'], ['+xu', '--prefer-jls-lossy'],
  ['+xm', '--prefer-mpeg2'], ['+xh', '--prefer-mpeg2-high'], ['+xn', '--prefer-mpeg4'], ['+xl', '--prefer-mpeg4-bd'],
  ['+x2', '--prefer-mpeg4-2-2d'], ['+x3', '--prefer-mpeg4-2-3d'], ['+xo', '--prefer-mpeg4-2-st'],
  ['+x4', '--prefer-hevc'], ['+x5', '--prefer-hevc10'], ['+xr', '--prefer-rle'],
];
const WRITE_XFER: ReadonlyArray<[string, string, string]> = [
  ['+te', '--write-xfer-little', LE], ['+tb', '--write-xfer-big', BE], ['+ti', '--write-xfer-implicit', IMPLICIT],
  ['+td', '--write-xfer-deflated', DEFLATED],
];
const w = (...argv: string[]): MovescuConfig['write'] => run([...argv, ...K, 'h', '1']).write;
const msg = (...argv: string[]): string => error([...argv, ...K, 'h', '1']).message;

test('+F / -F: file meta information or the bare data set, rightmost wins', () => {
  assert.equal(run(['-F', ...K, 'h', '1']).fileMeta, false);
  assert.equal(run(['+F', ...K, 'h', '1']).fileMeta, true);
  assert.equal(run(['+F', '-F', ...K, 'h', '1']).fileMeta, false);
  assert.equal(run(['-F', '+F', ...K, 'h', '1']).fileMeta, true);
  assert.equal(run(['+B', '-F', ...K, 'h', '1']).fileMeta, false); // no conflict with +B
});

test('+t*: the output transfer syntax UID; +t= (the default) sets none', () => {
  assert.deepEqual(w('+t='), {});
  for (const [short, , uid] of WRITE_XFER) assert.deepEqual(w(short), { transferSyntax: uid }, short);
  assert.deepEqual(w('+te', '+tb'), { transferSyntax: BE });
  assert.deepEqual(w('+tb', '+te'), { transferSyntax: LE });
  assert.deepEqual(w('+te', '+t='), {});
  // uncompressed (or deflated) network syntaxes can always be converted
  for (const x of ['+x=', '+xe', '+xb', '+xd', '+xi']) assert.deepEqual(w(x, '+ti'), { transferSyntax: IMPLICIT }, x);
});

test('+u / -u: enableNewVr', () => {
  assert.deepEqual(w('-u'), { enableNewVr: false });
  assert.deepEqual(w('+u'), { enableNewVr: true });
  assert.deepEqual(w('-u', '+u'), { enableNewVr: true });
  assert.deepEqual(w('+u', '-u'), { enableNewVr: false });
});

test('+g= / +g / -g: groupLength', () => {
  assert.deepEqual(w('+g='), { groupLength: 'recalc' });
  assert.deepEqual(w('+g'), { groupLength: 'create' });
  assert.deepEqual(w('-g'), { groupLength: 'remove' });
  assert.deepEqual(w('-g', '+g='), { groupLength: 'recalc' });
  assert.deepEqual(w('+g=', '-g', '+g'), { groupLength: 'create' });
});

test('+e / -e: sequenceLength', () => {
  assert.deepEqual(w('+e'), { sequenceLength: 'explicit' });
  assert.deepEqual(w('-e'), { sequenceLength: 'undefined' });
  assert.deepEqual(w('-e', '+e'), { sequenceLength: 'explicit' });
});

test('-p / +p f i: padding, values read as %lu and cast to 32 bits as DCMTK does', () => {
  assert.deepEqual(w('-p'), {});
  assert.deepEqual(w('+p', '256', '8'), { padding: { file: 256, item: 8 } });
  assert.deepEqual(w('+p', '0', '0'), { padding: { file: 0, item: 0 } });
  assert.deepEqual(w('+p', '4294967298', '3'), { padding: { file: 2, item: 3 } });
  assert.deepEqual(w('-p', '+p', '2', '4'), { padding: { file: 2, item: 4 } });
  assert.deepEqual(w('+p', '2', '4', '-p'), {});
  // -p to its right: DCMTK never looks at +p, so neither its values nor its conflicts are checked
  assert.deepEqual(w('+p', 'abc', '1', '-p'), {});
  assert.deepEqual(run(['+B', '-F', '+p', 'x', 'y', '-p', ...K, 'h', '1']).write, {});
});

test('+cl: compressionLevel, only with -xd, +td or +t=', () => {
  assert.deepEqual(w('+cl', '9'), { compressionLevel: 9 });
  assert.deepEqual(w('+t=', '+cl', '0'), { compressionLevel: 0 });
  assert.deepEqual(w('+td', '+cl', '1'), { transferSyntax: DEFLATED, compressionLevel: 1 });
  assert.deepEqual(w('-xd', '+te', '+cl', '3'), { transferSyntax: LE, compressionLevel: 3 });
  assert.deepEqual(w('+cl', '10', '+cl', '5'), { compressionLevel: 5 }); // not a block: only the rightmost is read
});

test('all output options together end in write', () => {
  const c = run(['-F', '+ti', '-u', '-g', '-e', '+td', '+cl', '2', ...K, 'h', '1']);
  assert.equal(c.fileMeta, false);
  assert.deepEqual(c.write, {
    transferSyntax: DEFLATED, enableNewVr: false, groupLength: 'remove', sequenceLength: 'undefined', compressionLevel: 2,
  });
});

test('+te/+tb/+ti/+td not with --accept-all, --bit-preserving or any compressed --prefer-*', () => {
  for (const [short, long] of WRITE_XFER) {
    assert.equal(msg(short, '+xa'), `${long} not allowed with --accept-all`);
    assert.equal(msg('+xa', short), `${long} not allowed with --accept-all`);
    assert.equal(msg(short, '+B'), `${long} not allowed with --bit-preserving`);
    assert.equal(msg('+B', short), `${long} not allowed with --bit-preserving`);
    for (const [x, prefer] of COMPRESSED_PREFER) {
      assert.equal(msg(x, short), `${long} not allowed with ${prefer}`, `${x} ${short}`);
    }
  }
  // the rightmost network option decides; --accept-all is checked before --bit-preserving, that before --prefer-*
  assert.deepEqual(w('+xa', '+x=', '+te'), { transferSyntax: LE });
  assert.equal(msg('+xa', '+B', '+te'), '--write-xfer-little not allowed with --accept-all');
  assert.equal(msg('+B', '+xs', '+te'), '--write-xfer-little not allowed with --bit-preserving');
  assert.deepEqual(run(['+B', '+tb', '+t=', ...K, 'h', '1']).write, {}); // +t= to the right: +tb never looked at
});

test('option blocks: an option asked for earlier and placed further left is checked too, first', () => {
  // movescu.cc asks for +te before +ti: with +te left of +ti both are found, and +te's check comes first ...
  assert.equal(msg('+te', '+ti', '+xa'), '--write-xfer-little not allowed with --accept-all');
  // ... with +te right of +ti, +ti is never found
  assert.equal(msg('+ti', '+te', '+xa'), '--write-xfer-little not allowed with --accept-all');
  assert.equal(msg('+ti', '+tb', '+xa'), '--write-xfer-big not allowed with --accept-all');
  assert.equal(msg('+g', '-g', '+B'), '--group-length-create not allowed with --bit-preserving');
  assert.equal(msg('-g', '+g', '+B'), '--group-length-create not allowed with --bit-preserving');
  assert.equal(msg('-u', '+u', '+B'), '--enable-new-vr not allowed with --bit-preserving');
});

test('-u, +g, -g, -e not with --bit-preserving', () => {
  assert.equal(msg('-u', '+B'), '--disable-new-vr not allowed with --bit-preserving');
  assert.equal(msg('+B', '+g'), '--group-length-create not allowed with --bit-preserving');
  assert.equal(msg('+B', '-g'), '--group-length-remove not allowed with --bit-preserving');
  assert.equal(msg('-e', '+B'), '--length-undefined not allowed with --bit-preserving');
  assert.deepEqual(run(['+B', '-u', '-B', '-g', '-e', ...K, 'h', '1']).write,
    { enableNewVr: false, groupLength: 'remove', sequenceLength: 'undefined' });
});

test('+p: not with --write-dataset (checked first) or --bit-preserving, then its values', () => {
  assert.equal(msg('-F', '+p', '2', '4'), '--padding-create not allowed with --write-dataset');
  assert.equal(msg('+p', '2', '4', '-F'), '--padding-create not allowed with --write-dataset');
  assert.equal(msg('-F', '+B', '+p', '2', '4'), '--padding-create not allowed with --write-dataset');
  assert.equal(msg('+B', '+p', '2', '4'), '--padding-create not allowed with --bit-preserving');
  assert.equal(msg('+B', '+p', 'x', '4'), '--padding-create not allowed with --bit-preserving');
  assert.equal(msg('+p', 'abc', '1'), 'Invalid value for option --padding-create (abc)');
  assert.equal(msg('+p', '1', 'abc'), 'Invalid value for option --padding-create (abc)');
  assert.equal(msg('+p', '-1', '1'), 'Invalid value for option --padding-create (-1)');
  assert.equal(msg('+p', '1', ''), 'Invalid value for option --padding-create');
  assert.equal(msg('-p', '+p', 'abc', '1'), 'Invalid value for option --padding-create (abc)');
  assert.equal(error(['+p', '2']).message, 'Missing value for option --padding-create');
});

test('+cl: dependence on -xd/+td/+t= checked before its range 0..9', () => {
  const dep = '--compression-level only allowed with --propose-deflated, --write-xfer-deflated or --write-xfer-same';
  for (const [short] of WRITE_XFER.slice(0, 3)) assert.equal(msg(short, '+cl', '5'), dep, short);
  assert.equal(msg('+cl', 'abc', '+te'), dep);
  assert.equal(msg('-xd', '-xe', '+tb', '+cl', '5'), dep);
  assert.equal(msg('+cl', '10'), 'Invalid value for option --compression-level (overflow: 10)');
  assert.equal(msg('+td', '+cl', '10'), 'Invalid value for option --compression-level (overflow: 10)');
  assert.equal(msg('+cl', '-1'), 'Invalid value for option --compression-level (-1)');
  assert.equal(msg('+cl', 'abc'), 'Invalid value for option --compression-level (abc)');
  assert.equal(msg('+cl', '5', '+cl', '10'), 'Invalid value for option --compression-level (overflow: 10)');
});

test('output option checks come in movescu.cc\'s order', () => {
  assert.equal(msg('-od', '/x', '+te', '+xa'), '--output-directory only allowed with --port');
  assert.equal(msg('+te', '-u', '+B'), '--write-xfer-little not allowed with --bit-preserving');
  assert.equal(msg('-e', '-g', '-u', '+B'), '--disable-new-vr not allowed with --bit-preserving');
  assert.equal(msg('-e', '-g', '+B'), '--group-length-remove not allowed with --bit-preserving');
  assert.equal(msg('+p', '1', '1', '-e', '+B'), '--length-undefined not allowed with --bit-preserving');
  assert.equal(msg('+cl', '99', '+p', 'x', '1'), 'Invalid value for option --padding-create (x)');
  assert.equal(error(['+te', '+xa', 'h', '1']).message, '--write-xfer-little not allowed with --accept-all'); // before "either query file ..."
  const q = error(['-q', '+te', '+xa', ...K, 'h', '1']);
  assert.equal(q.stderr, '');
  assert.equal(q.exitCode, 1);
});

test('our options (long names DCMTK does not have): --output-format, --boundary, --fsync', () => {
  const P = ['+P', '11113'];
  assert.equal(run([...P, '-od', '-', ...K, 'h', '1']).outputFormat, 'part10');
  assert.equal(run([...P, '-od', '-', '--output-format', 'tar', ...K, 'h', '1']).outputFormat, 'tar');
  const m = run([...P, '-od', '-', '--output-format', 'multipart', '--boundary', 'b-1', ...K, 'h', '1']);
  assert.deepEqual([m.outputFormat, m.boundary], ['multipart', 'b-1']);
  assert.equal(run([...P, '--fsync', ...K, 'h', '1']).fsync, true);
  assert.match(error([...P, '-od', '-', '--output-format', 'zip', ...K, 'h', '1']).stderr, /unknown output format: zip \(one of part10, tar, multipart, json\)/);
  assert.match(error([...P, '--output-format', 'tar', ...K, 'h', '1']).stderr, /--output-format tar only allowed with --output-directory -/);
  assert.match(error([...P, '-od', '-', '--boundary', 'b', ...K, 'h', '1']).stderr, /--boundary only allowed with --output-format multipart/);
  assert.match(error([...P, '-od', '-', '--output-format', 'multipart', '--boundary', 'x'.repeat(71), ...K, 'h', '1']).stderr, /invalid multipart boundary/);
  assert.equal(error([...P, '-od', '-', '--output-format', ...K, 'h', '1']).exitCode, 1);
  // json also with a directory (NAME.json); --bulk-data-uri only with json.
  assert.equal(run([...P, '-od', 'out', '--output-format', 'json', ...K, 'h', '1']).outputFormat, 'json');
  assert.equal(run([...P, '-od', '-', '--output-format', 'json', '--bulk-data-uri', 'bulk', ...K, 'h', '1']).bulkDataDirectory, 'bulk');
  assert.match(error([...P, '-od', '-', '--bulk-data-uri', 'bulk', ...K, 'h', '1']).stderr, /--bulk-data-uri only allowed with --output-format json/);
  assert.equal(run([...P, '--max-in-flight', '9', ...K, 'h', '1']).maxInFlight, 9);
  assert.equal(error([...P, '--max-in-flight', '0', ...K, 'h', '1']).exitCode, 1);
  // DCMTK's --repeat (at least 1) and --abort.
  const r = run(['--repeat', '3', '--abort', ...K, 'h', '1']);
  assert.deepEqual([r.repeat, r.abort], [3, true]);
  assert.equal(error(['--repeat', '0', ...K, 'h', '1']).exitCode, 1);
  // DCMTK's --cancel (at least 0; 0 never cancels) and -pi / -pr (the rightmost wins).
  assert.equal(run(['--cancel', '0', ...K, 'h', '1']).cancelAfter, 0);
  assert.equal(run(['--cancel', '2', ...K, 'h', '1']).cancelAfter, 2);
  assert.equal(error(['--cancel', '-1', ...K, 'h', '1']).message, 'Invalid value for option --cancel (underflow: -1)');
  assert.equal(run(['-pr', ...K, 'h', '1']).pendingDatasets, 'read');
  assert.equal(run(['-pr', '-pi', ...K, 'h', '1']).pendingDatasets, 'ignore');
  const guarded = run([...P, '--require-called-aet', '--require-archive', ...K, 'h', '1']);
  assert.deepEqual([guarded.requireCalledAet, guarded.requireArchive], [true, true]);
});
