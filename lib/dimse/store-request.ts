/**
 * The checks a received C-STORE-RQ passes before it is served (PS3.7 9.3.1.1), as DCMTK's DIMSE layer makes them, in
 * its order: its command parser (dimcmd.cc parseCStoreRQ) needs Message ID, Affected SOP Class UID, Affected SOP
 * Instance UID and Priority, each string fitting its 64-byte field (an empty one is read as empty); its message check
 * (dimse.cc validateMessage) then wants a data set and a non-empty SOP Instance UID. An empty SOP Class UID passes
 * both (the data set then does not match it).
 */
import { DimseError, formatTag } from '../errors';
import { commandTag, type Command, type CommandKeyword } from './command';

/** A rule of the message check that a C-STORE-RQ breaks. */
export type StoreRequestProblem = 'no-data-set' | 'empty-sop-instance-uid';

const MANDATORY: readonly CommandKeyword[] = ['MessageID', 'AffectedSOPClassUID', 'AffectedSOPInstanceUID', 'Priority'];
/** DIC_UI_LEN: the longest UID DCMTK's parser takes (PS3.5 9.1: 64 bytes). */
const MAX_UID = 64;

/** Throws DIMSE_BAD_FIELD for the first mandatory field of `cmd` that is missing or too long. */
export function checkStoreRequestFields(cmd: Command, contextId: number): void {
  for (const keyword of MANDATORY) {
    const value = cmd[keyword];
    const tag = commandTag(keyword);
    if (value === undefined) {
      throw new DimseError('DIMSE_BAD_FIELD', `C-STORE-RQ without ${keyword} ${formatTag(tag)}`, { contextId, tag });
    }
    if (typeof value === 'string' && value.length > MAX_UID) {
      throw new DimseError('DIMSE_BAD_FIELD', `C-STORE-RQ with a ${value.length}-character ${keyword} ${formatTag(tag)} (at most ${MAX_UID})`, { contextId, tag });
    }
  }
}

/** The message check's problems with a C-STORE-RQ whose fields passed checkStoreRequestFields (none: it is served). */
export function storeRequestProblems(cmd: Command, hasDataset: boolean): StoreRequestProblem[] {
  const problems: StoreRequestProblem[] = [];
  if (!hasDataset) problems.push('no-data-set');
  if (cmd.AffectedSOPInstanceUID === '') problems.push('empty-sop-instance-uid');
  return problems;
}
