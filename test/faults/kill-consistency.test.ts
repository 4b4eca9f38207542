/**
 * Issue 13, item 5: crash consistency. Our movescu is killed with SIGKILL at random moments while it retrieves a
 * study from DCMTK's dcmqrscp into one directory, run after run, as a user would retry. After every kill, each
 * file under a final name must be complete and equal to the file DCMTK's movescu writes for the same object (only
 * temporary files may be partial). The next run removes the temporary files a killed run left, and the last run,
 * not killed, leaves exactly DCMTK's tree and no temporary file. KILLS (default 8) sets how many; SEED replays a
 * sequence of kill times. The body is test/soak/kills.ts, which the soak runs with 200 kills.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { peerTest } from '../helpers/peer-gate';
import { tempDir } from '../helpers/peers';
import { KILL_BINARIES, killRounds } from '../soak/kills';

const KILLS = Number(process.env.KILLS ?? 8);
const tmp = tempDir('kill-consistency');
after(() => tmp.cleanup());

peerTest(`SIGKILL at ${KILLS} random moments: every file under a final name equals DCMTK's; the next run removes the leftovers`, KILL_BINARIES, async (t) => {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  const s = await killRounds({ kills: KILLS, seed, dir: tmp.path, log: (l) => t.diagnostic(l) });
  assert.deepEqual(s.failures, []);
  assert.equal(s.cases, KILLS);
  assert.equal(s.lostOrCorrupt + s.leftovers + s.outside, 0);
});
