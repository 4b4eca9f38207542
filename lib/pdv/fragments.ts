/** What the PDV layer hands up: a whole command set, or one piece of a data set, in arrival order. */
export type MessageFragment =
  | { kind: 'command'; contextId: number; command: Buffer }
  | { kind: 'data'; contextId: number; data: Buffer; last: boolean };
