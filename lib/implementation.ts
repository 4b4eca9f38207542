/**
 * Who we are on the wire: the implementation class UID (a 2.25 UUID-derived root, PS3.5 B.2) and the
 * implementation version name (at most 16 characters), sent in every A-ASSOCIATE and written in (0002,0012) /
 * (0002,0013) of every file we write.
 */
export const IMPLEMENTATION_CLASS_UID = '2.25.285667344736575270070529060015697356015';
export const IMPLEMENTATION_VERSION_NAME = 'DIMSESTREAM_010';
/** PS3.7 A.2.1: the only application context name. */
export const APPLICATION_CONTEXT_NAME = '1.2.840.10008.3.1.1.1';
