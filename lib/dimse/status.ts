/** PS3.7 annex C: status values and the class each belongs to. */
export type StatusClass = 'success' | 'pending' | 'cancel' | 'warning' | 'failure';

export const Status = {
  Success: 0x0000,
  Pending: 0xff00,
  PendingWarning: 0xff01,
  Cancel: 0xfe00,
  // C-STORE (PS3.4 B.2.3)
  StoreOutOfResources: 0xa700,
  StoreDataSetDoesNotMatchSopClass: 0xa900,
  StoreCannotUnderstand: 0xc000,
  // C-MOVE (PS3.4 C.4.2.1.5)
  MoveOutOfResourcesNumberOfMatches: 0xa701,
  MoveOutOfResourcesSubOperations: 0xa702,
  MoveDestinationUnknown: 0xa801,
  MoveIdentifierDoesNotMatchSopClass: 0xa900,
  MoveUnableToProcess: 0xc000,
  MoveSubOperationsWithFailures: 0xb000,
  // General (PS3.7 C.5)
  SopClassNotSupported: 0x0122,
  ProcessingFailure: 0x0110,
} as const;

/** The C-STORE status (PS3.4 B.2.3) a store service answers for each reason a sink or stage gives. */
export const STORE_FAILURE_STATUS = {
  'out-of-resources': Status.StoreOutOfResources,
  'cannot-understand': Status.StoreCannotUnderstand,
  'does-not-match': Status.StoreDataSetDoesNotMatchSopClass,
} as const;

export function statusClass(status: number): StatusClass {
  if (status === 0x0000) return 'success';
  if (status === 0xff00 || status === 0xff01) return 'pending';
  if (status === 0xfe00) return 'cancel';
  if (status === 0x0001 || status === 0x0107 || status === 0x0116 || (status & 0xf000) === 0xb000) return 'warning';
  return 'failure';
}

export function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** DCMTK's wording of C-MOVE statuses (dcmnet DU_cmoveStatusString), which users grep in movescu's log. */
export function moveStatusString(status: number): string {
  switch (status) {
    case 0x0000: return 'Success';
    case 0xff00: return 'Pending';
    case 0xa701: return 'Refused: OutOfResourcesNumberOfMatches';
    case 0xa702: return 'Refused: OutOfResourcesSubOperations';
    case 0x0122: return 'Refused: SOPClassNotSupported';
    case 0xa801: return 'Refused: MoveDestinationUnknown';
    case 0xa900: return 'Error: DataSetDoesNotMatchSOPClass';
    case 0xfe00: return 'Cancel: SubOperationsTerminatedDueToCancelIndication';
    case 0xb000: return 'Warning: SubOperationsCompleteOneOrMoreFailures';
  }
  if ((status & 0xf000) === 0xc000) return 'Failed: UnableToProcess';
  return `Unknown Status: 0x${status.toString(16)}`;
}

/**
 * How DCMTK's movescu judges a final C-MOVE status (movescu.cc, moveSCU): success and cancel are fine, exactly
 * 0xB000 is a warning (exit 68), anything else is an error (exit 69).
 */
export function moveOutcome(status: number): 'ok' | 'warning' | 'error' {
  if (status === 0x0000 || status === 0xfe00) return 'ok';
  return status === 0xb000 ? 'warning' : 'error';
}
