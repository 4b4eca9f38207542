/**
 * C-FIND SCP (PS3.4 C.4.1) over the archive's catalog: one pending response per matching entity of the requested
 * level, carrying the requested keys filled from the catalog, then a final success.
 */
import type { AssociationHandle } from '../association/types';
import { CommandField } from '../dimse/command-field';
import type { DimseMessage } from '../dimse/message';
import { Status } from '../dimse/status';
import { sendMessage } from '../dimse/writer';
import type { CatalogEntry } from './catalog-types';
import { QUERY_RETRIEVE_LEVEL } from './catalog-types';
import { entitiesAt, select, type QueryKey } from './matching';
import { encodeDataset } from '../dataset/codec/encode';
import type { DataElement } from '../dataset/codec/element';
import { valueFromString } from '../dataset/codec/values';

export async function findScp(
  assoc: AssociationHandle,
  msg: DimseMessage,
  keys: QueryKey[],
  transferSyntaxUid: string,
  entries: readonly CatalogEntry[],
): Promise<void> {
  const respond = (status: number, identifier?: Buffer): Promise<void> => sendMessage(assoc, msg.contextId, {
    CommandField: CommandField.C_FIND_RSP,
    MessageIDBeingRespondedTo: msg.command.MessageID,
    AffectedSOPClassUID: msg.command.AffectedSOPClassUID,
    Status: status,
  }, identifier);
  const selected = select(entries, keys);
  if (!selected.level) {
    await respond(selected.failure);
    return;
  }
  const { level, matches } = selected;
  for (const entity of entitiesAt(level, matches)) {
    const elements: DataElement[] = keys.map((k) => ({
      tag: k.tag,
      vr: k.vr,
      value: valueFromString(k.vr, k.tag === QUERY_RETRIEVE_LEVEL ? level : entity.values.get(k.tag) ?? ''),
    }));
    await respond(Status.Pending, encodeDataset(elements, transferSyntaxUid));
  }
  await respond(Status.Success);
}
