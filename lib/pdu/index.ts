/** PS3.8 section 9.3: the PDU layer. */
export * from './types';
export * from './constants';
export { decodePdu, emptyUserInformation } from './decode';
export { encodePdu } from './encode';
export { PduReader } from './pdu-reader';
