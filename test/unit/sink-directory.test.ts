/**
 * The directory sink writes every byte it is given, whatever the size: around the size gathered in memory
 * (2 MiB) and well past it, in bit-preserving and in normal mode (fast path with the check alongside), each file is
 * the file meta information followed by exactly the received data set.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { directorySink } from '../../lib/sinks/directory';
import { silentLogger } from '../../lib/log';
import { createReceivedObject, type ReceivedObject } from '../../lib/received-object';
import { encodeDataset } from '../../lib/dataset/codec/encode';
import { parseFileMeta } from '../../lib/dataset/part10/file-meta';
import type { OutputMode } from '../../lib/sinks/output-mode';
import { isSpareName } from '../helpers/stored-names';

const SC = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A valid explicit VR LE data set whose total length is exactly `total` bytes (an OB value fills the rest). */
function datasetOfSize(total: number, uid: string): Buffer {
  const head = encodeDataset([
    { tag: 0x00080016, vr: 'UI', value: Buffer.from(`${SC}\0`) },
    { tag: 0x00080018, vr: 'UI', value: Buffer.from(uid.length % 2 ? `${uid}\0` : uid) },
  ], EXPLICIT_LE);
  const fill = total - head.length - 12;
  const ob = Buffer.alloc(12 + fill);
  ob.writeUInt16LE(0x7fe0, 0); ob.writeUInt16LE(0x0010, 2); ob.write('OB', 4, 'latin1'); ob.writeUInt32LE(fill, 8);
  for (let i = 12; i < ob.length; i++) ob[i] = (i * 31) & 0xff;
  return Buffer.concat([head, ob]);
}

function objectOf(data: Buffer, uid: string): ReceivedObject {
  const chunks: Buffer[] = [];
  for (let o = 0; o < data.length; o += 16372) chunks.push(data.subarray(o, o + 16372));
  return createReceivedObject({
    sopClassUid: SC, sopInstanceUid: uid, transferSyntaxUid: EXPLICIT_LE, callingAeTitle: 'PEER', calledAeTitle: 'US', messageId: 1,
  }, Readable.from(chunks));
}

const MIB = 1024 * 1024;
const SIZES = [64, 2 * MIB - 2, 2 * MIB, 2 * MIB + 2, 5 * MIB + 6];
const MODES: [string, OutputMode][] = [['bit-preserving', { kind: 'bit-preserving' }], ['normal', { kind: 'normal' }]];

for (const [label, mode] of MODES) {
  test(`${label}: every byte of objects of ${SIZES.join(', ')} bytes reaches its file`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    try {
      const objects = SIZES.map((n, i) => ({ uid: `1.2.3.${i + 1}`, data: datasetOfSize(n, `1.2.3.${i + 1}`) }));
      const received = objects.map((o) => objectOf(o.data, o.uid));
      await pipeline(Readable.from(received), directorySink({ directory: dir, mode }));
      for (const r of received) assert.equal((await r.settled).stored, true);
      assert.equal(readdirSync(dir).length, objects.length);
      for (const o of objects) {
        const file = readFileSync(join(dir, `SC.${o.uid}`));
        const meta = parseFileMeta(file, { final: true });
        assert.ok(meta, o.uid);
        assert.ok(file.subarray(meta.datasetOffset).equals(o.data), `${o.uid}: data set differs (${file.length - meta.datasetOffset} vs ${o.data.length} bytes)`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('normal mode: a small object found out of order after its first bytes were written ahead is stored converted, nothing of the first writing left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sink-'));
  try {
    const uid = '1.2.3.9';
    const sop = [
      { tag: 0x00080016, vr: 'UI', value: Buffer.from(`${SC}\0`) },
      { tag: 0x00080018, vr: 'UI', value: Buffer.from(`${uid}\0`) },
    ];
    const pixels = { tag: 0x7fe00010, vr: 'OB', value: Buffer.alloc(100, 7) };
    const studyDate = { tag: 0x00080020, vr: 'DA', value: Buffer.from('20261130') };
    // Study Date after Pixel Data, then Pixel Data once more, 600 KB of it (DCMTK keeps the first): the data set
    // converted is a few hundred bytes, far less than the bytes as received that the sink began to write.
    const received = encodeDataset([...sop, pixels, studyDate, { tag: 0x7fe00010, vr: 'OB', value: Buffer.alloc(600_000, 9) }], EXPLICIT_LE);
    const obj = objectOf(received, uid);
    await pipeline(Readable.from([obj]), directorySink({ directory: dir, mode: { kind: 'normal' } }));
    assert.deepEqual(await obj.settled, { stored: true });
    assert.deepEqual(readdirSync(dir), [`SC.${uid}`]);
    const file = readFileSync(join(dir, `SC.${uid}`));
    const meta = parseFileMeta(file, { final: true });
    assert.ok(meta);
    const expected = encodeDataset([...sop, studyDate, pixels], EXPLICIT_LE);
    assert.ok(file.subarray(meta.datasetOffset).equals(expected), `data set of ${file.length - meta.datasetOffset} bytes, expected the ${expected.length} sorted`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory planted at the final name (EISDIR), or an output directory removed mid-run: 0xA700, no temporary file, the next object goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sink-'));
  try {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'SC.1.2.3.1'));
    mkdirSync(join(dir, 'SC.1.2.3.1', 'x'));
    const planted = objectOf(datasetOfSize(64, '1.2.3.1'), '1.2.3.1');
    const fine = objectOf(datasetOfSize(64, '1.2.3.2'), '1.2.3.2');
    await pipeline(Readable.from([planted, fine]), directorySink({ directory: dir }));
    assert.deepEqual(await planted.settled, { stored: false, reason: 'out-of-resources', comment: undefined });
    assert.deepEqual(await fine.settled, { stored: true });
    assert.deepEqual(readdirSync(dir).sort(), ['SC.1.2.3.1', 'SC.1.2.3.2']);
    // The output directory itself disappears: the object is refused, nothing is written anywhere else.
    const gone = join(dir, 'gone');
    mkdirSync(gone);
    const sink = directorySink({ directory: gone });
    rmSync(gone, { recursive: true });
    const lost = objectOf(datasetOfSize(64, '1.2.3.3'), '1.2.3.3');
    await pipeline(Readable.from([lost]), sink);
    assert.equal((await lost.settled).stored, false);
    assert.deepEqual(readdirSync(dir).sort(), ['SC.1.2.3.1', 'SC.1.2.3.2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a read-only output directory (a read-only tmpfs): 0xA700 with the system\'s error, nothing left', async (t) => {
  const { mkdirSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'sink-ro-'));
  const mnt = join(dir, 'ro');
  mkdirSync(mnt);
  // Root writes through file modes, so a read-only mount is the way to a read-only directory; it needs mount(2).
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`cannot mount a read-only tmpfs here: ${(m.stderr || m.error?.message || '').trim()}`);
    return;
  }
  try {
    const errors: string[] = [];
    const obj = objectOf(datasetOfSize(64, '1.2.3.9'), '1.2.3.9');
    await pipeline(Readable.from([obj]), directorySink({ directory: mnt, logger: { ...silentLogger, error: (e) => errors.push(e) } }));
    assert.equal((await obj.settled).stored, false);
    assert.match(errors.join('\n'), /cannot write DICOM file: .*EROFS/);
    assert.deepEqual(readdirSync(mnt), []);
  } finally {
    spawnSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Waits (a bounded number of turns of the event loop, no clock) until `cond` holds. */
async function turnsUntil(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  return cond();
}

for (const end of ['ended', 'destroyed'] as const) {
  test(`the next object's temporary file is created ahead of it, and is removed when the sink is ${end}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    try {
      const sink = directorySink({ directory: dir });
      const closed = new Promise((resolve) => sink.on('close', resolve));
      sink.on('error', () => {});
      const first = objectOf(datasetOfSize(64, '1.2.3.1'), '1.2.3.1');
      sink.write(first);
      assert.deepEqual(await first.settled, { stored: true });
      assert.ok(await turnsUntil(() => readdirSync(dir).some(isSpareName)), `a spare beside the first file: ${readdirSync(dir).join(', ')}`);
      const second = objectOf(datasetOfSize(64, '1.2.3.2'), '1.2.3.2');
      sink.write(second);
      assert.deepEqual(await second.settled, { stored: true });
      if (end === 'ended') sink.end();
      else sink.destroy(new Error('the retrieval failed'));
      await closed;
      assert.deepEqual(readdirSync(dir).sort(), ['SC.1.2.3.1', 'SC.1.2.3.2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** A full collection, from a test (V8 lets a running process expose gc()). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const WRITE_PATHS: [string, OutputMode][] = [
  ['bit-preserving (as received, framing checked)', { kind: 'bit-preserving' }],
  ['normal (as received, re-encode check alongside)', { kind: 'normal' }],
  ['normal with +ti (converted as it streams)', { kind: 'normal', write: { transferSyntax: '1.2.840.10008.1.2' } }],
];

for (const [label, mode] of WRITE_PATHS) {
  test(`${label}: a large object's first chunks are let go once written, not held until its last byte`, async () => {
    const gc = collector();
    const dir = mkdtempSync(join(tmpdir(), 'sink-'));
    try {
      const data = datasetOfSize(12 * MIB, '1.2.3.1');
      const firstChunks: WeakRef<Buffer>[] = [];
      let heldAtMidpoint = -1;
      const written = (): number => readdirSync(dir).filter(isSpareName).reduce((n, f) => Math.max(n, statSync(join(dir, f)).size), 0);
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let o = 0; o < data.length; o += 16372) {
          // Fresh Buffer objects (copies), so that only the sink can keep one alive.
          const c = Buffer.from(data.subarray(o, o + 16372));
          if (o < MIB) firstChunks.push(new WeakRef(c));
          if (o >= 8 * MIB && heldAtMidpoint < 0) {
            assert.ok(await turnsUntil(() => written() >= 6 * MIB), `6 MiB written before the 8th is given: ${written()}`);
            gc();
            heldAtMidpoint = firstChunks.filter((r) => r.deref() !== undefined).length;
          }
          yield c;
        }
      }
      const obj = createReceivedObject({
        sopClassUid: SC, sopInstanceUid: '1.2.3.1', transferSyntaxUid: EXPLICIT_LE, callingAeTitle: 'PEER', calledAeTitle: 'US', messageId: 1,
      }, Readable.from(chunks()));
      await pipeline(Readable.from([obj]), directorySink({ directory: dir, mode }));
      assert.deepEqual(await obj.settled, { stored: true });
      assert.ok(firstChunks.length > 60);
      assert.equal(heldAtMidpoint, 0, `${heldAtMidpoint} of the first ${firstChunks.length} chunks still held 8 MiB later`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
