/**
 * The checks a received request passes before it is served, as DCMTK's DIMSE layer makes them, in its order: its
 * command parser (dimcmd.cc parseCStoreRQ, parseCEchoRQ) needs the request's mandatory fields, each string fitting
 * its 64-byte field (an empty one is read as empty); its message check (dimse.cc validateMessage) then looks at the
 * data set and, for a C-STORE-RQ, the SOP Instance UID. An empty SOP Class UID passes both (a C-STORE's data set
 * then does not match it).
 */
import { DimseError, formatTag } from '../errors';
import { commandTag, type Command, type CommandKeyword } from './command';

/** The requests a Storage SCP serves. */
export type ServedRequest = 'C-STORE-RQ' | 'C-ECHO-RQ';

/** A rule of the message check that a request breaks. */
export type RequestProblem = 'store-without-data-set' | 'empty-sop-instance-uid' | 'echo-with-data-set';

/** The fields each parser needs, in the order it asks for them. */
const MANDATORY: Readonly<Record<ServedRequest, readonly CommandKeyword[]>> = {
  'C-STORE-RQ': ['MessageID', 'AffectedSOPClassUID', 'AffectedSOPInstanceUID', 'Priority'],
  'C-ECHO-RQ': ['MessageID', 'AffectedSOPClassUID'],
};

/** DIC_UI_LEN: the longest UID DCMTK's parser takes (PS3.5 9.1: 64 bytes). */
const MAX_UID = 64;

/** Throws DIMSE_BAD_FIELD for the first mandatory field of `cmd` that is missing or too long. */
export function checkRequestFields(request: ServedRequest, cmd: Command, contextId: number): void {
  for (const keyword of MANDATORY[request]) {
    const value = cmd[keyword];
    const tag = commandTag(keyword);
    if (value === undefined) {
      throw new DimseError('DIMSE_BAD_FIELD', `${request} without ${keyword} ${formatTag(tag)}`, { contextId, tag });
    }
    if (typeof value === 'string' && value.length > MAX_UID) {
      throw new DimseError('DIMSE_BAD_FIELD', `${request} with a ${value.length}-character ${keyword} ${formatTag(tag)} (at most ${MAX_UID})`, { contextId, tag });
    }
  }
}

/** The message check's problems with a request whose fields passed checkRequestFields (none: it is served). */
export function requestProblems(request: ServedRequest, cmd: Command, hasDataset: boolean): RequestProblem[] {
  if (request === 'C-ECHO-RQ') return hasDataset ? ['echo-with-data-set'] : [];
  const problems: RequestProblem[] = [];
  if (!hasDataset) problems.push('store-without-data-set');
  if (cmd.AffectedSOPInstanceUID === '') problems.push('empty-sop-instance-uid');
  return problems;
}
