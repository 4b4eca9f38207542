/**
 * DCMTK's default ("normal") mode re-encodes what it receives: undefined lengths become explicit, group lengths are
 * recalculated, odd-length strings padded. dcmqrscp re-encodes before sending, so this needs an archive that sends
 * stored bytes unchanged: our own. Same retrieval with DCMTK's movescu and ours, compared file by file: our fast
 * path must hand exactly those objects to the converter, and the converter must write what DCMTK writes. With +B both
 * must write the bytes as stored.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { peerTest } from '../helpers/peer-gate';
import { compareDirs, compareFiles, datasetWithoutPadding, formatDirDiff, readPart10Header, runBoth, tempDir, type TempDir, type PairRun } from '../helpers/peers';
import { makeStudy, type GeneratedStudy } from '../helpers/dicom-gen';
import { startOwnArchive } from '../helpers/archive';
import { elementHeader, itemHeader } from '../../lib/dataset/codec/encode';
import { encodeFileMeta } from '../../lib/dataset/part10/file-meta';
import { cleanupsAfter } from '../helpers/cleanups';

const DCMTK = ['dump2dcm', 'dcmconv', 'movescu'];

interface Setup { tmp: TempDir; qrPort: number; storePort: number; study: GeneratedStudy }
let setup: Promise<Setup> | undefined;
const cleanups = cleanupsAfter();

function dcmconv(args: string[], file: string): void {
  const r = spawnSync('dcmconv', [...args, file, file]);
  assert.equal(r.status, 0, r.stderr.toString());
}

function archive(): Promise<Setup> {
  setup ??= (async () => {
    const tmp = tempDir('retrieve-own-archive');
    cleanups.push(() => tmp.cleanup());
    const { study, qrPort, storePort, close } = await startOwnArchive({
      folder: join(tmp.path, 'src'),
      study: async (dir) => {
        const study = await makeStudy({
          dir, patientId: 'OWN1',
          series: [
            { sopClass: 'sr', count: 2, transferSyntax: 'implicit', undefinedLengths: true },
            { sopClass: 'sr', count: 1, transferSyntax: 'explicit', undefinedLengths: true },
            { sopClass: 'ct', count: 2, rows: 16, cols: 16, transferSyntax: 'explicit' },
            { sopClass: 'mr', count: 1, rows: 8, cols: 8, transferSyntax: 'implicit' },
          ],
        });
        // Variants DCMTK's normal mode changes: group lengths present, undefined-length items in an image.
        dcmconv(['+g'], study.files[3]!);
        dcmconv(['-e', '+g'], study.files[5]!);
        return study;
      },
    });
    cleanups.push(close);
    return { tmp, qrPort, storePort, study };
  })();
  return setup;
}

/** DCMTK's movescu and ours, same options, each into a fresh directory (DCMTK's +B writes into its working directory). */
function both(s: Setup, extra: string[], dcmtkCwdIsOut = false): Promise<PairRun> {
  return runBoth(s.tmp.path, (out) => ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(s.storePort), '-od', out, ...extra,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${s.study.studyUid}`, '127.0.0.1', String(s.qrPort)], { dcmtkCwdIsOut });
}

peerTest('own archive, normal mode: objects DCMTK re-encodes come out as DCMTK writes them', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, []);
  assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  assert.equal(readdirSync(r.a).length, s.study.files.length);
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, `${formatDirDiff(d)}\n${r.ours.stderr}`);
  // Not a vacuous comparison: the three SR objects with undefined-length sequences really were re-encoded.
  // (Correct group lengths and -e on objects without sequences leave the bytes as they are, for DCMTK too.)
  let reencoded = 0;
  for (const i of s.study.instances) {
    if (await compareFiles(i.file, join(r.b, i.dcmtkName ?? ''), i.dcmtkName)) reencoded++;
  }
  assert.equal(reencoded, 3);
});

peerTest('own archive, +B: both write the data sets exactly as stored', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, ['+B'], true);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  const d = await compareDirs(r.a, r.b);
  assert.ok(d.identical, `${formatDirDiff(d)}\n${r.ours.stderr}`);
  assert.equal(d.compared, s.study.files.length);
});

/** Each output option through the network: our files must be DCMTK's, byte for byte (deflated: once inflated). */
const OUTPUT_OPTIONS: string[][] = [
  ['+te'], ['+tb'], ['+ti'], ['+g'], ['-g'], ['-e'], ['+p', '64', '8'], ['-u'], ['-F'], ['+ti', '+g', '-e'], ['+tb', '-u', '+p', '32', '4'],
];

for (const opts of OUTPUT_OPTIONS) {
  peerTest(`own archive, output option ${opts.join(' ')}: files identical to DCMTK's`, DCMTK, async () => {
    const s = await archive();
    const r = await both(s, opts);
    assert.equal(r.ours.code, r.dcmtk.code, `${r.dcmtk.stderr}\n${r.ours.stderr}`);
    assert.equal(readdirSync(r.a).length, s.study.files.length, r.dcmtk.stderr);
    if (opts.includes('-F')) {
      // No meta: compare the whole files.
      for (const name of readdirSync(r.a)) assert.ok(readFileSync(join(r.a, name)).equals(readFileSync(join(r.b, name))), name);
      return;
    }
    if (opts.includes('+p')) {
      // +p f aligns the whole file, meta included, and our meta names another implementation (and the sending AE):
      // the padding's length differs by design (one file may need none where the other needs some). Both must be
      // aligned on f, and the data sets equal once their trailing padding element is taken off.
      const f = Number(opts[opts.indexOf('+p') + 1]);
      let padded = 0;
      for (const name of readdirSync(r.a)) {
        const [fa, fb] = [readFileSync(join(r.a, name)), readFileSync(join(r.b, name))];
        assert.equal(fa.length % f, 0, `DCMTK ${name}`);
        assert.equal(fb.length % f, 0, `ours ${name}`);
        const [ha, hb] = [await readPart10Header(join(r.a, name)), await readPart10Header(join(r.b, name))];
        const [da, db] = [datasetWithoutPadding(fa, ha), datasetWithoutPadding(fb, hb)];
        assert.ok(da.body.equals(db.body), name);
        if (da.padded) padded++;
      }
      // Not vacuous: DCMTK did pad (a file already aligned gets no padding element).
      assert.ok(padded > 0, 'no DCMTK file had a padding element');
      return;
    }
    const d = await compareDirs(r.a, r.b);
    assert.ok(d.identical, `${formatDirDiff(d)}\n${r.ours.stderr}`);
  });
}

peerTest('own archive, +td: deflated files whose data sets inflate to DCMTK\'s', DCMTK, async () => {
  const s = await archive();
  const r = await both(s, ['+td', '+cl', '9']);
  assert.equal(r.ours.code, 0, r.ours.stderr);
  const names = readdirSync(r.a).sort();
  assert.deepEqual(readdirSync(r.b).sort(), names);
  for (const name of names) {
    const [ha, hb] = [await readPart10Header(join(r.a, name)), await readPart10Header(join(r.b, name))];
    const ts = (h: typeof ha) => h.meta.find((e) => e.tag === '00020010')?.value.toString('latin1').replace(/\0$/, '');
    assert.equal(ts(hb), '1.2.840.10008.1.2.1.99', name);
    assert.equal(ts(ha), ts(hb), name);
    const inflate = (file: string, at: number) => inflateRawSync(readFileSync(file).subarray(at));
    assert.ok(inflate(join(r.a, name), ha.datasetOffset).equals(inflate(join(r.b, name), hb.datasetOffset)), name);
  }
});

/**
 * A data set with elements out of tag order and repeated, at the top level and inside a sequence's item (writers
 * that do this exist), with `pixelBytes` of pixel data: above 2 MiB it takes the streamed path.
 */
function outOfOrderObject(sopInstance: string, pixelBytes: number): Buffer {
  const ex = { explicitVr: true, littleEndian: true };
  const str = (tag: number, vr: string, v0: string): Buffer => {
    const v = v0.length % 2 === 0 ? v0 : v0 + (vr === 'UI' ? '\0' : ' ');
    return Buffer.concat([elementHeader(tag, vr, v.length, ex), Buffer.from(v, 'latin1')]);
  };
  const item = Buffer.concat([str(0x00081155, 'UI', '1.2.3.4'), str(0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.7'), str(0x00081155, 'UI', '9.9')]);
  const pixels = Buffer.alloc(pixelBytes);
  for (let i = 0; i < pixels.length; i++) pixels[i] = i & 0xff;
  const dataset = Buffer.concat([
    str(0x00080018, 'UI', sopInstance),
    str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'),
    str(0x00100020, 'LO', 'ORDER1'),
    elementHeader(0x00081140, 'SQ', 8 + item.length, ex), itemHeader(0xfffee000, item.length, ex), item,
    str(0x00100010, 'PN', 'Order^Out'),
    str(0x0020000d, 'UI', '1.2.826.0.1.3680043.2.1143.9102'),
    str(0x0020000e, 'UI', '1.2.826.0.1.3680043.2.1143.9103'),
    elementHeader(0x7fe00010, 'OB', pixels.length, ex), pixels,
    str(0x00100020, 'LO', 'REPEATED'),
    str(0x00080060, 'CS', 'OT'),
  ]);
  return Buffer.concat([encodeFileMeta({
    mediaStorageSopClassUid: '1.2.840.10008.5.1.4.1.1.7', mediaStorageSopInstanceUid: sopInstance,
    transferSyntaxUid: '1.2.840.10008.1.2.1', implementationClassUid: '1.2.3.4.5', implementationVersionName: 'TEST',
  }), dataset]);
}

peerTest('own archive, normal mode, +te, +tb +g: elements out of tag order and repeated are sorted, the first kept, as DCMTK writes them (small and large objects)', DCMTK, async () => {
  const tmp = tempDir('retrieve-own-archive-order');
  cleanups.push(() => tmp.cleanup());
  const folder = join(tmp.path, 'src');
  mkdirSync(folder);
  writeFileSync(join(folder, 'ooo-small.dcm'), outOfOrderObject('1.2.826.0.1.3680043.2.1143.9101', 1000));
  // Over 2 MiB: streamed to the file, then rewritten in order from it.
  writeFileSync(join(folder, 'ooo-large.dcm'), outOfOrderObject('1.2.826.0.1.3680043.2.1143.9104', 3 * 1024 * 1024));
  const { qrPort, storePort, close } = await startOwnArchive({ folder });
  cleanups.push(close);
  // Normal mode (the check path), and conversions (the large object: two passes, as its head is out of order).
  for (const extra of [[], ['+te'], ['+tb', '+g']]) {
    const r = await runBoth(tmp.path, (out) => ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort), '-od', out, ...extra,
      '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.826.0.1.3680043.2.1143.9102', '127.0.0.1', String(qrPort)]);
    assert.equal(r.dcmtk.code, 0, r.dcmtk.stderr);
    assert.equal(r.ours.code, 0, r.ours.stderr);
    assert.equal(readdirSync(r.a).length, 2);
    const d = await compareDirs(r.a, r.b);
    assert.ok(d.identical, `${extra.join(' ')}: ${formatDirDiff(d)}\n${r.ours.stderr}`);
    // The same warnings as DCMTK's (which logs them while it reads each object).
    const warnings = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('W: DcmItem:'));
    assert.ok(warnings(r.dcmtk.stderr).length >= 6, r.dcmtk.stderr);
    assert.deepEqual(warnings(r.ours.stderr), warnings(r.dcmtk.stderr), extra.join(' '));
    // Not vacuous: the large file really was rewritten: the repeated Patient ID (after the pixel data) is gone.
    assert.ok(readFileSync(join(folder, 'ooo-large.dcm')).includes('REPEATED'));
    assert.ok(!readFileSync(join(r.b, 'SC.1.2.826.0.1.3680043.2.1143.9104')).includes('REPEATED'));
  }
});
