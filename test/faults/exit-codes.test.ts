/**
 * DCMTK 3.6.7 movescu's exit code 67 (EXITCODE_CANNOT_CLOSE_ASSOCIATION) for each way an archive can make the release
 * fail, DCMTK's movescu and ours against the same scripted archive: same code, same first fatal line. (Its other
 * 67 cases, an A-ABORT or the closing of the network failing, and codes 3 and 65 cannot be brought about from
 * outside: the README's exit code section says why.)
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { encodePdu } from '../../lib/pdu/encode';
import { encodeCommand } from '../../lib/dimse/command';
import { CommandField } from '../../lib/dimse/command-field';
import { startHostileArchive, type HostileArchive } from '../helpers/hostile-archive';
import { runMovescu, type MovescuImpl, type MovescuResult } from '../helpers/peers';
import { peerTest } from '../helpers/peer-gate';

const archives: HostileArchive[] = [];
after(async () => { for (const a of archives) await a.close(); });

function finalResponse(contextId: number): Buffer {
  const command = encodeCommand({
    CommandField: CommandField.C_MOVE_RSP, MessageIDBeingRespondedTo: 1, Status: 0x0000,
    AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.2.2.2', CommandDataSetType: 0x0101,
  });
  return encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand: true, isLast: true, data: command }] });
}

/** Answers the C-MOVE with success at once, then does `afterFinal` (the socket) and ignores any release request. */
async function archive(afterFinal: 'close' | 'keep-silent'): Promise<HostileArchive> {
  const a = await startHostileArchive(async (c) => {
    c.send(c.acceptAll());
    for (;;) {
      const p = await c.next();
      if (!p) return;
      if (p.type === 'P-DATA-TF' && p.pdvs.some((v) => v.isLast && !v.isCommand)) {
        c.send(finalResponse(p.pdvs[0]?.contextId ?? 3));
        if (afterFinal === 'close') { c.socket.end(); return; }
      } else if (p.type === 'A-ABORT') {
        c.socket.destroy();
        return;
      }
    }
  });
  archives.push(a);
  return a;
}

function run(which: MovescuImpl, a: HostileArchive, extra: string[] = []): Promise<MovescuResult> {
  return runMovescu(which, ['-S', '-aec', 'ARCHIVE', '-ta', '1', '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3',
    ...extra, '127.0.0.1', String(a.port)]);
}

const fatal = (s: string): string[] => s.split('\n').filter((l) => l.startsWith('F: '));

for (const [what, afterFinal] of [
  ['closes the connection after the final response', 'close'],
  ['never answers the A-RELEASE-RQ (-ta 1)', 'keep-silent'],
] as const) {
  peerTest(`67: an archive that ${what}: "Association Release Failed:", exit 67, as DCMTK`, ['movescu'], async () => {
    const a = await archive(afterFinal);
    const dcmtk = await run('dcmtk', a);
    const ours = await run('ours', a);
    assert.equal(dcmtk.code, 67, dcmtk.stderr);
    assert.equal(ours.code, 67, ours.stderr);
    assert.equal(fatal(dcmtk.stderr)[0], 'F: Association Release Failed:', dcmtk.stderr);
    assert.equal(fatal(ours.stderr)[0], fatal(dcmtk.stderr)[0], ours.stderr);
    // The second line is the cause: DCMTK's condition text, ours in our words.
    assert.equal(fatal(ours.stderr).length, 2, ours.stderr);
  });
}

peerTest('--abort after the archive closed the connection: the A-ABORT needs no answer, exit 0, as DCMTK', ['movescu'], async () => {
  const a = await archive('close');
  const dcmtk = await run('dcmtk', a, ['-v', '--abort']);
  const ours = await run('ours', a, ['-v', '--abort']);
  assert.equal(dcmtk.code, 0, dcmtk.stderr);
  assert.equal(ours.code, 0, ours.stderr);
  const last = (s: string): string | undefined => s.trimEnd().split('\n').at(-1);
  assert.equal(last(dcmtk.stderr), 'I: Aborting Association', dcmtk.stderr);
  assert.equal(last(ours.stderr), last(dcmtk.stderr), ours.stderr);
});
