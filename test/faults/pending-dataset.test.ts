/**
 * -pi / -pr: an archive that sends a data set after a pending C-MOVE response (a protocol violation some archives
 * commit). DCMTK's movescu and ours against the same scripted archive (test/helpers), compared line by line.
 * DCMTK's default (-pi) assumes the data set is absent, so the data fragment that does come fails the C-MOVE; -pr
 * reads and drops it.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { encodePdu } from '../../lib/pdu/encode';
import { encodeCommand } from '../../lib/dimse/command';
import { CommandField } from '../../lib/dimse/command-field';
import { startHostileArchive, type HostileArchive } from '../helpers/hostile-archive';
import { freePort, runMovescu, tempDir, type MovescuImpl, type MovescuResult } from '../helpers/peers';
import { peerTest } from '../helpers/peer-gate';

const tmp = tempDir('pending-dataset');
const archives: HostileArchive[] = [];
after(async () => { for (const a of archives) await a.close(); tmp.cleanup(); });

/** (0008,0052) CS "STUDY", implicit VR little endian: the identifier an archive might wrongly attach. */
const IDENTIFIER = Buffer.concat([Buffer.from([0x08, 0x00, 0x52, 0x00, 6, 0, 0, 0]), Buffer.from('STUDY ')]);

/** A C-MOVE-RSP; `announce`: its (0000,0800) says a data set follows; `attach`: one does. */
function moveResponse(status: number, contextId: number, remaining: number, announce = false, attach = false): Buffer {
  const command = encodeCommand({
    CommandField: CommandField.C_MOVE_RSP, MessageIDBeingRespondedTo: 1, Status: status,
    AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.2.2.2', CommandDataSetType: announce ? 0x0000 : 0x0101,
    NumberOfRemainingSuboperations: remaining, NumberOfCompletedSuboperations: 0, NumberOfFailedSuboperations: 0,
    NumberOfWarningSuboperations: 0,
  });
  const pdus = [encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand: true, isLast: true, data: command }] })];
  if (attach) pdus.push(encodePdu({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand: false, isLast: true, data: IDENTIFIER }] }));
  return Buffer.concat(pdus);
}

/** Answers each C-MOVE with a pending response (data set as told), a plain pending one and a success; releases. */
async function archive(announce: boolean, attach: boolean): Promise<HostileArchive> {
  const a = await startHostileArchive(async (c) => {
    const ac = c.acceptAll();
    // Implicit VR little endian, the syntax of the attached identifier.
    c.send({ ...ac, presentationContexts: ac.presentationContexts.map((pc) => ({ ...pc, transferSyntax: '1.2.840.10008.1.2' })) });
    for (;;) {
      const p = await c.next();
      if (!p) return;
      if (p.type === 'P-DATA-TF' && p.pdvs.some((v) => v.isLast && !v.isCommand)) {
        const ctx = p.pdvs[0]?.contextId ?? 3;
        c.send(Buffer.concat([moveResponse(0xff00, ctx, 2, announce, attach), moveResponse(0xff00, ctx, 1), moveResponse(0x0000, ctx, 0)]));
      } else if (p.type === 'A-RELEASE-RQ') {
        c.send(encodePdu({ type: 'A-RELEASE-RP' }));
      } else if (p.type === 'A-ABORT') {
        // As a real archive: DCMTK waits for the connection to close after its A-ABORT (up to -ta).
        c.socket.destroy();
        return;
      }
    }
  });
  archives.push(a);
  return a;
}

async function run(which: MovescuImpl, a: HostileArchive, extra: string[]): Promise<MovescuResult> {
  return runMovescu(which, ['-v', '-S', '-aec', 'ARCHIVE', '+P', String(await freePort()), '-od', tmp.path,
    '-k', 'QueryRetrieveLevel=STUDY', '-k', 'StudyInstanceUID=1.2.3', ...extra, '127.0.0.1', String(a.port)]);
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

peerTest('-pr: a data set after a pending response is read and dropped, DCMTK\'s two warnings, exit 0; stderr identical', ['movescu'], async () => {
  const a = await archive(true, true);
  const dcmtk = await run('dcmtk', a, ['-pr']);
  const ours = await run('ours', a, ['-pr']);
  assert.equal(dcmtk.code, 0, dcmtk.stderr);
  assert.equal(ours.code, 0, ours.stderr);
  assert.ok(lines(dcmtk.stderr).includes('W: DIMSE Warning: (MOVESCU,ARCHIVE): Reading but ignoring response identifier set'), dcmtk.stderr);
  assert.deepEqual(lines(ours.stderr), lines(dcmtk.stderr));
});

peerTest('-pi (default): the data set after a pending response fails the C-MOVE: DCMTK\'s warnings and "Command PDV Expected"; exit 69 (DCMTK: 0)', ['movescu'], async () => {
  const a = await archive(true, true);
  for (const extra of [[], ['-pr', '-pi']]) {
    const dcmtk = await run('dcmtk', a, extra);
    const ours = await run('ours', a, extra);
    const warnings = (s: string): string[] => lines(s).filter((l) => l.startsWith('W: '));
    assert.deepEqual(warnings(dcmtk.stderr), [
      'W: DIMSE Warning: (MOVESCU,ARCHIVE): moveUser: Status Pending, but DataSetType!=NULL',
      'W: DIMSE Warning: (MOVESCU,ARCHIVE): Assuming NO response identifiers are present',
    ], dcmtk.stderr);
    assert.deepEqual(warnings(ours.stderr), warnings(dcmtk.stderr));
    // The lines up to the failure are the same; then both name the broken rule.
    const before = (s: string): string[] => lines(s).slice(0, lines(s).indexOf('I: Received Move Response 1 (Pending)') + 1);
    assert.deepEqual(before(ours.stderr), before(dcmtk.stderr));
    assert.match(dcmtk.stderr, /^E: Move SCU Failed: .*\nE: .*DIMSE: Command PDV Expected$/m, dcmtk.stderr);
    assert.match(ours.stderr, /^E: Move SCU Failed: DIMSE: Command PDV Expected/m, ours.stderr);
    assert.doesNotMatch(ours.stderr, /Received Move Response 2/, ours.stderr);
    // DCMTK exits 0 after a broken C-MOVE; we exit 69 (README: "Where DCMTK is weak").
    assert.equal(dcmtk.code, 0, dcmtk.stderr);
    assert.equal(ours.code, 69, ours.stderr);
  }
});

peerTest('-pi (default): a pending response that announces a data set and sends none: DCMTK\'s warnings, the retrieval goes on, exit 0, stderr identical', ['movescu'], async () => {
  const a = await archive(true, false);
  const dcmtk = await run('dcmtk', a, []);
  const ours = await run('ours', a, []);
  assert.equal(dcmtk.code, 0, dcmtk.stderr);
  assert.equal(ours.code, 0, ours.stderr);
  assert.ok(lines(dcmtk.stderr).includes('I: Received Final Move Response (Success)'), dcmtk.stderr);
  assert.deepEqual(lines(ours.stderr), lines(dcmtk.stderr));
});
