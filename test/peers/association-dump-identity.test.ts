/**
 * The association dump (lib/dcmtk/association-dump.ts, movescu's debug log of each sub-association's request)
 * against DCMTK's storescp printing the same request: storescu sends an A-ASSOCIATE-RQ with each kind of user
 * identity (PS3.7 D.3.3.7) once to a bare TCP listener, which keeps its bytes, and once to `storescp -d`; our dump
 * of the kept bytes, with storescp's own parameters, must read as storescp's, line for line.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerTest } from '../helpers/peer-gate';
import { associationBlocks, freePort, runProcess, spawnGroup, tempDir, waitForListening } from '../helpers/peers';
import { makeStudy } from '../helpers/dicom-gen';
import { cleanupsAfter } from '../helpers/cleanups';
import { decodePdu } from '../../lib/pdu';
import { dumpAssociationParameters } from '../../lib/dcmtk/association-dump';

const cleanups = cleanupsAfter();

/** The first PDU a client sends to a listener that answers nothing and closes once it has it. */
async function firstPdu(run: (port: number) => Promise<unknown>): Promise<Buffer> {
  let got: Buffer | undefined;
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('error', () => { /* the client may go first */ });
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 6 && buf.length >= 6 + buf.readUInt32BE(2)) {
        got ??= buf.subarray(0, 6 + buf.readUInt32BE(2));
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  assert.ok(got, 'the client sent no whole PDU');
  return got;
}

const IDENTITIES: Record<string, (dir: string) => string[]> = {
  'username and password, positive response requested': () => ['-usr', 'alice', '-pwd', 'secret', '-rsp'],
  'username only': () => ['-usr', 'bob'],
  'username with an empty password': () => ['-usr', 'carol', '-epw'],
  'Kerberos ticket': (dir) => ['-kt', write(dir, 'ticket.bin', 'KRB5-TICKET-BYTES')],
  'SAML assertion': (dir) => ['--saml', write(dir, 'assertion.xml', '<saml:Assertion/>')],
  'JSON Web Token': (dir) => ['--jwt', write(dir, 'token.jwt', 'eyJhbGciOiJub25lIn0.e30.')],
};

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

peerTest('association dump: each kind of user identity in a request reads as storescp -d prints it', ['storescu', 'storescp', 'dump2dcm'], async () => {
  const tmp = tempDir('association-dump-identity');
  cleanups.push(() => tmp.cleanup());
  const study = await makeStudy({ dir: join(tmp.path, 'src'), patientId: 'IDENT', series: [{ sopClass: 'sr', count: 1 }] });
  const file = study.files[0] as string;
  for (const [kind, options] of Object.entries(IDENTITIES)) {
    // -R: propose only the object's SOP class, so the dump is short.
    const args = ['-R', ...options(tmp.path), '127.0.0.1'];
    const raw = await firstPdu((port) => runProcess('storescu', [...args, String(port), file]));
    const rq = decodePdu(raw);
    assert.equal(rq.type, 'A-ASSOCIATE-RQ', kind);
    if (rq.type !== 'A-ASSOCIATE-RQ') continue;
    assert.ok(rq.userInfo.userIdentityRq, `${kind}: no user identity in storescu's request`);

    const port = await freePort();
    const scp = spawnGroup('storescp', ['-d', '-od', tmp.path, String(port)]);
    cleanups.push(() => scp.stop(500));
    await waitForListening(port);
    await runProcess('storescu', [...args, String(port), file]);
    await scp.stop(500);
    const theirs = associationBlocks(scp.stdout.toString() + scp.stderr.toString(), /^$/);
    assert.ok(theirs.length > 0, `${kind}: storescp printed no association dump:\n${scp.stderr.toString()}`);
    const own = (name: string): string => {
      const line = (theirs[0] as string).split('\n').find((l) => l.startsWith(`D: Our ${name}:`));
      return line?.replace(/^D: Our [^:]+:\s*/, '') ?? '';
    };
    const ours = dumpAssociationParameters({
      side: 'acceptor', rq,
      own: { implementationClassUid: own('Implementation Class UID'), implementationVersionName: own('Implementation Version Name'), maxPduLength: Number(own('Max PDU Receive Size')) },
    }).map((l) => `D: ${l}`).join('\n');
    assert.equal(ours, theirs[0], `${kind}: our dump (actual) and storescp's (expected) differ`);
  }
});
