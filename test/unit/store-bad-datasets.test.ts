/**
 * Bad data sets received in a C-STORE (issue: bad input): each is answered with a failure status (0xC000, cannot
 * understand) and leaves no file under any name, the association stays usable, and a log line names the element and
 * byte offset. Cases: a length running past the end, a length a fixed-size VR cannot have, 0xFFFFFFFF on a VR that
 * cannot have it, a sequence delimiter without a sequence, a corrupt deflate stream, one that ends too soon.
 */
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger, LogLevel } from '../../lib/log';
import { EXPLICIT_LE, RELEASE_RQ, dataPdu, rawAssociate, startStoreServer, storeRqPdu, storeStatus, type StoreServer } from '../helpers/raw-store-peer';
import { storedNames } from '../helpers/stored-names';

const DEFLATED = '1.2.840.10008.1.2.1.99';
const lines: string[] = [];
const logger: Logger = Object.assign(
  Object.fromEntries((['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as LogLevel[]).map((l) => [l, (m: string) => lines.push(`${l}: ${m}`)])) as unknown as Logger,
  { enabled: () => false },
);
let store: StoreServer;
before(async () => { store = await startStoreServer({ logger, transferSyntaxes: [EXPLICIT_LE, DEFLATED] }); });
after(async () => { await store.close(); });

/** One association, one C-STORE with `dataset` on a context of `ts`; resolves with the response status. */
async function store1(dataset: Buffer, ts: string): Promise<number | undefined> {
  const peer = await rawAssociate(store.port, ts);
  peer.socket.write(storeRqPdu('1.2.3.9', 7));
  peer.socket.write(dataPdu(dataset, true));
  const status = await storeStatus(peer);
  // The association is still usable: release it properly.
  peer.socket.write(RELEASE_RQ);
  assert.equal((await peer.nextPdu())[0], 0x06, 'A-RELEASE-RP expected');
  peer.socket.destroy();
  return status;
}

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const CASES: [string, Buffer, string, RegExp][] = [
  ['a length running past the end', hex('0800 1600 5549 ff00 312e32 00'), EXPLICIT_LE, /ended inside the value of \(0008,0016\)/],
  ['a US of 3 bytes (not a multiple of its value size)', hex('2800 1000 5553 0300 010203 00'), EXPLICIT_LE, /\(0028,0010\) US has length 3/],
  // A 2-byte length cannot hold 0xFFFFFFFF: a UT (4-byte length) that cannot be of undefined length.
  ['0xFFFFFFFF on a VR that cannot have it', hex('0810 3000 5554 0000 ffffffff'), EXPLICIT_LE, /\(1008,0030\).*undefined length|undefined length.*\(1008,0030\)/i],
  ['a sequence delimiter without a sequence', hex('feff dde0 00000000'), EXPLICIT_LE, /delimit/i],
  ['a corrupt deflate stream', hex('ffffffff 0000 1111 2222'), DEFLATED, /deflate/i],
  // A deflate stream whose final block comes after one byte of data set (zlib ignores the rest): it used to hang.
  ['a deflate stream that ends inside the data set', hex('1300106008f0e3607074728e7371755310605060f0f1676288300400'), DEFLATED, /ended inside an element header/],
];

for (const [name, bytes, ts, pattern] of CASES) {
  test(`received ${name}: 0xC000, no file, a log line naming it`, async () => {
    lines.length = 0;
    assert.equal(await store1(bytes, ts), 0xc000);
    assert.deepEqual(storedNames(store.dir), []);
    assert.ok(lines.some((l) => pattern.test(l)), lines.join('\n'));
  });
}
