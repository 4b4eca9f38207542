/**
 * Our own archive (lib/archive) as a test peer: a study written into a folder, the archive indexing it and listening
 * on a free loopback port, and the move destinations it may send to (by default MOVESCU on a free port, where the
 * movescu under test listens).
 */
import { Archive } from '../../lib/archive/archive';
import { freePort } from './net';
import type { MoveDestination } from './peers/dcmqrscp';

export interface OwnArchive<S> {
  /** Where the archive listens for C-FIND and C-MOVE. */
  qrPort: number;
  /** The port of the first move destination: where the movescu under test listens (+P). */
  storePort: number;
  study: S;
  close(): Promise<void>;
}

export async function startOwnArchive<S = undefined>(opts: {
  folder: string;
  /** Writes the study into the folder before the archive indexes it (writeSyntheticStudy, makeStudy, ...). */
  study?: (folder: string) => Promise<S>;
  /** AE titles and ports the archive may send to (host default 127.0.0.1); default MOVESCU on a free port. */
  moveDestinations?: MoveDestination[];
}): Promise<OwnArchive<S>> {
  const study = (await opts.study?.(opts.folder)) as S;
  const moveDestinations = opts.moveDestinations ?? [{ ae: 'MOVESCU', port: await freePort() }];
  const archive = new Archive({
    aeTitle: 'ARCHIVE', folder: opts.folder, port: 0,
    destinations: Object.fromEntries(moveDestinations.map((d) => [d.ae, { host: d.host ?? '127.0.0.1', port: d.port }])),
  });
  const qrPort = await archive.start();
  return { qrPort, storePort: moveDestinations[0]?.port ?? 0, study, close: () => archive.stop() };
}
