/** --help and --version texts (layout of DCMTK's OFCommandLine; the live comparison is in test/peers). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { headerText, helpText, versionText, ourNote } from '../../lib/cli/help';

test('header and usage lines', () => {
  const lines = helpText('9.9.9').split('\n');
  assert.deepEqual(lines.slice(0, 9), [
    '$dimse-stream: movescu v9.9.9 $',
    '',
    'movescu: DICOM retrieve (C-MOVE) SCU',
    'usage: movescu [options] peer port [dcmfile-in...]',
    '',
    'parameters:',
    '  peer                           hostname of DICOM peer',
    '  port                           tcp/ip port number of peer',
    '  dcmfile-in                     DICOM query file(s)',
  ]);
  assert.equal(headerText('1.0.0'), '$dimse-stream: movescu v1.0.0 $\n\nmovescu: DICOM retrieve (C-MOVE) SCU\n');
});

test('general options: short column of 6, values on their own line', () => {
  const text = helpText();
  assert.ok(text.includes([
    'general options:',
    '  -h      --help                 print this help text and exit',
    '          --version              print version information and exit',
    '          --arguments            print expanded command line arguments',
    '  -q      --quiet                quiet mode, print no warnings and errors',
    '  -v      --verbose              verbose mode, print processing details',
    '  -d      --debug                debug mode, print debug information',
    '  -ll     --log-level            [l]evel: string constant',
    '                                 (fatal, error, warn, info, debug, trace)',
    '                                 use level l for the logger',
    '  -lc     --log-config           [f]ilename: string',
    '                                 use config file f for the logger',
    'network options:',
    '  override matching keys:',
    '    -k    --key                  [k]ey: gggg,eeee="str" or dict. name="str"',
    '                                 override matching key',
  ].join('\n')));
});

test('subgroups: 4-space indent, multi-line help', () => {
  assert.ok(helpText().includes([
    '  port for incoming network associations:',
    '          --no-port              no port for incoming associations (default)',
    '    +P    --port                 [n]umber: integer',
    '                                 port number for incoming associations',
  ].join('\n')));
  assert.ok(helpText().includes([
    '    +p    --padding-create       [f]ile-pad [i]tem-pad: integer',
    '                                 align file on multiple of f bytes',
    '                                 and items on multiple of i bytes',
  ].join('\n')));
});

test('DCMTK\'s text ends with a blank line; our options follow it', () => {
  const text = helpText();
  const i = text.indexOf('0=uncompressed, 1=fastest, 9=best compression\n\n');
  assert.ok(i > 0);
  assert.equal(text.slice(text.indexOf('\n\n', i) + 2), ourNote());
  assert.match(ourNote(), /^dimse-stream options:\n  output to a stream \(-od -: standard output\):\n {10}--output-format {8}\[f\]ormat/);
  assert.doesNotMatch(ourNote(), /not supported/);
  for (const line of ourNote().split('\n')) assert.ok(line.length <= 80, line);
});

test('--version keeps DCMTK\'s layout', () => {
  assert.equal(versionText({ version: '0.1.0', hostType: 'linux x64', nodeVersion: '20.1.0' }), [
    '$dimse-stream: movescu v0.1.0 $', '', 'movescu: DICOM retrieve (C-MOVE) SCU', '',
    'Host type: linux x64', 'Build options: TypeScript, CommonJS', '', 'External libraries used:',
    '- Node.js, Version 20.1.0', '',
  ].join('\n'));
});
