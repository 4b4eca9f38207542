/**
 * The UID registry as DCMTK 3.6.7 knows it (the UIDs of its dcuid.h, its storage SOP class list and its transfer
 * syntax table; PS3.6-2022b era), the storage SOP classes, the transfer syntaxes.
 * The rows are generated (uids.generated.ts, see scripts/data/SOURCES.md); this file only indexes them, once, on first use.
 */
import {
  DCMTK_ALL_STORAGE_SOP_CLASS_UIDS,
  STORAGE_SOP_CLASS_UIDS,
  TRANSFER_SYNTAXES,
  UIDS,
} from './uids.generated';

export interface UidEntry {
  uid: string;
  /** DcmXfer's name for a transfer syntax ('Little Endian Implicit'), else the keyword split into words. */
  name: string;
  /** PS3.6's keyword for a transfer syntax; else DCMTK's name without its RETIRED_ prefix ('CTImageStorage'). */
  keyword: string;
  /**
   * 'SOP Class', 'Transfer Syntax', 'Meta SOP Class', 'Well-known SOP Instance', 'Well-known frame of reference', ...
   * (PS3.6's words), from where DCMTK puts the UID; '' for DCMTK's private UIDs.
   */
  type: string;
  retired: boolean;
  /** The name DCMTK 3.6.7 prints for this UID in its logs (dcmFindNameOfUID), when it has one. */
  dcmtkName?: string;
}

let byUid: Map<string, UidEntry> | undefined;
let storage: Set<string> | undefined;

function index(): Map<string, UidEntry> {
  if (!byUid) {
    byUid = new Map();
    for (const [uid, name, keyword, type, retired, dcmtkName] of UIDS) {
      const e: UidEntry = { uid, name, keyword, type, retired: retired === 1 };
      if (dcmtkName !== '') e.dcmtkName = dcmtkName;
      byUid.set(uid, e);
    }
  }
  return byUid;
}

let byKeyword: Map<string, string> | undefined;

/** The UID of a registry keyword ('VerificationSOPClass'); throws for a keyword the table does not have. */
export function uidOfKeyword(keyword: string): string {
  if (!byKeyword) {
    byKeyword = new Map();
    for (const e of index().values()) byKeyword.set(e.keyword, e.uid);
  }
  const uid = byKeyword.get(keyword);
  if (!uid) throw new Error(`no UID with keyword ${keyword} in the generated registry`);
  return uid;
}

export function uidEntry(uid: string): UidEntry | undefined {
  return index().get(uid);
}

/** DCMTK's name for a UID as its logs print it (e.g. 'CTImageStorage', 'LittleEndianExplicit'), else the UID. */
export function dcmtkUidName(uid: string): string {
  return index().get(uid)?.dcmtkName ?? uid;
}

/**
 * The storage SOP classes our store SCP accepts: DCMTK 3.6.7's dcmAllStorageSOPClassUIDs and the other "...Storage"
 * SOP classes its dcuid.h defines (Hanging Protocol, Color Palette, Implant Templates, Defined Procedure Protocols,
 * Protocol Approval). Classes added to the standard after 2022b are not in it (see scripts/data/SOURCES.md).
 */
export const STORAGE_SOP_CLASSES: readonly string[] = STORAGE_SOP_CLASS_UIDS;

/** Exactly DCMTK 3.6.7's dcmAllStorageSOPClassUIDs (what its movescu accepts), in DCMTK's order. */
export const DCMTK_STORAGE_SOP_CLASSES: readonly string[] = DCMTK_ALL_STORAGE_SOP_CLASS_UIDS;

export function isStorageSopClass(uid: string): boolean {
  return (storage ??= new Set(STORAGE_SOP_CLASSES)).has(uid);
}

/** Every transfer syntax DCMTK 3.6.7 knows (retired ones too), by its PS3.6 keyword (DCMTK's name for GE's private one). */
export const TS = TRANSFER_SYNTAXES;
export type TransferSyntaxKeyword = keyof typeof TS;
export type TransferSyntaxUid = (typeof TS)[TransferSyntaxKeyword];
