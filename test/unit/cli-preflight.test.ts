/** movescu.cc's checks after parsing: logged at FATAL with their own exit codes. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, type MovescuConfig } from '../../lib/cli/parse';
import { preflight, type PreflightDeps } from '../../lib/cli/preflight';
import { createConsoleLogger } from '../../lib/cli/logger';

function config(argv: string[]): MovescuConfig {
  const r = parseCommandLine([...argv, '-k', '0010,0010=X', 'h', '104'], { canRead: () => true });
  if (r.kind !== 'run') assert.fail(r.kind);
  return r.config;
}

const deps = (over: Partial<PreflightDeps>): PreflightDeps => ({
  dirExists: () => true, isWritable: () => true, euid: () => 1000, ...over,
});

function check(argv: string[], d: PreflightDeps): { code: number | null; out: string } {
  let out = '';
  const c = config(argv);
  const code = preflight(c, createConsoleLogger(c.logLevel, (s) => { out += s; }), d, '0.1.0');
  return { code, out };
}

test('output directory must exist and be writable, only with +P', () => {
  assert.deepEqual(check(['+P', '11112', '-od', '/no'], deps({ dirExists: () => false })),
    { code: 45, out: 'F: specified output directory does not exist\n' });
  assert.deepEqual(check(['+P', '11112'], deps({ isWritable: () => false })),
    { code: 40, out: 'F: specified output directory is not writeable\n' });
  assert.deepEqual(check([], deps({ dirExists: () => false })), { code: null, out: '' });
  assert.deepEqual(check(['-q', '+P', '11112'], deps({ dirExists: () => false })),
    { code: 45, out: 'F: specified output directory does not exist\n' });
});

test('a privileged retrieve port needs root', () => {
  assert.deepEqual(check(['+P', '104'], deps({})), { code: 2, out: 'F: cannot listen on port 104, insufficient privileges\n' });
  assert.deepEqual(check(['+P', '104'], deps({ euid: () => 0 })), { code: null, out: '' });
  assert.deepEqual(check(['+P', '1024'], deps({})), { code: null, out: '' });
});

test('debug mode logs the identification first, as DCMTK logs its rcsid', () => {
  assert.deepEqual(check(['-d'], deps({})), { code: null, out: 'D: $dimse-stream: movescu v0.1.0 $\nD: \n' });
});
