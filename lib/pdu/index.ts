/** PS3.8 section 9.3: the PDU layer. */
export * from './types';
export * from './constants';
export { decodePdu, decodePduBody, emptyUserInformation } from './decode';
export { encodePdu } from './encode';
export { PduReader, type PduReaderOptions } from './pdu-reader';
export { PduWriter, type PduWriterOptions } from './pdu-writer';
export { describePdu, describeRejection, pcResultName } from './describe';
