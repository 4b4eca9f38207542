/** Our version constant must follow package.json (it is a constant only to avoid a run-time file read). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DIMSE_STREAM_VERSION } from '../../lib/cli/version';

function findPackageJson(): string | null {
  // from the compiled test (dist/test/unit or another outDir) or from the working directory
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'dimse-stream') return p;
    if (dirname(dir) === dir) break;
  }
  const cwd = join(process.cwd(), 'package.json');
  return existsSync(cwd) ? cwd : null;
}

test('DIMSE_STREAM_VERSION equals package.json version', (t) => {
  const p = findPackageJson();
  if (p === null) {
    t.skip('package.json of dimse-stream not found from here');
    return;
  }
  assert.equal(DIMSE_STREAM_VERSION, (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version);
});
