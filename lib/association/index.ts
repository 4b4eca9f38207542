/** PS3.8 section 9.2: associations (state machine, ARTIM, negotiation) over a connected transport. */
export * from './types';
export { requestAssociation, acceptAssociation } from './association';
export { usablePeerMaxPduLength } from './negotiation';
export { AssociationRejectedError } from './errors';
