/**
 * Bad command lines: our message, streams and exit code against DCMTK 3.6.7's movescu, run side by side. Every
 * case fails before movescu would open a connection (nothing listens, nothing is dialled). Only the
 * identification line of the error header differs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { parseCommandLine } from '../../lib/cli/parse';
import { preflight } from '../../lib/cli/preflight';
import { createConsoleLogger } from '../../lib/cli/logger';

const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'));
const cmdFile = join(dir, 'args');
writeFileSync(cmdFile, `-aet 'my title' "x"""\n-k\t0010,0020=A  localhost 104`);
const K = ['-k', '0010,0010=X'];

const CASES: readonly (readonly string[])[] = [
  ['-pdu', '100', 'localhost', '104'],
  ['-pdu', '200000', 'localhost', '104'],
  ['-pdu', 'abc', 'localhost', '104'],
  ['-pdu', '', 'localhost', '104'],
  ['-pdu', ' -5', 'localhost', '104'],
  ['-pdu', '-5000', 'localhost', '104'],
  ['-pdu', '0x1000', 'localhost', '104'],
  ['-aet'],
  ['-aet', 'X'],
  ['-aet', 'X', 'localhost'],
  ['--bogus', 'localhost', '104'],
  ['-zz', 'localhost', '104'],
  ['--'],
  ['--help', '--bogus'],
  ['localhost', '104', join(dir, 'nofile')],
  ['localhost', 'abc'],
  ['localhost', '0'],
  ['localhost', '65536'],
  ['localhost', '-1'],
  ['localhost', ''],
  ['localhost', '99999999999999999999999'],
  ['localhost', '104abc'],
  ['-', '104'],
  ['localhost', '104'],
  ['-q', '-pdu', '100', 'localhost', '104'],
  ['-q', 'localhost', 'abc'],
  ['-ll', 'bogus', 'localhost', '104'],
  ['-ll', 'notset', 'localhost', '104'],
  ['-ll', 'info', '-v', 'localhost', '104'],
  ['-ll'],
  ['-ll', 'fatal', '-pdu', '1', 'localhost', '104'],
  ['-ll', 'off', '-pdu', '1', 'localhost', '104'],
  ['-ll', 'ERROR', '-pdu', '1', 'localhost', '104'],
  ['+P', '0', 'localhost', '104'],
  ['+P', '70000', 'localhost', '104'],
  ['+P', 'abc', 'localhost', '104'],
  ['+P', '-1', 'localhost', '104'],
  ['+P', '0', '--no-port', 'localhost', '104'],
  ['-to', '0', 'localhost', '104'],
  ['-to', 'abc', 'localhost', '104'],
  ['-to', '-5', 'localhost', '104'],
  ['-to', '0x0', 'localhost', '104'],
  ['-ta', '0', 'localhost', '104'],
  ['-td', '0', 'localhost', '104'],
  ['-to', '0', '-to', '5', 'localhost', '104'],
  ['-pdu', '100', '-to', '0', 'localhost', '104'],
  ['-pdu', '100', 'localhost', 'abc'],
  ['-pdu', '100', '-ll', 'bogus', 'localhost', '104'],
  ['+B', '+g=', 'localhost', '104'],
  ['+B', '+e', 'localhost', '104'],
  ['+B', '+u', 'localhost', '104'],
  ['+B', '-B', '+u', 'localhost', '104'],
  ['-B', '+B', '+e', 'localhost', '104'],
  ['+p', '2'],
  ['-od', dir, 'localhost', '104'],
  ['--no-port', '-od', dir, 'localhost', '104'],
  ['+P', '104', '--no-port', '-od', dir, 'localhost', '104'],
  ['-k', '=X', 'localhost', '104'],
  [`@${join(dir, 'none')}`],
  ['@'],
  [`@${dir}`, 'localhost', '104'],
  [`@${cmdFile}`],
  ['--arguments', 'localhost', '104'],
  ['--arguments', '-aet', '', 'localhost', '104'],
  ['--arguments', '-q', '-k', '0010,0010', '-od', dir, 'localhost', '104'],
  // output options: each conflict, value check and the order of the checks (those without a mistake end at
  // "either query file or override keys", so DCMTK's acceptance is compared too)
  ...['+te', '+tb', '+ti', '+td'].flatMap((t) => [
    [t, '+xa', 'localhost', '104'],
    ['+xa', t, 'localhost', '104'],
    [t, '+B', 'localhost', '104'],
    ['+B', t, 'localhost', '104'],
    ...['+xs', '+xy', '+xx', '+xv', '+xw', '+xt', '+xu', '+xm', '+xh', '+xn', '+xl', '+x2', '+x3', '+xo', '+x4',
      '+x5', '+xr'].map((x) => [x, t, 'localhost', '104']),
    ...['+x=', '+xe', '+xb', '+xd', '+xi'].map((x) => [x, t, 'localhost', '104']),
  ]),
  ['+xa', '+B', '+te', 'localhost', '104'],
  ['+B', '+xs', '+te', 'localhost', '104'],
  ['+xa', '+x=', '+te', 'localhost', '104'],
  ['+B', '+tb', '+t=', 'localhost', '104'],
  ['+t=', '+B', 'localhost', '104'],
  ['+t=', '+xa', 'localhost', '104'],
  ['+te', '+ti', '+xa', 'localhost', '104'],
  ['+ti', '+te', '+xa', 'localhost', '104'],
  ['+ti', '+tb', '+xa', 'localhost', '104'],
  ['-F', '+B', 'localhost', '104'],
  ['+F', '-F', 'localhost', '104'],
  ['-u', '+B', 'localhost', '104'],
  ['-u', '+u', '+B', 'localhost', '104'],
  ['+B', '+g', 'localhost', '104'],
  ['+B', '-g', 'localhost', '104'],
  ['+g', '-g', '+B', 'localhost', '104'],
  ['-g', '+g', '+B', 'localhost', '104'],
  ['-e', '+B', 'localhost', '104'],
  ['+B', '-u', '-B', '-g', '-e', 'localhost', '104'],
  ['-F', '+p', '2', '4', 'localhost', '104'],
  ['+p', '2', '4', '-F', 'localhost', '104'],
  ['-F', '+B', '+p', '2', '4', 'localhost', '104'],
  ['+B', '+p', '2', '4', 'localhost', '104'],
  ['+B', '+p', 'x', '4', 'localhost', '104'],
  ['+p', 'abc', '1', 'localhost', '104'],
  ['+p', '1', 'abc', 'localhost', '104'],
  ['+p', '-1', '1', 'localhost', '104'],
  ['+p', '1', '', 'localhost', '104'],
  ['+p', 'abc', '1', '-p', 'localhost', '104'],
  ['-p', '+p', 'abc', '1', 'localhost', '104'],
  ['+p', '4294967298', '3', 'localhost', '104'],
  ['+p', '2', '4'],
  ['+cl', '5', '+te', 'localhost', '104'],
  ['+cl', '5', '+tb', 'localhost', '104'],
  ['+cl', '5', '+ti', 'localhost', '104'],
  ['+cl', 'abc', '+te', 'localhost', '104'],
  ['-xd', '-xe', '+tb', '+cl', '5', 'localhost', '104'],
  ['-xd', '+te', '+cl', '3', 'localhost', '104'],
  ['+td', '+cl', '9', 'localhost', '104'],
  ['+cl', '10', 'localhost', '104'],
  ['+td', '+cl', '10', 'localhost', '104'],
  ['+cl', '-1', 'localhost', '104'],
  ['+cl', 'abc', 'localhost', '104'],
  ['+cl', '10', '+cl', '5', 'localhost', '104'],
  ['+cl', '5', '+cl', '10', 'localhost', '104'],
  ['+cl'],
  ['-od', dir, '+te', '+xa', 'localhost', '104'],
  ['+te', '-u', '+B', 'localhost', '104'],
  ['-e', '-g', '-u', '+B', 'localhost', '104'],
  ['+p', '1', '1', '-e', '+B', 'localhost', '104'],
  ['+cl', '99', '+p', 'x', '1', 'localhost', '104'],
  ['-q', '+te', '+xa', 'localhost', '104'],
  ['-ll', 'error', '+td', '+xr', 'localhost', '104'],
];

function normalise(s: string): string {
  return s.replace(/^\$dcmtk: movescu v3\.6\.7 2022-04-22 \$$/m, 'IDENT').replace(/^\$dimse-stream: movescu v[^ ]+ \$$/m, 'IDENT');
}

peerTest('bad command lines: same message, stream and exit code as DCMTK', ['movescu'], () => {
  for (const args of CASES) {
    const label = JSON.stringify(args);
    const theirs = spawnSync('movescu', args, { encoding: 'utf8', timeout: 10000 });
    const ours = parseCommandLine(args);
    assert.notEqual(ours.kind, 'run', label);
    if (ours.kind === 'run') continue;
    assert.equal(ours.exitCode, theirs.status, label);
    assert.equal(normalise(ours.stderr), normalise(theirs.stderr), label);
    assert.equal(theirs.stdout, '', label);
    assert.equal(ours.stdout, '', label);
  }
});

// After parsing: the output directory check (F: on stderr, exit 45). 127.0.0.1:1 is never dialled: the check
// comes first.
peerTest('missing output directory: F: message and exit 45, as DCMTK', ['movescu'], () => {
  for (const extra of [[] as string[], ['-q']]) {
    const args = [...extra, '+P', '11112', '-od', join(dir, 'nonexist'), ...K, '127.0.0.1', '1'];
    const theirs = spawnSync('movescu', args, { encoding: 'utf8', timeout: 10000 });
    const r = parseCommandLine(args);
    assert.equal(r.kind, 'run');
    if (r.kind !== 'run') return;
    let err = r.stderr;
    const code = preflight(r.config, createConsoleLogger(r.config.logLevel, (s) => { err += s; }));
    assert.equal(code, theirs.status);
    assert.equal(err, theirs.stderr);
  }
});
