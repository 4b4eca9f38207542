/**
 * PS3.8 section 9.3: the seven PDUs as a discriminated union on `type`.
 * UIDs and AE titles are plain strings, trimmed of the padding the wire carries.
 */

export interface PresentationContextRq {
  /** Odd number 1..255. */
  id: number;
  abstractSyntax: string;
  transferSyntaxes: string[];
}

/** Result/reason of a presentation context in the A-ASSOCIATE-AC (PS3.8 table 9-18). */
export const PcResult = {
  Acceptance: 0,
  UserRejection: 1,
  NoReason: 2,
  AbstractSyntaxNotSupported: 3,
  TransferSyntaxesNotSupported: 4,
} as const;

export interface PresentationContextAc {
  id: number;
  result: number;
  /** The accepted transfer syntax; the standard says it is not significant unless result is Acceptance. */
  transferSyntax: string;
}

export interface RoleSelection {
  sopClassUid: string;
  scuRole: boolean;
  scpRole: boolean;
}

export interface ExtendedNegotiation {
  sopClassUid: string;
  info: Buffer;
}

export interface CommonExtendedNegotiation {
  sopClassUid: string;
  serviceClassUid: string;
  relatedGeneralSopClassUids: string[];
}

export interface UserIdentityRq {
  /** 1 username, 2 username+passcode, 3 Kerberos, 4 SAML, 5 JWT. */
  identityType: number;
  positiveResponseRequested: boolean;
  primaryField: Buffer;
  secondaryField: Buffer;
}

export interface UserInformation {
  /** 0 means no limit (PS3.8 D.1). */
  maxPduLength: number;
  implementationClassUid: string;
  implementationVersionName?: string;
  asyncOps?: { invoked: number; performed: number };
  roleSelections: RoleSelection[];
  extendedNegotiations: ExtendedNegotiation[];
  commonExtendedNegotiations: CommonExtendedNegotiation[];
  userIdentityRq?: UserIdentityRq;
  /** Server response of the A-ASSOCIATE-AC user identity sub-item (0x59). */
  userIdentityAc?: Buffer;
}

export interface AssociateRq {
  type: 'A-ASSOCIATE-RQ';
  protocolVersion: number;
  calledAeTitle: string;
  callingAeTitle: string;
  applicationContext: string;
  presentationContexts: PresentationContextRq[];
  userInfo: UserInformation;
}

export interface AssociateAc {
  type: 'A-ASSOCIATE-AC';
  protocolVersion: number;
  /** Echoed from the request (the standard says: not tested). */
  calledAeTitle: string;
  callingAeTitle: string;
  applicationContext: string;
  presentationContexts: PresentationContextAc[];
  userInfo: UserInformation;
}

export interface AssociateRj {
  type: 'A-ASSOCIATE-RJ';
  /** 1 rejected-permanent, 2 rejected-transient. */
  result: number;
  /** 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation). */
  source: number;
  reason: number;
}

export interface Pdv {
  contextId: number;
  /** Message control header bit 0. */
  isCommand: boolean;
  /** Message control header bit 1. */
  isLast: boolean;
  /** The value's bytes: a slice of the received data, never copied on the read path. */
  data: Buffer;
}

export interface PData {
  type: 'P-DATA-TF';
  pdvs: Pdv[];
}

export interface ReleaseRq { type: 'A-RELEASE-RQ' }
export interface ReleaseRp { type: 'A-RELEASE-RP' }

export interface Abort {
  type: 'A-ABORT';
  /** 0 service-user, 2 service-provider. */
  source: number;
  /** Meaningful only when source is 2 (PS3.8 table 9-26). */
  reason: number;
}

export type Pdu = AssociateRq | AssociateAc | AssociateRj | PData | ReleaseRq | ReleaseRp | Abort;
