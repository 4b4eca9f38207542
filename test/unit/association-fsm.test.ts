import test from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_IDS, STATE_IDS, actionFor, actions, events, states, transitions } from '../../lib/association/fsm';
import type { ActionId, EventId, FsmContext, FsmEvent, Indication, StateId } from '../../lib/association/fsm';
import type { AssociateAc, AssociateRj, AssociateRq, Pdu } from '../../lib/pdu';

/**
 * PS3.8 table 9-10, transcribed a second time, column by column (state by state) from the standard, so that
 * a slip in the row-wise table of lib/association/fsm.ts shows up as a difference. Events not listed for a
 * state are the table's empty cells.
 */
const STANDARD_COLUMNS: Record<StateId, string> = {
  Sta1: 'Evt1:AE-1 Evt5:AE-5',
  Sta2: 'Evt3:AA-1 Evt4:AA-1 Evt6:AE-6 Evt10:AA-1 Evt12:AA-1 Evt13:AA-1 Evt16:AA-2 Evt17:AA-5 Evt18:AA-2 Evt19:AA-1',
  Sta3: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt7:AE-7 Evt8:AE-8 Evt10:AA-8 Evt12:AA-8 Evt13:AA-8 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta4: 'Evt2:AE-2 Evt15:AA-2 Evt17:AA-4',
  Sta5: 'Evt3:AE-3 Evt4:AE-4 Evt6:AA-8 Evt10:AA-8 Evt12:AA-8 Evt13:AA-8 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta6: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt9:DT-1 Evt10:DT-2 Evt11:AR-1 Evt12:AR-2 Evt13:AA-8 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta7: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt10:AR-6 Evt12:AR-8 Evt13:AR-3 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta8: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt9:AR-7 Evt10:AA-8 Evt12:AA-8 Evt13:AA-8 Evt14:AR-4 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta9: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt10:AA-8 Evt12:AA-8 Evt13:AA-8 Evt14:AR-9 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta10: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt10:AA-8 Evt12:AA-8 Evt13:AR-10 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta11: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt10:AA-8 Evt12:AA-8 Evt13:AR-3 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta12: 'Evt3:AA-8 Evt4:AA-8 Evt6:AA-8 Evt10:AA-8 Evt12:AA-8 Evt13:AA-8 Evt14:AR-4 Evt15:AA-1 Evt16:AA-3 Evt17:AA-4 Evt19:AA-8',
  Sta13: 'Evt3:AA-6 Evt4:AA-6 Evt6:AA-7 Evt10:AA-6 Evt12:AA-6 Evt13:AA-6 Evt16:AA-2 Evt17:AR-5 Evt18:AA-2 Evt19:AA-7',
};

/** Next states from the action definitions of PS3.8 tables 9-6..9-9. */
const STANDARD_NEXT: Record<ActionId, StateId[]> = {
  'AE-1': ['Sta4'], 'AE-2': ['Sta5'], 'AE-3': ['Sta6'], 'AE-4': ['Sta1'], 'AE-5': ['Sta2'], 'AE-6': ['Sta3', 'Sta13'], 'AE-7': ['Sta6'], 'AE-8': ['Sta13'],
  'DT-1': ['Sta6'], 'DT-2': ['Sta6'],
  'AR-1': ['Sta7'], 'AR-2': ['Sta8'], 'AR-3': ['Sta1'], 'AR-4': ['Sta13'], 'AR-5': ['Sta1'], 'AR-6': ['Sta7'], 'AR-7': ['Sta8'],
  'AR-8': ['Sta9', 'Sta10'], 'AR-9': ['Sta11'], 'AR-10': ['Sta12'],
  'AA-1': ['Sta13'], 'AA-2': ['Sta1'], 'AA-3': ['Sta1'], 'AA-4': ['Sta1'], 'AA-5': ['Sta1'], 'AA-6': ['Sta13'], 'AA-7': ['Sta13'], 'AA-8': ['Sta13'],
};

function standardCell(state: StateId, evt: EventId): ActionId | undefined {
  for (const cell of STANDARD_COLUMNS[state].split(' ')) {
    const [e, a] = cell.split(':');
    if (e === evt) return a as ActionId;
  }
  return undefined;
}

test('there are 13 states, 19 events and 28 actions, each described', () => {
  assert.equal(STATE_IDS.length, 13);
  assert.equal(EVENT_IDS.length, 19);
  assert.equal(Object.keys(actions).length, 28);
  for (const s of STATE_IDS) assert.ok(states[s].length > 3);
  for (const e of EVENT_IDS) assert.ok(events[e].length > 3);
  for (const a of Object.values(actions)) assert.ok(a.description.length > 3);
});

test('table 9-10: every (state, event) pair matches the standard', () => {
  let cells = 0;
  for (const state of STATE_IDS) {
    for (const evt of EVENT_IDS) {
      assert.equal(actionFor(evt, state), standardCell(state, evt), `${evt} in ${state}`);
      assert.equal(transitions[evt][state], standardCell(state, evt));
      cells++;
    }
  }
  assert.equal(cells, 13 * 19);
});

test('tables 9-6..9-9: every action leads where the standard says', () => {
  for (const [id, def] of Object.entries(actions) as [ActionId, (typeof actions)[ActionId]][]) {
    assert.deepEqual([...def.next], STANDARD_NEXT[id], id);
  }
});

// ---- walk every non-empty cell on a recording context --------------------------------------------------------

const rq: AssociateRq = {
  type: 'A-ASSOCIATE-RQ', protocolVersion: 1, calledAeTitle: 'B', callingAeTitle: 'A', applicationContext: '1.2.840.10008.3.1.1.1',
  presentationContexts: [], userInfo: { maxPduLength: 0, implementationClassUid: '1', roleSelections: [], extendedNegotiations: [], commonExtendedNegotiations: [] },
};
const ac: AssociateAc = { ...rq, type: 'A-ASSOCIATE-AC', presentationContexts: [] };
const rj: AssociateRj = { type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 1 };

const PAYLOAD: Partial<Record<EventId, Pdu>> = {
  Evt2: rq, Evt3: ac, Evt4: rj, Evt6: rq, Evt7: ac, Evt8: rj,
  Evt9: { type: 'P-DATA-TF', pdvs: [] }, Evt10: { type: 'P-DATA-TF', pdvs: [] }, Evt12: { type: 'A-RELEASE-RQ' }, Evt13: { type: 'A-RELEASE-RP' },
  Evt16: { type: 'A-ABORT', source: 0, reason: 0 },
};

class Recorder implements FsmContext {
  sent: Pdu[] = [];
  calls: string[] = [];
  indications: Indication[] = [];
  constructor(readonly isRequestor: boolean, private readonly acceptable = true) {}
  send(pdu: Pdu): void { this.sent.push(pdu); this.calls.push(`send ${pdu.type}`); }
  startArtim(): void { this.calls.push('startArtim'); }
  stopArtim(): void { this.calls.push('stopArtim'); }
  closeTransport(): void { this.calls.push('close'); }
  indicate(ind: Indication): void { this.indications.push(ind); this.calls.push(`indicate ${ind.kind}`); }
  checkAssociateRq(): AssociateRj | null { return this.acceptable ? null : rj; }
}

function run(state: StateId, evt: EventId, ctx: Recorder, extra: Partial<FsmEvent> = {}): StateId {
  const id = actionFor(evt, state);
  assert.ok(id, `${evt} in ${state}`);
  const def = actions[id];
  return def.run(ctx, { id: evt, pdu: PAYLOAD[evt], ...extra }) || def.next[0];
}

test('walk: every non-empty cell runs its action and lands in one of its next states', () => {
  let walked = 0;
  for (const state of STATE_IDS) {
    for (const evt of EVENT_IDS) {
      const id = actionFor(evt, state);
      if (!id) continue;
      for (const isRequestor of [true, false]) {
        const ctx = new Recorder(isRequestor);
        const next = run(state, evt, ctx);
        assert.ok(actions[id].next.includes(next), `${evt} in ${state}: ${id} went to ${next}`);
        walked++;
      }
    }
  }
  assert.equal(walked, 2 * Object.values(STANDARD_COLUMNS).reduce((n, c) => n + c.split(' ').length, 0));
});

test('walk: what the actions do', () => {
  // AE-2: send the A-ASSOCIATE-RQ, and wait for the answer (our limit on Sta5).
  let c = new Recorder(true);
  assert.equal(run('Sta4', 'Evt2', c), 'Sta5');
  assert.deepEqual(c.calls, ['send A-ASSOCIATE-RQ', 'startArtim']);
  // AE-6: acceptable -> indication, Sta3; not acceptable -> RJ + ARTIM, Sta13.
  c = new Recorder(false);
  assert.equal(run('Sta2', 'Evt6', c), 'Sta3');
  assert.deepEqual(c.calls, ['stopArtim', 'indicate associate-request']);
  c = new Recorder(false, false);
  assert.equal(run('Sta2', 'Evt6', c), 'Sta13');
  assert.deepEqual(c.calls, ['stopArtim', 'send A-ASSOCIATE-RJ', 'startArtim']);
  // AE-4: reject confirmation and close.
  c = new Recorder(true);
  assert.equal(run('Sta5', 'Evt4', c), 'Sta1');
  assert.deepEqual(c.calls, ['stopArtim', 'indicate associate-rejected', 'close']);
  // AR-8: release collision, by side; then AR-9 / AR-10 / AR-4 / AR-3.
  assert.equal(run('Sta7', 'Evt12', new Recorder(true)), 'Sta9');
  assert.equal(run('Sta7', 'Evt12', new Recorder(false)), 'Sta10');
  c = new Recorder(true);
  assert.equal(run('Sta9', 'Evt14', c), 'Sta11');
  assert.deepEqual(c.calls, ['send A-RELEASE-RP']);
  assert.equal(run('Sta11', 'Evt13', c), 'Sta1');
  c = new Recorder(false);
  assert.equal(run('Sta10', 'Evt13', c), 'Sta12');
  assert.deepEqual(c.calls, ['indicate release-confirm']);
  assert.equal(run('Sta12', 'Evt14', c), 'Sta13');
  assert.deepEqual(c.calls.slice(1), ['send A-RELEASE-RP', 'startArtim']);
  // AA-1 by the local user: A-ABORT source 0 (service user).
  c = new Recorder(true);
  assert.equal(run('Sta6', 'Evt15', c), 'Sta13');
  assert.deepEqual(c.sent, [{ type: 'A-ABORT', source: 0, reason: 0 }]);
  // AA-8: A-ABORT source 2 with the reason given, A-P-ABORT indication, ARTIM.
  c = new Recorder(true);
  assert.equal(run('Sta6', 'Evt19', c, { abortReason: 6, error: new Error('bad') }), 'Sta13');
  assert.deepEqual(c.sent, [{ type: 'A-ABORT', source: 2, reason: 6 }]);
  assert.deepEqual(c.calls, ['send A-ABORT', 'indicate provider-abort', 'startArtim']);
  // AA-3: peer abort -> indication, close.  AA-6: nothing at all.
  c = new Recorder(true);
  assert.equal(run('Sta6', 'Evt16', c), 'Sta1');
  assert.deepEqual(c.calls, ['stopArtim', 'indicate abort', 'close']);
  c = new Recorder(true);
  assert.equal(run('Sta13', 'Evt10', c), 'Sta13');
  assert.deepEqual(c.calls, []);
  // AA-7: an A-ASSOCIATE-RQ after the association is gone gets an A-ABORT.
  c = new Recorder(true);
  assert.equal(run('Sta13', 'Evt6', c), 'Sta13');
  assert.equal(c.sent[0].type, 'A-ABORT');
});
