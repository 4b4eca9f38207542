/** PS3.7 E.1: the values of (0000,0100) CommandField. */
export const CommandField = {
  C_STORE_RQ: 0x0001, C_STORE_RSP: 0x8001,
  C_GET_RQ: 0x0010, C_GET_RSP: 0x8010,
  C_FIND_RQ: 0x0020, C_FIND_RSP: 0x8020,
  C_MOVE_RQ: 0x0021, C_MOVE_RSP: 0x8021,
  C_ECHO_RQ: 0x0030, C_ECHO_RSP: 0x8030,
  C_CANCEL_RQ: 0x0fff,
} as const;

/** PS3.7 E.1: (0000,0800) 0x0101 means "no data set"; any other value means one follows. */
export const NO_DATASET = 0x0101;
/** The value DCMTK and most peers send when a data set follows. */
export const DATASET_PRESENT = 0x0000;

/** PS3.7 C.4.1.1: priority values. */
export const Priority = { Medium: 0x0000, High: 0x0001, Low: 0x0002 } as const;
