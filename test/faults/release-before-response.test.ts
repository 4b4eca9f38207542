/**
 * Known bug found by the soak (fuzz-receive): a peer sends a whole C-STORE and, without waiting for the response, an
 * A-RELEASE-RQ. When the data set arrives in several TCP chunks (the object is still being written when the release
 * request is read), the Storage SCP answers A-RELEASE-RP first; the C-STORE-RSP it owed is then refused by its own
 * state machine ("P-DATA request primitive is not possible in state Sta1 (Idle)") and never sent, although the file
 * is stored. PS3.8 (and DCMTK's storescp, which reads one message at a time) answers the object, then the release.
 * The soak counts such objects as "unanswered"; the Storage SCP now answers a release only after what it owes.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { ctDataset } from '../helpers/dataset';
import { decodePdu } from '../../lib/pdu';
import { RELEASE_RQ, dataPdu, rawAssociate, startStoreServer, storeRqPdu } from '../helpers/raw-store-peer';

test('a release request right behind a chunked C-STORE is answered after the C-STORE-RSP', async () => {
  const store = await startStoreServer();
  const peer = await rawAssociate(store.port, '1.2.840.10008.1.2');
  const ds = ctDataset({ sopInstanceUid: '1.2.3.1', patientId: null, pixelBytes: 7900, fill: 7, syntax: { explicitVr: false, littleEndian: true } });
  const bytes = Buffer.concat([storeRqPdu('1.2.3.1'), dataPdu(ds.subarray(0, 6452), false), dataPdu(ds.subarray(6452), true), RELEASE_RQ]);
  // The cuts fast-check found (seed 1613, batch 0, index 0): three inside the data set, the release on its own.
  let prev = 0;
  for (const at of [1689, 1834, 4939, bytes.length - RELEASE_RQ.length, bytes.length]) {
    peer.socket.write(bytes.subarray(prev, at));
    prev = at;
  }
  const got: string[] = [];
  for (;;) {
    const p = decodePdu(await peer.nextPdu());
    got.push(p.type);
    if (p.type !== 'P-DATA-TF') break;
  }
  peer.socket.destroy();
  const files = await store.close();
  assert.deepEqual(files, ['CT.1.2.3.1']);
  assert.deepEqual(got, ['P-DATA-TF', 'A-RELEASE-RP'], 'the C-STORE-RSP, then the release response');
});
