/**
 * Our --help, usage and --version against DCMTK 3.6.7's movescu, line by line. Allowed differences: the first
 * line (identification: product and version), our note after DCMTK's text (options not supported yet), and
 * in --version the host facts. Every option is listed exactly as DCMTK lists it, so scripts that grep the
 * help keep working.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { peerTest } from '../helpers/peer-gate';
import { parseCommandLine } from '../../lib/cli/parse';
import { ourNote } from '../../lib/cli/help';

function dcmtk(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('movescu', args, { encoding: 'utf8', timeout: 10000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function compareHelp(args: string[]): void {
  const theirs = dcmtk(args);
  const ours = parseCommandLine(args);
  if (ours.kind !== 'help' && ours.kind !== 'usage') assert.fail(`expected help or usage, got ${ours.kind}`);
  assert.equal(ours.exitCode, theirs.status);
  assert.equal(theirs.stderr, '');
  assert.equal(ours.stderr, '');
  const t = theirs.stdout.split('\n');
  const note = ourNote();
  assert.ok(ours.stdout.endsWith(note));
  const o = ours.stdout.slice(0, ours.stdout.length - note.length).split('\n');
  assert.match(t[0]!, /^\$dcmtk: movescu v3\.6\.7 /);
  assert.match(o[0]!, /^\$dimse-stream: movescu v/);
  assert.equal(o.length, t.length, 'same number of lines');
  for (let i = 1; i < t.length; i++) assert.equal(o[i], t[i], `line ${i + 1}`);
}

peerTest('--help is DCMTK\'s, line by line (but the first)', ['movescu'], () => compareHelp(['--help']));
peerTest('no argument prints the same usage, exit 0', ['movescu'], () => compareHelp([]));
peerTest('--help wins over other options, as in DCMTK', ['movescu'], () => compareHelp(['-aet', 'X', '--version', '-h']));

peerTest('--version keeps DCMTK\'s layout', ['movescu'], () => {
  const theirs = dcmtk(['--version']);
  const ours = parseCommandLine(['--version', 'ignored', 'x']);
  assert.equal(ours.kind, 'version');
  assert.equal(theirs.status, 0);
  const shape = (s: string): string[] => s.split('\n').map((l) => l.replace(/:.*$/, ':'));
  const t = shape(theirs.stdout);
  const o = shape(ours.kind === 'version' ? ours.stdout : '');
  // header, blank, description, blank, "Host type:", ..., blank, "External libraries used:", "- ..." lines
  assert.deepEqual(o.slice(1, 5), t.slice(1, 5));
  assert.ok(o.includes('External libraries used:') && t.includes('External libraries used:'));
  assert.equal(o[o.indexOf('External libraries used:') - 1], '');
});
