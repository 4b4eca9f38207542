import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTable } from '../../scripts/readme-options';

test('README lists every option exactly as the option table declares it', () => {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  assert.equal(readme, withTable(readme), 'run: npm run build && node dist/scripts/readme-options.js --write');
  assert.match(readme, /`--bit-preserving`/);
});
