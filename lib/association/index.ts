/** PS3.8 section 9.2: associations (state machine, ARTIM, negotiation) over a connected transport. */
export * from './types';
export { requestAssociation, acceptAssociation, buildAssociateRq, usablePeerMaxPduLength } from './association';
export { AssociationRejectedError } from './errors';
export { states, events, actions, transitions, actionFor, STATE_IDS, EVENT_IDS } from './fsm';
export type { StateId, EventId, ActionId, ActionDef, FsmEvent, FsmContext, Indication } from './fsm';
