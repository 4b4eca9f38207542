/**
 * The defaults a user meets, in one place: DCMTK 3.6.7 movescu's where it has one (its --help prints them), ours
 * where it has none. The CLI's help texts, the library's options and our archive read them from here.
 */

/** ASC_MINIMUMPDUSIZE, ASC_MAXIMUMPDUSIZE, ASC_DEFAULTMAXPDU (dcmnet/assoc.h). */
export const MIN_PDU = 4096;
export const MAX_PDU = 131072;
export const DEFAULT_MAX_PDU = 16384;

/** movescu's calling AE title (-aet) and its default for the archive's (-aec). */
export const DEFAULT_AE_TITLE = 'MOVESCU';
export const DEFAULT_PEER_AE_TITLE = 'ANY-SCP';

/** movescu's -ta: seconds to wait for an A-ASSOCIATE-AC, A-RELEASE-RP or the peer's close (the ARTIM timer). */
export const DEFAULT_ACSE_TIMEOUT_S = 30;
export const DEFAULT_ACSE_TIMEOUT_MS = DEFAULT_ACSE_TIMEOUT_S * 1000;

/**
 * Ours: store sub-associations served at once on the incoming port (DCMTK serves one at a time). An archive opens
 * one or a few; a flood must not open thousands.
 */
export const DEFAULT_MAX_ASSOCIATIONS = 16;

/** Ours (--max-in-flight): objects a sink writes at once. */
export const DEFAULT_MAX_IN_FLIGHT = 4;
