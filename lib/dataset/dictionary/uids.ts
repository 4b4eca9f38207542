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

// Built once at import (no module state that changes later).
const BY_UID: ReadonlyMap<string, UidEntry> = new Map(
  UIDS.map(([uid, name, keyword, type, retired, dcmtkName]): [string, UidEntry] => [
    uid,
    { uid, name, keyword, type, retired: retired === 1, ...(dcmtkName !== '' ? { dcmtkName } : {}) },
  ]),
);
const UID_BY_KEYWORD: ReadonlyMap<string, string> = new Map([...BY_UID.values()].map((e) => [e.keyword, e.uid]));


/** The UID of a registry keyword ('VerificationSOPClass'); throws for a keyword the table does not have. */
export function uidOfKeyword(keyword: string): string {
  const uid = UID_BY_KEYWORD.get(keyword);
  if (!uid) throw new Error(`no UID with keyword ${keyword} in the generated registry`);
  return uid;
}

export function uidEntry(uid: string): UidEntry | undefined {
  return BY_UID.get(uid);
}

/** DCMTK's name for a UID as its logs print it (e.g. 'CTImageStorage', 'LittleEndianExplicit'), else the UID. */
export function dcmtkUidName(uid: string): string {
  return BY_UID.get(uid)?.dcmtkName ?? uid;
}

/**
 * The storage SOP classes our store SCP accepts: DCMTK 3.6.7's dcmAllStorageSOPClassUIDs and the other "...Storage"
 * SOP classes its dcuid.h defines (Hanging Protocol, Color Palette, Implant Templates, Defined Procedure Protocols,
 * Protocol Approval). Classes added to the standard after 2022b are not in it (see scripts/data/SOURCES.md).
 */
export const STORAGE_SOP_CLASSES: readonly string[] = STORAGE_SOP_CLASS_UIDS;

/** Exactly DCMTK 3.6.7's dcmAllStorageSOPClassUIDs (what its movescu accepts), in DCMTK's order. */
export const DCMTK_STORAGE_SOP_CLASSES: readonly string[] = DCMTK_ALL_STORAGE_SOP_CLASS_UIDS;

const STORAGE: ReadonlySet<string> = new Set(STORAGE_SOP_CLASSES);

export function isStorageSopClass(uid: string): boolean {
  return STORAGE.has(uid);
}

/** Every transfer syntax DCMTK 3.6.7 knows (retired ones too), by its PS3.6 keyword (DCMTK's name for GE's private one). */
export const TS = TRANSFER_SYNTAXES;


