/**
 * PS3.8 section 9.2, the DICOM upper layer state machine, written as data: `states` (tables 9-1..9-5),
 * `events` and `transitions` (table 9-10: event x state -> action) and `actions` (tables 9-6..9-9: what each
 * action does and the state it leads to). Each action is a few lines against `FsmContext`, which the
 * association implements; the machine itself keeps no state outside the association that runs it.
 */
import type { Abort, AssociateAc, AssociateRj, AssociateRq, Pdu, PData } from '../pdu/types';

export type StateId = 'Sta1' | 'Sta2' | 'Sta3' | 'Sta4' | 'Sta5' | 'Sta6' | 'Sta7' | 'Sta8' | 'Sta9' | 'Sta10' | 'Sta11' | 'Sta12' | 'Sta13';

export type EventId =
  | 'Evt1' | 'Evt2' | 'Evt3' | 'Evt4' | 'Evt5' | 'Evt6' | 'Evt7' | 'Evt8' | 'Evt9' | 'Evt10'
  | 'Evt11' | 'Evt12' | 'Evt13' | 'Evt14' | 'Evt15' | 'Evt16' | 'Evt17' | 'Evt18' | 'Evt19';

export type ActionId =
  | 'AE-1' | 'AE-2' | 'AE-3' | 'AE-4' | 'AE-5' | 'AE-6' | 'AE-7' | 'AE-8'
  | 'DT-1' | 'DT-2'
  | 'AR-1' | 'AR-2' | 'AR-3' | 'AR-4' | 'AR-5' | 'AR-6' | 'AR-7' | 'AR-8' | 'AR-9' | 'AR-10'
  | 'AA-1' | 'AA-2' | 'AA-3' | 'AA-4' | 'AA-5' | 'AA-6' | 'AA-7' | 'AA-8';

export const STATE_IDS: readonly StateId[] = ['Sta1', 'Sta2', 'Sta3', 'Sta4', 'Sta5', 'Sta6', 'Sta7', 'Sta8', 'Sta9', 'Sta10', 'Sta11', 'Sta12', 'Sta13'];
export const EVENT_IDS: readonly EventId[] = [
  'Evt1', 'Evt2', 'Evt3', 'Evt4', 'Evt5', 'Evt6', 'Evt7', 'Evt8', 'Evt9', 'Evt10',
  'Evt11', 'Evt12', 'Evt13', 'Evt14', 'Evt15', 'Evt16', 'Evt17', 'Evt18', 'Evt19',
];

export const states: Readonly<Record<StateId, string>> = {
  Sta1: 'Idle',
  Sta2: 'Transport connection open (awaiting A-ASSOCIATE-RQ PDU)',
  Sta3: 'Awaiting local A-ASSOCIATE response primitive (from local user)',
  Sta4: 'Awaiting transport connection opening to complete (from local transport service)',
  Sta5: 'Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU',
  Sta6: 'Association established and ready for data transfer',
  Sta7: 'Awaiting A-RELEASE-RP PDU',
  Sta8: 'Awaiting local A-RELEASE response primitive (from local user)',
  Sta9: 'Release collision requestor side; awaiting A-RELEASE response (from local user)',
  Sta10: 'Release collision acceptor side; awaiting A-RELEASE-RP PDU',
  Sta11: 'Release collision requestor side; awaiting A-RELEASE-RP PDU',
  Sta12: 'Release collision acceptor side; awaiting A-RELEASE response primitive (from local user)',
  Sta13: 'Awaiting transport connection close indication (association no longer exists)',
};

export const events: Readonly<Record<EventId, string>> = {
  Evt1: 'A-ASSOCIATE request (local user)',
  Evt2: 'Transport connect confirmation (local transport service)',
  Evt3: 'A-ASSOCIATE-AC PDU (received on transport connection)',
  Evt4: 'A-ASSOCIATE-RJ PDU (received on transport connection)',
  Evt5: 'Transport connection indication (local transport service)',
  Evt6: 'A-ASSOCIATE-RQ PDU (received on transport connection)',
  Evt7: 'A-ASSOCIATE response primitive (accept)',
  Evt8: 'A-ASSOCIATE response primitive (reject)',
  Evt9: 'P-DATA request primitive',
  Evt10: 'P-DATA-TF PDU',
  Evt11: 'A-RELEASE request primitive',
  Evt12: 'A-RELEASE-RQ PDU (received on open transport connection)',
  Evt13: 'A-RELEASE-RP PDU (received on transport connection)',
  Evt14: 'A-RELEASE response primitive',
  Evt15: 'A-ABORT request primitive',
  Evt16: 'A-ABORT PDU (received on open transport connection)',
  Evt17: 'Transport connection closed indication (local transport service)',
  Evt18: 'ARTIM timer expired (association reject/release timer)',
  Evt19: 'Unrecognized or invalid PDU received',
};

/** An event with what it carries: the PDU received or to send, the error that caused it. */
export interface FsmEvent {
  id: EventId;
  pdu?: Pdu;
  error?: Error;
  /** A-ABORT reason (PS3.8 table 9-26) for events that end in an A-ABORT of ours. */
  abortReason?: number;
  /** Called once the event was handled (no argument) or refused in the current state. */
  done?: (err?: Error) => void;
}

/** What the association tells its user (the "indication" and "confirmation" primitives of PS3.8). */
export type Indication =
  | { kind: 'associate-accepted'; ac: AssociateAc }
  | { kind: 'associate-rejected'; rj: AssociateRj }
  | { kind: 'associate-request'; rq: AssociateRq }
  | { kind: 'associate-established' }
  | { kind: 'data'; pdata: PData }
  | { kind: 'release-request'; collision: boolean }
  | { kind: 'release-confirm' }
  | { kind: 'abort'; abort: Abort }
  | { kind: 'provider-abort'; error: Error }
  /** We sent an A-ABORT: our user asked (no error), a timer of ours expired, or a PDU was out of place in Sta2. */
  | { kind: 'local-abort'; error?: Error }
  | { kind: 'transport-closed'; error?: Error };

/** The primitives an action may use; the association implements them. */
export interface FsmContext {
  readonly isRequestor: boolean;
  send(pdu: Pdu): void;
  startArtim(): void;
  stopArtim(): void;
  closeTransport(): void;
  indicate(ind: Indication): void;
  /** AE-6: null when the service provider can take the request, else the A-ASSOCIATE-RJ to send. */
  checkAssociateRq(rq: AssociateRq): AssociateRj | null;
}

export interface ActionDef {
  description: string;
  /** The possible next states; the first unless `run` returns another one of them. */
  next: readonly StateId[];
  run(ctx: FsmContext, ev: FsmEvent): StateId | void;
}

function pduOf<T extends Pdu['type']>(ev: FsmEvent, type: T): Extract<Pdu, { type: T }> {
  if (!ev.pdu || ev.pdu.type !== type) throw new Error(`internal: ${ev.id} without ${type}`);
  return ev.pdu as Extract<Pdu, { type: T }>;
}

export const actions: Readonly<Record<ActionId, ActionDef>> = {
  'AE-1': {
    description: 'Issue TRANSPORT CONNECT request primitive to local transport service',
    next: ['Sta4'],
    run: () => {
      // Our caller connects the socket before handing it over; Evt2 follows at once.
    },
  },
  'AE-2': { description: 'Send A-ASSOCIATE-RQ PDU', next: ['Sta5'], run: (c, e) => void (c.send(pduOf(e, 'A-ASSOCIATE-RQ')), c.startArtim()) },
  'AE-3': {
    description: 'Issue A-ASSOCIATE confirmation (accept) primitive',
    next: ['Sta6'],
    run: (c, e) => void (c.stopArtim(), c.indicate({ kind: 'associate-accepted', ac: pduOf(e, 'A-ASSOCIATE-AC') })),
  },
  'AE-4': {
    description: 'Issue A-ASSOCIATE confirmation (reject) primitive and close transport connection',
    next: ['Sta1'],
    run: (c, e) => void (c.stopArtim(), c.indicate({ kind: 'associate-rejected', rj: pduOf(e, 'A-ASSOCIATE-RJ') }), c.closeTransport()),
  },
  'AE-5': { description: 'Issue transport connection response primitive; start ARTIM timer', next: ['Sta2'], run: (c) => c.startArtim() },
  'AE-6': {
    description:
      'Stop ARTIM timer and if A-ASSOCIATE-RQ acceptable by service-provider: issue A-ASSOCIATE indication primitive (Sta3), ' +
      'otherwise issue A-ASSOCIATE-RJ PDU and start ARTIM timer (Sta13)',
    next: ['Sta3', 'Sta13'],
    run: (c, e) => {
      c.stopArtim();
      const rq = pduOf(e, 'A-ASSOCIATE-RQ');
      const rj = c.checkAssociateRq(rq);
      if (rj === null) {
        c.indicate({ kind: 'associate-request', rq });
        return 'Sta3';
      }
      c.send(rj);
      c.startArtim();
      return 'Sta13';
    },
  },
  'AE-7': {
    description: 'Send A-ASSOCIATE-AC PDU',
    next: ['Sta6'],
    run: (c, e) => void (c.send(pduOf(e, 'A-ASSOCIATE-AC')), c.indicate({ kind: 'associate-established' })),
  },
  'AE-8': { description: 'Send A-ASSOCIATE-RJ PDU and start ARTIM timer', next: ['Sta13'], run: (c, e) => void (c.send(pduOf(e, 'A-ASSOCIATE-RJ')), c.startArtim()) },

  'DT-1': { description: 'Send P-DATA-TF PDU', next: ['Sta6'], run: (c, e) => c.send(pduOf(e, 'P-DATA-TF')) },
  'DT-2': { description: 'Send P-DATA indication primitive', next: ['Sta6'], run: (c, e) => c.indicate({ kind: 'data', pdata: pduOf(e, 'P-DATA-TF') }) },

  'AR-1': { description: 'Send A-RELEASE-RQ PDU', next: ['Sta7'], run: (c) => void (c.send({ type: 'A-RELEASE-RQ' }), c.startArtim()) },
  'AR-2': { description: 'Issue A-RELEASE indication primitive', next: ['Sta8'], run: (c) => c.indicate({ kind: 'release-request', collision: false }) },
  'AR-3': {
    description: 'Issue A-RELEASE confirmation primitive, and close transport connection',
    next: ['Sta1'],
    run: (c) => void (c.stopArtim(), c.indicate({ kind: 'release-confirm' }), c.closeTransport()),
  },
  'AR-4': { description: 'Issue A-RELEASE-RP PDU and start ARTIM timer', next: ['Sta13'], run: (c) => void (c.send({ type: 'A-RELEASE-RP' }), c.startArtim()) },
  'AR-5': { description: 'Stop ARTIM timer', next: ['Sta1'], run: (c) => c.stopArtim() },
  'AR-6': { description: 'Issue P-DATA indication', next: ['Sta7'], run: (c, e) => c.indicate({ kind: 'data', pdata: pduOf(e, 'P-DATA-TF') }) },
  'AR-7': { description: 'Issue P-DATA-TF PDU', next: ['Sta8'], run: (c, e) => c.send(pduOf(e, 'P-DATA-TF')) },
  'AR-8': {
    description: 'Issue A-RELEASE indication (release collision): if association-requestor, next state is Sta9, if not, Sta10',
    next: ['Sta9', 'Sta10'],
    run: (c) => {
      c.indicate({ kind: 'release-request', collision: true });
      return c.isRequestor ? 'Sta9' : 'Sta10';
    },
  },
  'AR-9': { description: 'Send A-RELEASE-RP PDU', next: ['Sta11'], run: (c) => c.send({ type: 'A-RELEASE-RP' }) },
  'AR-10': { description: 'Issue A-RELEASE confirmation primitive', next: ['Sta12'], run: (c) => c.indicate({ kind: 'release-confirm' }) },

  'AA-1': {
    description: 'Send A-ABORT PDU (service-user source) and start (or restart if already started) ARTIM timer',
    next: ['Sta13'],
    run: (c, e) => {
      // Our one liberty: when a PDU (not our user) caused it, in Sta2, say so with source 2 and a reason.
      const byPeer = e.id !== 'Evt15';
      c.send({ type: 'A-ABORT', source: byPeer ? 2 : 0, reason: byPeer ? (e.abortReason ?? 2) : 0 });
      c.startArtim();
      c.indicate({ kind: 'local-abort', error: e.error });
    },
  },
  'AA-2': { description: 'Stop ARTIM timer if running. Close transport connection', next: ['Sta1'], run: (c) => void (c.stopArtim(), c.closeTransport()) },
  'AA-3': {
    description:
      'If (service-user initiated abort): issue A-ABORT indication and close transport connection; ' +
      'otherwise (service-provider initiated abort): issue A-P-ABORT indication and close transport connection',
    next: ['Sta1'],
    run: (c, e) => void (c.stopArtim(), c.indicate({ kind: 'abort', abort: pduOf(e, 'A-ABORT') }), c.closeTransport()),
  },
  'AA-4': { description: 'Issue A-P-ABORT indication primitive', next: ['Sta1'], run: (c, e) => void (c.stopArtim(), c.indicate({ kind: 'transport-closed', error: e.error })) },
  'AA-5': { description: 'Stop ARTIM timer', next: ['Sta1'], run: (c) => c.stopArtim() },
  'AA-6': { description: 'Ignore PDU', next: ['Sta13'], run: () => {} },
  'AA-7': { description: 'Send A-ABORT PDU', next: ['Sta13'], run: (c, e) => c.send({ type: 'A-ABORT', source: 2, reason: e.abortReason ?? 2 }) },
  'AA-8': {
    description: 'Send A-ABORT PDU (service-provider source), issue an A-P-ABORT indication, and start ARTIM timer',
    next: ['Sta13'],
    run: (c, e) => {
      c.send({ type: 'A-ABORT', source: 2, reason: e.abortReason ?? 2 });
      c.indicate({ kind: 'provider-abort', error: e.error ?? new Error(`unexpected ${events[e.id]}`) });
      c.startArtim();
    },
  },
};

/** Compact rows of PS3.8 table 9-10, one per event; columns Sta1..Sta13; '' is an empty cell. */
const ROWS: Readonly<Record<EventId, readonly (ActionId | '')[]>> = {
  //      Sta1    Sta2    Sta3    Sta4    Sta5    Sta6    Sta7    Sta8    Sta9    Sta10   Sta11   Sta12   Sta13
  Evt1: ['AE-1', '', '', '', '', '', '', '', '', '', '', '', ''],
  Evt2: ['', '', '', 'AE-2', '', '', '', '', '', '', '', '', ''],
  Evt3: ['', 'AA-1', 'AA-8', '', 'AE-3', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-6'],
  Evt4: ['', 'AA-1', 'AA-8', '', 'AE-4', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-6'],
  Evt5: ['AE-5', '', '', '', '', '', '', '', '', '', '', '', ''],
  Evt6: ['', 'AE-6', 'AA-8', '', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-7'],
  Evt7: ['', '', 'AE-7', '', '', '', '', '', '', '', '', '', ''],
  Evt8: ['', '', 'AE-8', '', '', '', '', '', '', '', '', '', ''],
  Evt9: ['', '', '', '', '', 'DT-1', '', 'AR-7', '', '', '', '', ''],
  Evt10: ['', 'AA-1', 'AA-8', '', 'AA-8', 'DT-2', 'AR-6', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-6'],
  Evt11: ['', '', '', '', '', 'AR-1', '', '', '', '', '', '', ''],
  Evt12: ['', 'AA-1', 'AA-8', '', 'AA-8', 'AR-2', 'AR-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-6'],
  Evt13: ['', 'AA-1', 'AA-8', '', 'AA-8', 'AA-8', 'AR-3', 'AA-8', 'AA-8', 'AR-10', 'AR-3', 'AA-8', 'AA-6'],
  Evt14: ['', '', '', '', '', '', '', 'AR-4', 'AR-9', '', '', 'AR-4', ''],
  Evt15: ['', '', 'AA-1', 'AA-2', 'AA-1', 'AA-1', 'AA-1', 'AA-1', 'AA-1', 'AA-1', 'AA-1', 'AA-1', ''],
  Evt16: ['', 'AA-2', 'AA-3', '', 'AA-3', 'AA-3', 'AA-3', 'AA-3', 'AA-3', 'AA-3', 'AA-3', 'AA-3', 'AA-2'],
  Evt17: ['', 'AA-5', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AA-4', 'AR-5'],
  Evt18: ['', 'AA-2', '', '', '', '', '', '', '', '', '', '', 'AA-2'],
  Evt19: ['', 'AA-1', 'AA-8', '', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-8', 'AA-7'],
};

/** Table 9-10 keyed by event then state; a missing entry is an empty cell (the event cannot occur there). */
export const transitions: Readonly<Record<EventId, Readonly<Partial<Record<StateId, ActionId>>>>> = Object.fromEntries(
  EVENT_IDS.map((evt) => [evt, Object.fromEntries(STATE_IDS.flatMap((sta, i) => (ROWS[evt][i] ? [[sta, ROWS[evt][i]]] : [])))]),
) as Record<EventId, Partial<Record<StateId, ActionId>>>;

/** The action of table 9-10 for this event in this state, or undefined for an empty cell. */
export function actionFor(evt: EventId, state: StateId): ActionId | undefined {
  return transitions[evt][state];
}
