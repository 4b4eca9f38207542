/**
 * Numbers of PS3.8 section 9.3 and Annex D that the codecs and the association layer share.
 */

/** Item types of the variable fields (PS3.8 9.3.2 - 9.3.3, Annex D). */
export const ItemType = {
  ApplicationContext: 0x10,
  PresentationContextRq: 0x20,
  PresentationContextAc: 0x21,
  AbstractSyntax: 0x30,
  TransferSyntax: 0x40,
  UserInformation: 0x50,
  MaxLength: 0x51,
  ImplementationClassUid: 0x52,
  AsyncOpsWindow: 0x53,
  RoleSelection: 0x54,
  ImplementationVersionName: 0x55,
  SopClassExtendedNegotiation: 0x56,
  SopClassCommonExtendedNegotiation: 0x57,
  UserIdentityRq: 0x58,
  UserIdentityAc: 0x59,
} as const;

/** A-ASSOCIATE-RJ result (PS3.8 table 9-21). */
export const RejectResult = { Permanent: 1, Transient: 2 } as const;

/** A-ASSOCIATE-RJ source (PS3.8 table 9-21). */
export const RejectSource = { ServiceUser: 1, ServiceProviderAcse: 2, ServiceProviderPresentation: 3 } as const;

/** A-ASSOCIATE-RJ reasons, per source (PS3.8 table 9-21). */
export const RejectReason = {
  /** Source 1 (service user). */
  NoReasonGiven: 1,
  ApplicationContextNameNotSupported: 2,
  CallingAeTitleNotRecognized: 3,
  CalledAeTitleNotRecognized: 7,
  /** Source 2 (ACSE): 1 no reason given, 2 protocol version not supported. */
  ProtocolVersionNotSupported: 2,
  /** Source 3 (presentation). */
  TemporaryCongestion: 1,
  LocalLimitExceeded: 2,
} as const;

/** A-ABORT source (PS3.8 table 9-26). 1 is reserved. */
export const AbortSource = { ServiceUser: 0, ServiceProvider: 2 } as const;

/** A-ABORT reason/diag, meaningful when the source is the service provider (PS3.8 table 9-26). */
export const AbortReason = {
  NotSpecified: 0,
  UnrecognizedPdu: 1,
  UnexpectedPdu: 2,
  UnrecognizedPduParameter: 4,
  UnexpectedPduParameter: 5,
  InvalidPduParameterValue: 6,
} as const;

/** Bytes in the fixed PDU header: type, reserved, 32-bit length. */
export const PDU_HEADER_LENGTH = 6;

/** DCMTK's ASC_MINIMUMPDUSIZE: the PDU size it sends with when a peer's maximum is too small to use. */
export const MINIMUM_PDU_SIZE = 4096;

/** Default bound for PDUs other than P-DATA-TF: association PDUs are small, and no buffer is unbounded. */
export const DEFAULT_MAX_OTHER_PDU_LENGTH = 1024 * 1024;

/** Names by PDU type byte, for messages. */
export const PDU_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'A-ASSOCIATE-RQ',
  0x02: 'A-ASSOCIATE-AC',
  0x03: 'A-ASSOCIATE-RJ',
  0x04: 'P-DATA-TF',
  0x05: 'A-RELEASE-RQ',
  0x06: 'A-RELEASE-RP',
  0x07: 'A-ABORT',
};

export function pduTypeName(type: number): string {
  return PDU_TYPE_NAMES[type] ?? `unknown PDU type 0x${type.toString(16).padStart(2, '0')}`;
}
