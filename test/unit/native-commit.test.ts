/**
 * The optional one-job file commit (native/file-commit.c, lib/sinks/native-commit.ts) and TempFile's use of it for
 * files that will be committed (commitInOneJob). Where it cannot be built (no compiler or Node-API headers, not
 * Linux) the tests that need it skip with the reason; CI (DIMSE_REQUIRE_PEERS=1, gcc installed) must have built it.
 * The same TempFile cases run with DIMSE_NATIVE_COMMIT=0 (Node's calls) in a process of their own.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { inTempDir, nodeUnderFileLimit, patterned } from '../helpers/temp-files';
import { tempDir } from '../helpers/peers/tmp';
import { nativeCommit } from '../../lib/sinks/native-commit';
import { peersRequired } from '../helpers/peer-gate';

const ADDON = join(__dirname, '..', '..', 'native', 'file-commit.node');
const skip = nativeCommit ? false : `the optional addon is not built (${existsSync(ADDON) ? 'DIMSE_NATIVE_COMMIT=0' : 'no C compiler or Node-API headers'})`;

/** `fd` no longer refers to `path` (closed; its number may since have been given to another file). */
function assertClosed(fd: number, path: string): void {
  let target = '';
  try { target = readlinkSync(`/proc/self/fd/${fd}`); } catch { return; }
  assert.notEqual(target, path, `descriptor ${fd} is still open on ${path}`);
}

test('the addon is built and loaded where CI requires it', { skip: process.platform !== 'linux' ? 'not Linux' : false }, () => {
  if (!peersRequired() && !nativeCommit) return; // a laptop without gcc: the other tests skip with the reason
  assert.notEqual(nativeCommit, null, `expected ${ADDON} to be built (npm run build) and loaded`);
});

test('commit writes every buffer at its position, closes, and renames', { skip }, inTempDir('native-commit', async (dir) => {
  const commit = nativeCommit as NonNullable<typeof nativeCommit>;
  const temp = join(dir, 'object.part');
  const final = join(dir, 'object');
  const fd = openSync(temp, 'wx');
  // More buffers than one pwritev takes (IOV_MAX is 1024 on Linux), some empty.
  const buffers = Array.from({ length: 2500 }, (_, i) => patterned(i, i % 7 === 0 ? 0 : 100 + (i % 13)));
  await commit(fd, buffers, 0, temp, final);
  assert.deepEqual(readdirSync(dir), ['object']);
  assert.ok(readFileSync(final).equals(Buffer.concat(buffers)));
  assertClosed(fd, final);
}));

test('a failed write rejects with its code and leaves no file under the final name (ulimit -f: EFBIG)', { skip }, () => {
  const tmp = tempDir('native-commit');
  const dir = tmp.path;
  try {
    const script = `
      const { openSync } = require('fs');
      const { nativeCommit } = require(${JSON.stringify(require.resolve('../../lib/sinks/native-commit'))});
      const dir = ${JSON.stringify(dir)};
      const fd = openSync(dir + '/object.part', 'wx');
      nativeCommit(fd, [Buffer.alloc(300 * 1024, 1), Buffer.alloc(10, 2)], 0, dir + '/object.part', dir + '/object')
        .then(() => console.log('resolved'), (e) => console.log(JSON.stringify({ code: e.code, syscall: e.syscall, path: e.path })));`;
    const r = nodeUnderFileLimit(256, script);
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { code: string; syscall: string; path: string };
    assert.deepEqual(got, { code: 'EFBIG', syscall: 'write', path: join(dir, 'object.part') });
    assert.deepEqual(readdirSync(dir), ['object.part'], 'renamed after a failed write');
  } finally {
    tmp.cleanup();
  }
});

test('a failed rename rejects with its code, after the bytes were written and the file closed', { skip }, inTempDir('native-commit', async (dir) => {
  const commit = nativeCommit as NonNullable<typeof nativeCommit>;
  const temp = join(dir, 'object.part');
  const fd = openSync(temp, 'wx');
  await assert.rejects(commit(fd, [patterned(1, 10)], 0, temp, join(dir, 'no-such-folder', 'object')), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.syscall, 'rename');
    return true;
  });
  assert.ok(readFileSync(temp).equals(patterned(1, 10)));
  assertClosed(fd, temp);
}));

test('wrong arguments throw at once and queue nothing', { skip }, () => {
  const commit = nativeCommit as unknown as (...a: unknown[]) => Promise<void>;
  assert.throws(() => commit(-1, [], 0, 'a', 'b'), TypeError);
  assert.throws(() => commit(0, ['not a buffer'], 0, 'a', 'b'), TypeError);
  assert.throws(() => commit(0, [], 0, 1, 'b'), TypeError);
  assert.throws(() => commit(0, []), TypeError);
});

/** TempFile cases for a file that will be committed, run in a process with the given environment. */
const TEMP_FILE_CASES = `
const { TempFile, tempPathFor } = require(${JSON.stringify(require.resolve('../../lib/sinks/temp-file'))});
const { readFileSync, readdirSync } = require('fs');
const dir = process.argv[1];
const { patterned } = require(${JSON.stringify(require.resolve('../helpers/temp-files'))});
(async () => {
  const out = {};
  // Appended while the object comes (more than a batch), then committed.
  let file = new TempFile(tempPathFor(dir + '/a'), { commitInOneJob: true });
  const a = Array.from({ length: 40 }, (_, i) => patterned(i, 16372));
  for (const c of a) file.append(c);
  await file.commit(dir + '/a');
  out.appended = readFileSync(dir + '/a').equals(Buffer.concat(a));
  // Appended, restarted (converted after all), written whole, committed.
  file = new TempFile(tempPathFor(dir + '/b'), { commitInOneJob: true });
  file.append(patterned(1, 300000));
  await file.restart();
  await file.writeAll([patterned(2, 1000), patterned(3, 5)]);
  await file.commit(dir + '/b');
  out.restarted = readFileSync(dir + '/b').equals(Buffer.concat([patterned(2, 1000), patterned(3, 5)]));
  // A large object: appended, then a stream after the appended bytes, finished, committed.
  file = new TempFile(tempPathFor(dir + '/c'), { commitInOneJob: true });
  file.append(patterned(4, 70000));
  const s = await file.stream();
  await new Promise((resolve, reject) => s.end(patterned(5, 3000000), (e) => (e ? reject(e) : resolve())));
  await file.finish();
  await file.commit(dir + '/c');
  out.streamed = readFileSync(dir + '/c').equals(Buffer.concat([patterned(4, 70000), patterned(5, 3000000)]));
  // Appended, then discarded: nothing left.
  file = new TempFile(tempPathFor(dir + '/d'), { commitInOneJob: true });
  file.append(patterned(6, 500000));
  await file.discard();
  out.files = readdirSync(dir).sort();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });`;

for (const [how, env] of [['the native commit', {}], ['Node\'s calls (DIMSE_NATIVE_COMMIT=0)', { DIMSE_NATIVE_COMMIT: '0' }]] as const) {
  test(`a file that will be committed, with ${how}: appended, restarted, streamed and discarded files as with any other`, inTempDir('native-commit', (dir) => {
    const r = spawnSync(process.execPath, ['-e', TEMP_FILE_CASES, dir], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { appended: true, restarted: true, streamed: true, files: ['a', 'b', 'c'] });
  }));
}
