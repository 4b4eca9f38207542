import type { Readable } from 'node:stream';
import type { Command } from './command';

/** One DIMSE message: its command set, and its data set as a stream of bytes that arrives as the peer sends it. */
export interface DimseMessage {
  contextId: number;
  command: Command;
  /** The command's UIDs (their tags) from which white space was removed as it was read (DCMTK warns of each). */
  uidsWithSpaces?: readonly number[];
  /** null when the command says no data set follows. The reader waits until this stream is read to its end. */
  dataset: Readable | null;
  /**
   * Resolves when the peer has sent the data set's last fragment (even if the consumer destroyed `dataset` and
   * the rest was dropped); rejects if the association ended first. Resolved at once when there is no data set.
   */
  complete: Promise<void>;
}

/** Reads and drops a data set nobody needs (on a pending C-MOVE-RSP, a C-STORE-RSP, a C-ECHO) until the peer has sent it all. */
export async function discardDataset(msg: DimseMessage): Promise<void> {
  msg.dataset?.resume();
  await msg.complete;
}
