/**
 * DCMTK's dcmnet warnings about a peer's DIMSE message, in its words: DIMSE_warn_str's prefix (the association's
 * calling and called AE titles), then what dimse.cc validateMessage or DIMSE_moveUser found.
 */
import type { RequestProblem } from '../dimse/request-checks';

/** "DIMSE Warning: (CALLING,CALLED): " and `text`. */
export function dimseWarning(callingAeTitle: string, calledAeTitle: string, text: string): string {
  return `DIMSE Warning: (${callingAeTitle},${calledAeTitle}): ${text}`;
}

/** validateMessage's line for each problem of a request. */
export const REQUEST_WARNINGS: Readonly<Record<RequestProblem, string>> = {
  'store-without-data-set': 'C-Store RQ: DataSetType == NULL',
  'empty-sop-instance-uid': 'C-Store RQ: AffectedSOPInstanceUID: bad size',
  'echo-with-data-set': 'C-Echo RQ: DataSetType != NULL',
};
