/** The CLI starts with the Node options of its #! line, and tests, demo and benchmark start it the same way. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { binCommand, nodeOptionsOf } from '../../scripts/bin-command';
import { oursMovescuPath } from '../helpers/peers/movescu';

test('nodeOptionsOf reads the options after node on a #! line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bin-command-'));
  const cases: [string, string[]][] = [
    ['#!/usr/bin/env -S node --max-semi-space-size=1 --no-warnings\n', ['--max-semi-space-size=1', '--no-warnings']],
    ['#!/usr/bin/env node\n', []],
    ['"use strict";\n', []],
  ];
  for (const [i, [head, want]] of cases.entries()) {
    const f = join(dir, `f${i}.js`);
    writeFileSync(f, `${head}console.log(1);\n`);
    assert.deepEqual(nodeOptionsOf(f), want, head);
  }
});

test('the built movescu runs with a 1 MiB young generation, also when started through binCommand', () => {
  const bin = oursMovescuPath();
  assert.ok(nodeOptionsOf(bin).includes('--max-semi-space-size=1'), `${bin} has no --max-semi-space-size=1 on its #! line`);
  const run = binCommand(bin, ['--version']);
  assert.deepEqual(run.args.slice(0, 2), ['--max-semi-space-size=1', bin]);
  const r = spawnSync(run.cmd, run.args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /movescu/);
  // Run directly, as the installed `movescu` is: the #! line itself must work (env -S).
  const direct = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stdout, r.stdout);
});
