/**
 * Runs every compiled test file under dist/test with Node's built-in runner. One level of indirection so that
 * `npm test` works the same on every shell (no globstar needed) and peer tests run one file at a time: they start
 * real DCMTK processes on loopback ports and a 2-core machine gains nothing from running them side by side.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const root = join(__dirname, '..', 'test');
const only = process.argv.slice(2);
const files = collect(root, []).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('run-tests: no test files found under', root);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
