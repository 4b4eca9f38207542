/**
 * The way in, top to bottom: one connection the archive opened to our Storage SCP, to the objects it sends.
 *
 *   socket bytes → PDUs → the association's state machine → PDVs → DIMSE messages → received objects → a sink
 *
 * Every arrow is a synchronous call made inside the socket's 'data' event: between a byte arriving and its being
 * pushed into the data set a sink reads, nothing waits on a promise, a timer or another stream. Backpressure runs
 * the same chain backwards: a sink that reads slowly leaves its data set full, push() answers false, the DIMSE
 * reader pauses the association's reading, the transport pauses the socket, the kernel's receive buffer fills and
 * the TCP window closes on the archive.
 */
import type { Duplex } from 'node:stream';
import { acceptOver } from '../association/association';
import { Transport } from '../association/transport';
import type { AcceptorOptions, AssociationHandle } from '../association/types';
import { DimseReader } from '../dimse/reader';
import { serveStore, type StoreScpOptions } from './store-scp';

export interface WayInOptions {
  /** How the association is negotiated (release is 'manual': see step 4). */
  accept: Omit<AcceptorOptions, 'release'>;
  /** The association is established; called before its first message is read. */
  established?(assoc: AssociationHandle): void;
  /** Where the received objects go, and what is reported on the way. */
  store: StoreScpOptions;
}

/**
 * Serves one connection until its association has closed. Resolves with the number of objects received; rejects
 * only if no association was established (rejected by us, aborted, the connection lost).
 */
export async function receiveObjects(socket: Duplex, opts: WayInOptions): Promise<number> {
  // 1. Socket bytes → PDUs. The transport hands each chunk the socket reads to the PDU parser (pdu/pdu-parser.ts),
  //    which checks a PDU's length before it holds any of its bytes; our own PDUs go out through it too.
  const transport = new Transport(socket, opts.accept.maxPduLength);
  // 2. PDUs → the state machine (association/fsm.ts, PS3.8 table 9-10) → the PDVs of each P-DATA-TF, handed to
  //    the one sink named in step 3 (association/pdv-inbox.ts keeps the few that come before it is named).
  const assoc = await acceptOver(transport, { ...opts.accept, release: 'manual' });
  opts.established?.(assoc);
  // 3. PDVs → DIMSE messages (dimse/message-parser.ts). A message with a data set is handed on as soon as its
  //    command is complete; the data set is a Readable that each later PDV's bytes are pushed into (dimse/reader.ts).
  const messages = new DimseReader(assoc);
  // 4. Messages → received objects (services/store-scp.ts): each C-STORE-RQ's data set becomes a ReceivedObject
  //    for the sink, and its C-STORE-RSP carries the sink's verdict once the whole data set has arrived. A release
  //    is answered only after every response owed (a peer may release before it has them).
  const received = await serveStore(assoc, messages, opts.store);
  await assoc.closed;
  return received;
}
