/**
 * The CLI starts with the Node options of its #! line (none: it bounds its young generation and sizes libuv's thread
 * pool itself), and tests, demo and benchmark start it the same way.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** Allocates short-lived objects with some survivors (as a retrieval does); prints the young generation's size. */
const YOUNG_GENERATION_PROBE = `
const v8 = require('v8');
const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
let max = size();
const keep = new Array(20000);
for (let i = 0; i < 3e6; i++) { keep[i % keep.length] = { i, b: Buffer.allocUnsafe(16) }; if ((i & 1023) === 0) max = Math.max(max, size()); }
console.log(max);`;

function youngGenerationMax(nodeArgs: string[]): number {
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', YOUNG_GENERATION_PROBE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('the CLI\'s young-generation module bounds the young generation as --max-semi-space-size=1 does', () => {
  const module = join(dirname(oursMovescuPath()), 'young-generation.js');
  const left = youngGenerationMax([]);
  const flag = youngGenerationMax(['--max-semi-space-size=1']);
  const ours = youngGenerationMax(['-r', module]);
  assert.ok(left > 4 * flag, `the probe should grow an unbounded young generation (${left} bytes against ${flag} with the flag)`);
  assert.ok(ours <= flag, `with ${module} the young generation reached ${ours} bytes, with the flag ${flag}`);
});

/** Makes the first asynchronous file call; prints how many threads it started (libuv starts its whole pool then). */
const THREAD_POOL_PROBE = `
const fs = require('fs');
const threads = () => fs.readdirSync('/proc/self/task').length;
const before = threads();
fs.stat('.', () => console.log(threads() - before));`;

function poolThreads(nodeArgs: string[], env: NodeJS.ProcessEnv): number {
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', THREAD_POOL_PROBE], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('the CLI\'s thread-pool module gives libuv one pool thread, unless UV_THREADPOOL_SIZE says otherwise', () => {
  const module = join(dirname(oursMovescuPath()), 'thread-pool.js');
  const env = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  assert.equal(poolThreads([], env), 4, 'libuv\'s own default, which the probe should see');
  assert.equal(poolThreads(['-r', module], env), 1);
  assert.equal(poolThreads(['-r', module], { ...env, UV_THREADPOOL_SIZE: '3' }), 3, 'the user\'s setting wins');
});

test('the built movescu loads the young generation\'s bound and the thread pool\'s size first, and runs from its plain #! line', () => {
  const bin = oursMovescuPath();
  assert.deepEqual(nodeOptionsOf(bin), [], `${bin} needs no Node options on its #! line (env -S is not everywhere)`);
  const requires = [...readFileSync(bin, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  assert.deepEqual(requires.slice(0, 2), ['./young-generation', './thread-pool'], 'the first modules the CLI loads');
  const run = binCommand(bin, ['--version']);
  const r = spawnSync(run.cmd, run.args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /movescu/);
  // Run directly, as the installed `movescu` is.
  const direct = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(direct.status, 0, direct.stderr);
  assert.equal(direct.stdout, r.stdout);
});
