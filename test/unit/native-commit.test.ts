/**
 * The optional native file calls (native/file-commit.c, lib/sinks/native-commit.ts: writes ahead and the one-job
 * commit) and TempFile's use of them for files that will be committed (commitInOneJob). Where it cannot be built (no compiler or Node-API headers, not
 * Linux) the tests that need it skip with the reason; CI (DIMSE_REQUIRE_PEERS=1, gcc installed) must have built it.
 * The same TempFile cases run with DIMSE_NATIVE_COMMIT=0 (Node's calls) in a process of their own.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { inTempDir, nodeUnderFileLimit, patterned } from '../helpers/temp-files';
import { nativeFiles } from '../../lib/sinks/native-commit';
import { peersRequired } from '../helpers/peer-gate';

const ADDON = join(__dirname, '..', '..', 'native', 'file-commit.node');
const skip = nativeFiles ? false : `the optional addon is not built (${existsSync(ADDON) ? 'DIMSE_NATIVE_COMMIT=0' : 'no C compiler or Node-API headers'})`;
/** For scripts run in a process of their own: the addon's calls as `nativeFiles`. */
const REQUIRE_NATIVE = `const { nativeFiles } = require(${JSON.stringify(require.resolve('../../lib/sinks/native-commit'))});`;

/** `fd` no longer refers to `path` (closed; its number may since have been given to another file). */
function assertClosed(fd: number, path: string): void {
  let target = '';
  try { target = readlinkSync(`/proc/self/fd/${fd}`); } catch { return; }
  assert.notEqual(target, path, `descriptor ${fd} is still open on ${path}`);
}

test('the addon is built and loaded where CI requires it', { skip: process.platform !== 'linux' ? 'not Linux' : false }, () => {
  if (!peersRequired() && !nativeFiles) return; // a laptop without gcc: the other tests skip with the reason
  assert.notEqual(nativeFiles, null, `expected ${ADDON} to be built (npm run build) and loaded`);
});

test('commit writes every buffer at its position, closes, and renames', { skip }, inTempDir('native-commit', async (dir) => {
  const { commit } = nativeFiles as NonNullable<typeof nativeFiles>;
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

test('a failed write rejects with its code and leaves no file under the final name (ulimit -f: EFBIG)', { skip }, inTempDir('native-commit', (dir) => {
  const script = `
    const { openSync } = require('fs');
    ${REQUIRE_NATIVE}
    const dir = ${JSON.stringify(dir)};
    const fd = openSync(dir + '/object.part', 'wx');
    nativeFiles.commit(fd, [Buffer.alloc(300 * 1024, 1), Buffer.alloc(10, 2)], 0, dir + '/object.part', dir + '/object')
      .then(() => console.log('resolved'), (e) => console.log(JSON.stringify({ code: e.code, syscall: e.syscall, path: e.path })));`;
  const r = nodeUnderFileLimit(256, script);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { code: string; syscall: string; path: string };
  assert.deepEqual(got, { code: 'EFBIG', syscall: 'write', path: join(dir, 'object.part') });
  assert.deepEqual(readdirSync(dir), ['object.part'], 'renamed after a failed write');
}));

test('a failed rename rejects with its code, after the bytes were written and the file closed', { skip }, inTempDir('native-commit', async (dir) => {
  const { commit } = nativeFiles as NonNullable<typeof nativeFiles>;
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

test('a commit queued while writes ahead are in flight waits for them in the pool (four pool threads)', { skip }, inTempDir('native-commit', (dir) => {
  // Twelve writes and the commit queued at once, on four threads: the commit is taken while writes still run, and
  // must wait for them (no deadlock, every byte in place under the final name). That it waits, rather than being
  // kept in order by the file's lock in the kernel, shows in the next test: the failure of a write reaches it.
  const script = `
    const { openSync, readFileSync, existsSync } = require('fs');
    ${REQUIRE_NATIVE}
    const dir = process.argv[1];
    const temp = dir + '/object.part', final = dir + '/object';
    const fd = openSync(temp, 'wx');
    const seq = nativeFiles.sequence();
    const parts = Array.from({ length: 12 }, (_, i) => Buffer.alloc(2 << 20, i + 1));
    const writes = parts.map((p, i) => nativeFiles.write(seq, fd, [p], i * p.length, temp).then(() => 'ok', (e) => e.code));
    const rest = Buffer.alloc(10, 99);
    const commit = nativeFiles.commit(fd, [rest], 12 * (2 << 20), temp, final, seq).then(() => {
      const got = readFileSync(final);
      return { complete: got.equals(Buffer.concat([...parts, rest])), tempGone: !existsSync(temp) };
    });
    Promise.all([commit, Promise.all(writes)]).then(([c, w]) => console.log(JSON.stringify({ ...c, writes: [...new Set(w)] })),
      (e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script, dir], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '4' } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { complete: true, tempGone: true, writes: ['ok'] });
}));

test('a failed write ahead fails the commit: rejected with its code, closed, nothing renamed (ulimit -f: EFBIG)', { skip }, inTempDir('native-commit', (dir) => {
  const script = `
    const { openSync, readlinkSync } = require('fs');
    ${REQUIRE_NATIVE}
    const dir = ${JSON.stringify(dir)};
    const temp = dir + '/object.part';
    const fd = openSync(temp, 'wx');
    const seq = nativeFiles.sequence();
    const pick = (e) => ({ code: e.code, syscall: e.syscall, path: e.path });
    const write = nativeFiles.write(seq, fd, [Buffer.alloc(300 * 1024, 1)], 0, temp).then(() => 'resolved', pick);
    // Nothing left for the commit to write: only the failure of the write ahead can stop its rename.
    const commit = nativeFiles.commit(fd, [], 300 * 1024, temp, dir + '/object', seq).then(() => 'resolved', pick);
    Promise.all([write, commit]).then(([w, c]) => {
      let open = true;
      try { open = readlinkSync('/proc/self/fd/' + fd) === temp; } catch { open = false; }
      console.log(JSON.stringify({ write: w, commit: c, open }));
    });`;
  const r = nodeUnderFileLimit(256, script);
  assert.equal(r.status, 0, r.stderr);
  const efbig = { code: 'EFBIG', syscall: 'write', path: join(dir, 'object.part') };
  assert.deepEqual(JSON.parse(r.stdout), { write: efbig, commit: efbig, open: false });
  assert.deepEqual(readdirSync(dir), ['object.part'], 'renamed after a failed write ahead');
}));

test('wrong arguments throw at once and queue nothing', { skip }, () => {
  const calls = nativeFiles as unknown as Record<'commit' | 'write' | 'sequence', (...a: unknown[]) => unknown>;
  assert.throws(() => calls.commit(-1, [], 0, 'a', 'b'), TypeError);
  assert.throws(() => calls.commit(0, ['not a buffer'], 0, 'a', 'b'), TypeError);
  assert.throws(() => calls.commit(0, [], 0, 1, 'b'), TypeError);
  assert.throws(() => calls.commit(0, [], 0, 'a', 2), TypeError, 'a final path that is not a string');
  assert.throws(() => calls.commit(0, []), TypeError);
  assert.throws(() => calls.commit(0, [], 0, 'a', 'b', {}), TypeError, 'a sequence not made by sequence()');
  const seq = calls.sequence();
  assert.throws(() => calls.write({}, 0, [], 0, 'a'), TypeError, 'a sequence not made by sequence()');
  assert.throws(() => calls.write(seq, -1, [], 0, 'a'), TypeError);
  assert.throws(() => calls.write(seq, 0, [1], 0, 'a'), TypeError);
  assert.throws(() => calls.write(seq, 0, [], -1, 'a'), TypeError);
  assert.throws(() => calls.write(seq, 0, [], 0), TypeError);
});

/** TempFile cases for a file that will be committed, run in a process with the given environment. */
const TEMP_FILE_CASES = `
const { TempFile, tempPathFor } = require(${JSON.stringify(require.resolve('../../lib/sinks/temp-file'))});
const { readFileSync, readdirSync, statSync } = require('fs');
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
  // Written ahead while the object comes, with or without the addon: a batch is in the file before the commit
  // (the late copies of a whole image cost several times more, temp-file.ts). Waits for the first write's bytes, at
  // most 1000 turns of 10 ms; without the write-ahead the file stays empty and the case fails.
  const ePath = tempPathFor(dir + '/e');
  file = new TempFile(ePath, { commitInOneJob: true });
  file.append(patterned(7, 300000));
  file.append(patterned(8, 1000));
  // The file itself is created asynchronously too: not there yet counts as nothing written.
  const size = () => { try { return statSync(ePath).size; } catch { return 0; } };
  for (let i = 0; i < 1000 && size() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  out.writtenAhead = size() >= 300000;
  await file.commit(dir + '/e');
  out.committedAfter = readFileSync(dir + '/e').equals(Buffer.concat([patterned(7, 300000), patterned(8, 1000)]));
  // Appended, then discarded: nothing left.
  file = new TempFile(tempPathFor(dir + '/d'), { commitInOneJob: true });
  file.append(patterned(6, 500000));
  await file.discard();
  out.files = readdirSync(dir).sort();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });`;

for (const [how, env] of [['the native commit', {}], ['Node\'s calls (DIMSE_NATIVE_COMMIT=0)', { DIMSE_NATIVE_COMMIT: '0' }]] as const) {
  test(`a file that will be committed, with ${how}: appended (and written ahead), restarted, streamed and discarded files as with any other`, inTempDir('native-commit', (dir) => {
    const r = spawnSync(process.execPath, ['-e', TEMP_FILE_CASES, dir], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { appended: true, restarted: true, streamed: true, writtenAhead: true, committedAfter: true, files: ['a', 'b', 'c', 'e'] });
  }));
}
