/**
 * Issue 13, items 2 and 5: whatever an archive sends on the C-MOVE association, our movescu ends with a log line and
 * DCMTK's exit code, never a stack trace. The archive is scripted from our own PDU layer (test/helpers).
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { encodePdu } from '../../lib/pdu/encode';
import { encodeCommand } from '../../lib/dimse/command';
import { CommandField } from '../../lib/dimse/command-field';
import { ABORT, startHostileArchive, type ArchiveScript, type HostileArchive } from '../helpers/hostile-archive';
import { freePort, movescuCommand, runMovescu, runProcess, tempDir } from '../helpers/peers';
import { once } from 'node:events';

const tmp = tempDir('hostile-archive');
const archives: HostileArchive[] = [];
after(async () => { for (const a of archives) await a.close(); tmp.cleanup(); });

async function retrieveFrom(script: ArchiveScript, extra: string[] = []): Promise<{ code: number | null; stderr: string; stdout: string; archive: HostileArchive }> {
  const archive = await startHostileArchive(script);
  archives.push(archive);
  const cmd = movescuCommand('ours', ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(await freePort()), '-od', tmp.path,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3', ...extra, '127.0.0.1', String(archive.port)]);
  const r = await runProcess(cmd.cmd, cmd.args);
  return { code: r.code, stderr: r.stderr, stdout: r.stdout, archive };
}

/** A stack trace or an unhandled error in what the process printed. */
function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, text);
  assert.doesNotMatch(text, /Unhandled|ERR_UNHANDLED|node:internal/, text);
}

/** A C-MOVE-RSP with this status, as the archive's P-DATA-TF. */
function moveResponse(messageId: number, status: number, contextId: number): Buffer {
  const command = encodeCommand({
    CommandField: CommandField.C_MOVE_RSP, MessageIDBeingRespondedTo: messageId, Status: status,
    AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.2.2.2', CommandDataSetType: 0x0101,
  });
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand: true, isLast: true, data: command }] });
}

test('an A-ABORT right after the A-ASSOCIATE-AC: one log line, exit 69, no stack trace', async () => {
  // The crash depended on whether the abort arrived before the C-MOVE-RQ was sent: a few runs, both orders.
  for (const late of [false, true, false, true, false]) {
    const r = await retrieveFrom(async (c) => { c.send(c.acceptAll()); if (late) await c.next(); c.send(ABORT); });
    assertNoStackTrace(r.stderr + r.stdout);
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /^E: Move SCU Failed: Association aborted by the peer/m, r.stderr);
  }
});

test('garbage instead of an A-ASSOCIATE-AC: "Association Request Failed", exit 61 as DCMTK', async () => {
  const r = await retrieveFrom((c) => { c.send(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')); });
  assertNoStackTrace(r.stderr + r.stdout);
  assert.match(r.stderr, /^F: Association Request Failed:/m, r.stderr);
  assert.equal(r.code, 61, r.stderr);
});

test('an archive that never answers the A-RELEASE-RQ: "Association Release Failed", exit 67 as DCMTK', async () => {
  const r = await retrieveFrom(async (c) => {
    c.send(c.acceptAll());
    for (;;) {
      const p = await c.next();
      if (!p) return;
      if (p.type === 'P-DATA-TF' && p.pdvs.some((v) => v.isLast && !v.isCommand)) {
        c.send(moveResponse(1, 0x0000, p.pdvs[0]?.contextId ?? 3));
      }
      // A-RELEASE-RQ: no answer; the SCU's ARTIM / ACSE timeout must end it.
    }
  }, ['-ta', '1']);
  assertNoStackTrace(r.stderr + r.stdout);
  assert.match(r.stderr, /^F: Association Release Failed:/m, r.stderr);
  assert.equal(r.code, 67, r.stderr);
  assert.ok(r.archive.received.some((p) => p.type === 'A-RELEASE-RQ'), 'the release was requested');
});

test('a -k value too long for its length field: an error naming the key, exit 1, no stack trace', async () => {
  const r = await retrieveFrom((c) => { c.send(c.acceptAll()); }, ['-k', `PatientID=${'X'.repeat(70000)}`]);
  assertNoStackTrace(r.stderr + r.stdout);
  assert.equal(r.code, 1, r.stderr.slice(0, 2000));
  assert.match(r.stderr, /PatientID|\(0010,0020\)/, r.stderr.slice(0, 2000));
});

test('endless pending responses: 1,000,000 before the final one in the memory of 100,000 (flat: nothing kept per response), exit 0', async (t) => {
  const peaks: number[] = [];
  // Node's heap grows to a working size over the first tens of thousands; past that, a leak would keep growing. Peak
  // RSS varies by some 10 MB from run to run (when the collector runs), so the second run is long enough for a leak
  // of 27 bytes per response to show above that (900,000 × 27 bytes > 24 MB).
  for (const count of [100_000, 1_000_000]) {
    const archive = await startHostileArchive(async (c) => {
      c.send(c.acceptAll());
      for (;;) {
        const p = await c.next();
        if (!p) return;
        if (p.type === 'P-DATA-TF' && p.pdvs.some((v) => v.isLast && !v.isCommand)) {
          const ctx = p.pdvs[0]?.contextId ?? 3;
          const pending = moveResponse(1, 0xff00, ctx);
          for (let sent = 0; sent < count; sent += 500) {
            c.send(Buffer.concat(Array.from({ length: Math.min(500, count - sent) }, () => pending)));
            if (c.socket.writableNeedDrain) await once(c.socket, 'drain');
          }
          c.send(moveResponse(1, 0x0000, ctx));
        } else if (p.type === 'A-RELEASE-RQ') {
          c.send(encodePdu({ type: 'A-RELEASE-RP' }));
        }
      }
    });
    archives.push(archive);
    const r = await runMovescu('ours', ['-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(await freePort()), '-od', tmp.path,
      '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3', '127.0.0.1', String(archive.port)], { time: true });
    assert.equal(r.code, 0, r.stderr.slice(0, 2000));
    assert.ok(r.usage, 'peak RSS measured (/usr/bin/time)');
    peaks.push(r.usage.maxRssKb);
  }
  t.diagnostic(`peak RSS: ${peaks.map((k) => `${(k / 1024).toFixed(0)} MB`).join(' (100,000 pending) vs ')} (1,000,000 pending)`);
  assert.ok(peaks[1]! - peaks[0]! < 24 * 1024, `peak RSS ${peaks.join(' vs ')} kB`);
});
