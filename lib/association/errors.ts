import { DimseError } from '../errors';
import { describeRejection } from '../pdu/describe';
import type { AssociateRj } from '../pdu/types';
import type { RejectedInfo } from './types';

/**
 * An A-ASSOCIATE-RJ, received (requestor side) or sent (acceptor side): code ASSOC_REJECTED, with the
 * RJ's result/source/reason in `rj` so a program can tell "called AE title not recognized" from congestion.
 */
export class AssociationRejectedError extends DimseError implements RejectedInfo {
  readonly rj: AssociateRj;
  /** True when we sent the rejection (acceptor side). */
  readonly byUs: boolean;
  constructor(rj: AssociateRj, byUs: boolean) {
    super('ASSOC_REJECTED', `Association Rejected${byUs ? ' (by us)' : ''}: ${describeRejection(rj).join('; ')}`);
    this.name = 'AssociationRejectedError';
    this.rj = rj;
    this.byUs = byUs;
  }
}
