/** One DICOM file of the archive's folder, as the catalog knows it. */
export interface CatalogEntry {
  path: string;
  /** Byte offset of the data set in the file (after the file meta information). */
  datasetOffset: number;
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  /** Top-level text values (trimmed), by tag: what C-FIND matches and returns. */
  values: Map<number, string>;
  /** VR of each value in `values`. */
  vrs: Map<number, string>;
}

export type Level = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';

/** PS3.4 C.6: the unique key of each level. */
export const UNIQUE_KEY: Record<Level, number> = {
  PATIENT: 0x00100020, // PatientID
  STUDY: 0x0020000d, // StudyInstanceUID
  SERIES: 0x0020000e, // SeriesInstanceUID
  IMAGE: 0x00080018, // SOPInstanceUID
};

export const QUERY_RETRIEVE_LEVEL = 0x00080052;
