/**
 * File names as DCMTK 3.6.7 (Debian 3.6.7-9~deb12u4, our reference) writes them: PREFIX.SOPInstanceUID, PREFIX from
 * DCMTK's table (dcmSOPClassUIDToModality, generated into prefixes.generated.ts), the name then passed through
 * OFStandard::sanitizeFilename, which in that build keeps only space - . 0-9 : @ A-Z _ a-z and turns every other
 * byte into '_'. See scripts/data/SOURCES.md for the facts and where they were read.
 */
import { DCMTK_FILE_PREFIXES } from './prefixes.generated';

/**
 * Prefix for a SOP class DCMTK's table does not know. DCMTK's movescu never gets one (it only accepts
 * dcmAllStorageSOPClassUIDs, which all have a prefix) and would print '(null)' if it did; storescp and DcmSCU use
 * 'UNKNOWN', and so do we.
 */
export const UNKNOWN_PREFIX = 'UNKNOWN';

const PREFIXES: ReadonlyMap<string, string> = new Map(DCMTK_FILE_PREFIXES);


/** DCMTK's file name prefix for a SOP class ('CT', 'MR', 'SC', 'SCw', ...), or UNKNOWN_PREFIX. */
export function filePrefix(sopClassUid: string): string {
  return PREFIXES.get(sopClassUid) ?? UNKNOWN_PREFIX;
}

/** The abbreviation movescu prints in "Received Store Request (MsgID n, CT)": the prefix, or 'OT' when unknown. */
export function logModality(sopClassUid: string): string {
  return PREFIXES.get(sopClassUid) ?? 'OT';
}

/**
 * OFStandard::sanitizeFilename as built in Debian's DCMTK 3.6.7-9~deb12u4: byte by byte, space - . 0-9 : @ A-Z _ a-z
 * stay, every other byte becomes '_'. `name` holds one character per received byte (the command decoder reads
 * strings as latin1), so one '_' per character is one per byte, as in DCMTK.
 */
export function sanitizeFileName(name: string): string {
  return name.replace(/[^ \-.0-9:@A-Z_a-z]/g, '_');
}

/**
 * The file name movescu writes for an object (inside its -od folder): PREFIX.SOPInstanceUID, sanitised. The UID is
 * taken as DCMTK takes it, as a C string: it ends at its first NUL, if any.
 */
export function dcmtkFileName(sopClassUid: string, sopInstanceUid: string): string {
  const nul = sopInstanceUid.indexOf('\0');
  const uid = nul < 0 ? sopInstanceUid : sopInstanceUid.slice(0, nul);
  return sanitizeFileName(`${filePrefix(sopClassUid)}.${uid}`);
}
