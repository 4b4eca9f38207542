/**
 * The soak (npm run soak, test/soak/) with small, seeded counts: every decoder fuzzed, random traffic against the
 * Storage SCP, a few SIGKILLs of our movescu, a few disk faults. Each phase must end with no crash, no hang, no file
 * lost or corrupt, no temporary file left and no write outside -od. Fixed seeds: a failure here replays exactly
 * (the failure message names the case); the full soak draws new ones.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { tempDir } from '../helpers/peers';
import { DECODER_TARGETS, fuzzDecoders } from '../soak/fuzz-decoders';
import { fuzzReceive } from '../soak/fuzz-receive';
import { KILL_BINARIES, killRounds } from '../soak/kills';
import { diskFaults } from '../soak/disk-faults';
import type { PhaseStats } from '../soak/stats';

const SEED = 1613;
const tmp = tempDir('soak-bounded');
after(() => tmp.cleanup());

function assertClean(s: PhaseStats): void {
  assert.deepEqual(s.failures, [], s.failures.join('\n'));
  assert.deepEqual({ crashes: s.crashes, hangs: s.hangs, lostOrCorrupt: s.lostOrCorrupt, leftovers: s.leftovers, outside: s.outside },
    { crashes: 0, hangs: 0, lostOrCorrupt: 0, leftovers: 0, outside: 0 });
}

test('soak, bounded: 3000 fuzz cases over every decoder end ok or in a typed error naming its place', async () => {
  const s = await fuzzDecoders({ count: 3000, seed: SEED });
  assertClean(s);
  assert.equal(s.cases, 3000);
  for (const t of DECODER_TARGETS) assert.ok((s.perTarget.get(t) ?? 0) >= 250, `${t}: ${s.perTarget.get(t)} cases`);
  // Not vacuous: damaged inputs were refused, in several layers.
  const codes = [...s.errors.keys()];
  for (const layer of ['PDU_', 'DIMSE_', 'DATASET_', 'META_', 'PDV_']) assert.ok(codes.some((c) => c.startsWith(layer)), `no ${layer} error among ${codes.join(', ')}`);
});

let unanswered = -1;

test('soak, bounded: 100 random peers against the Storage SCP: no hang, nothing half-written, every success on disk', async () => {
  const s = await fuzzReceive({ count: 100, seed: SEED });
  assertClean(s);
  unanswered = s.unanswered;
  assert.equal(s.cases, 100);
  // Not vacuous: some objects were stored and acknowledged, some associations aborted.
  assert.ok((s.errors.get('file stored') ?? 0) > 0, JSON.stringify([...s.errors]));
  assert.ok((s.errors.get('ended by A-ABORT') ?? 0) > 0, JSON.stringify([...s.errors]));
});

// Once a bug (test/faults/release-before-response.test.ts): a release request that arrived while an object was still
// being written was answered first, and the object's C-STORE-RSP was lost.
test('soak, bounded: on an association released in order, every stored object was answered', () => {
  assert.equal(unanswered, 0);
});

peerTest('soak, bounded: 3 SIGKILLs of our movescu mid-retrieval leave only complete files, equal to DCMTK\'s', KILL_BINARIES, async () => {
  const dir = join(tmp.path, 'kills');
  mkdirSync(dir);
  const s = await killRounds({ kills: 3, seed: SEED, dir });
  assertClean(s);
  assert.equal(s.cases, 3);
});

test('soak, bounded: 3 disk faults (file size limit or a full tmpfs): complete files only, no leftovers, a truthful exit code', async (t) => {
  const dir = join(tmp.path, 'disk');
  mkdirSync(dir);
  const s = await diskFaults({ runs: 3, seed: SEED, dir });
  for (const why of s.skipped) t.diagnostic(why);
  assertClean(s);
  assert.equal(s.cases, 3);
});
