/**
 * Every code a DimseError carries, the layer that raises it and the place (ErrorPlace fields) it names. A program
 * switches on the code; the compiler checks that every code raised is one of these.
 */
export interface ErrorPlace {
  /** PDU type byte (0x01..0x07) the error refers to. */
  pduType?: number;
  /** Byte offset in the stream or buffer the error refers to. */
  offset?: number;
  /** Data element tag as a 32-bit number (group << 16 | element). */
  tag?: number;
  /** Presentation context id. */
  contextId?: number;
  /** A file the error refers to. */
  file?: string;
}

type Layer =
  | 'pdu' | 'pdv' | 'association' | 'dimse' | 'dataset' | 'part10' | 'encode' | 'writer' | 'values' | 'keys' | 'json'
  | 'stage' | 'sink' | 'service' | 'archive';

interface ErrorCodeInfo {
  readonly layer: Layer;
  readonly place: readonly (keyof ErrorPlace)[];
}

export const ERROR_CODES = {
  ARTIM_EXPIRED: { layer: 'association', place: [] },
  ASSOC_ABORTED: { layer: 'association', place: ['pduType'] },
  ASSOC_BAD_CONTEXT_ID: { layer: 'association', place: ['contextId'] },
  ASSOC_INVALID_STATE: { layer: 'association', place: [] },
  ASSOC_REJECTED: { layer: 'association', place: [] },
  ASSOC_UNEXPECTED_PDU: { layer: 'association', place: [] },
  BAD_IDENTIFIER: { layer: 'service', place: [] },
  CONNECTION_LOST: { layer: 'association', place: [] },
  CONNECT_FAILED: { layer: 'service', place: [] },
  CONNECT_TIMEOUT: { layer: 'service', place: [] },
  DATASET_BAD_TOKENS: { layer: 'dataset', place: ['offset'] },
  DATASET_BAD_VR: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_DEFLATE: { layer: 'dataset', place: ['file', 'offset'] },
  DATASET_DELIMITER_LENGTH: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_EXPECTED_ITEM: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_LENGTH_NOT_MULTIPLE: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_LENGTH_OVERRUN: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_MISSING_DELIMITER: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_ODD_ITEM_LENGTH: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_ODD_LENGTH: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_TOO_DEEP: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_TOO_LARGE: { layer: 'dataset', place: [] },
  DATASET_TRUNCATED: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_UNDEFINED_LENGTH: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_UNEXPECTED_DELIMITER: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DATASET_UNEXPECTED_ITEM: { layer: 'dataset', place: ['file', 'offset', 'tag'] },
  DIMSE_BAD_COMMAND: { layer: 'dimse', place: ['offset', 'tag'] },
  DIMSE_BAD_CONTEXT: { layer: 'dimse', place: ['contextId'] },
  DIMSE_BAD_FIELD: { layer: 'dimse', place: ['contextId', 'tag'] },
  DIMSE_BAD_GROUP_LENGTH: { layer: 'dimse', place: ['offset', 'tag'] },
  DIMSE_BAD_MESSAGE: { layer: 'dimse', place: ['contextId'] },
  DIMSE_INCOMPLETE_DATASET: { layer: 'dimse', place: ['contextId'] },
  DIMSE_NO_FINAL_RESPONSE: { layer: 'dimse', place: [] },
  DIMSE_NO_RESPONSE: { layer: 'dimse', place: [] },
  DIMSE_TIMEOUT: { layer: 'dimse', place: [] },
  DIMSE_UNEXPECTED_COMMAND: { layer: 'dimse', place: ['contextId'] },
  DIMSE_UNEXPECTED_DATA: { layer: 'dimse', place: ['contextId'] },
  DIMSE_UNEXPECTED_MESSAGE: { layer: 'dimse', place: ['contextId'] },
  ENCODE_BAD_VALUE: { layer: 'encode', place: ['tag'] },
  ENCODE_BAD_VR: { layer: 'encode', place: ['tag'] },
  ENCODE_VALUE_TOO_LONG: { layer: 'encode', place: ['tag'] },
  FILE_SHORT_WRITE: { layer: 'sink', place: ['file'] },
  IDENTIFIER_TOO_LARGE: { layer: 'archive', place: [] },
  IDENTIFIER_UNSUPPORTED_TS: { layer: 'archive', place: [] },
  JSON_BAD_TOKEN: { layer: 'json', place: ['tag'] },
  JSON_BULK_SHORT_WRITE: { layer: 'json', place: [] },
  JSON_BULK_WRITE: { layer: 'json', place: [] },
  JSON_CHARSET_UNSUPPORTED: { layer: 'json', place: ['tag'] },
  JSON_VALUE_TOO_LONG: { layer: 'json', place: ['tag'] },
  KEY_BAD_FORMAT: { layer: 'keys', place: [] },
  KEY_BAD_VALUE: { layer: 'keys', place: ['tag'] },
  KEY_UNKNOWN_TAG: { layer: 'keys', place: ['tag'] },
  LISTEN_FAILED: { layer: 'service', place: [] },
  META_BAD_PREAMBLE: { layer: 'part10', place: [] },
  META_BAD_VR: { layer: 'part10', place: ['file', 'offset', 'tag'] },
  META_TOO_LARGE: { layer: 'part10', place: ['file'] },
  META_TRUNCATED: { layer: 'part10', place: ['file', 'offset', 'tag'] },
  META_UNDEFINED_LENGTH: { layer: 'part10', place: ['file', 'offset', 'tag'] },
  MOVE_FAILED: { layer: 'service', place: [] },
  NO_PRESENTATION_CONTEXT: { layer: 'service', place: [] },
  PDU_BAD_ITEM: { layer: 'pdu', place: ['offset', 'pduType'] },
  PDU_BAD_LENGTH: { layer: 'pdu', place: ['offset', 'pduType'] },
  PDU_BAD_VALUE: { layer: 'pdu', place: ['pduType'] },
  PDU_TOO_LONG: { layer: 'pdu', place: ['pduType'] },
  PDU_TRUNCATED: { layer: 'pdu', place: ['offset'] },
  PDU_UNKNOWN_TYPE: { layer: 'pdu', place: ['offset', 'pduType'] },
  PDV_COMMAND_TOO_LONG: { layer: 'pdv', place: ['contextId'] },
  PDV_CONTEXT_CHANGED: { layer: 'pdv', place: ['contextId'] },
  PDV_DATA_IN_COMMAND: { layer: 'pdv', place: ['contextId'] },
  PDV_DATA_WITHOUT_COMMAND: { layer: 'pdv', place: ['contextId'] },
  PDV_LIMIT_TOO_SMALL: { layer: 'pdv', place: ['pduType'] },
  PDV_ODD_LENGTH: { layer: 'pdv', place: ['contextId'] },
  QUERY_FILE_BAD: { layer: 'keys', place: [] },
  RELEASE_FAILED: { layer: 'service', place: [] },
  STAGE_BAD_ATTRIBUTE: { layer: 'stage', place: ['tag'] },
  STAGE_BAD_VALUE: { layer: 'stage', place: ['offset', 'tag'] },
  STAGE_CANNOT_REWRITE: { layer: 'stage', place: ['offset', 'tag'] },
  STAGE_HEAD_TOO_LARGE: { layer: 'stage', place: ['offset'] },
  STAGE_UNKNOWN_ATTRIBUTE: { layer: 'stage', place: [] },
  VALUE_PARSE: { layer: 'values', place: [] },
  WRITER_BAD_OPTION: { layer: 'writer', place: ['file', 'offset'] },
  WRITER_BAD_TOKEN: { layer: 'writer', place: ['file', 'offset', 'tag'] },
  WRITER_CANNOT_CHANGE_REPRESENTATION: { layer: 'writer', place: ['file', 'offset', 'tag'] },
  WRITER_PIXEL_DATA_UNDEFINED_LENGTH: { layer: 'writer', place: ['offset', 'tag'] },
  WRITER_GROUP_LENGTH_UNKNOWN: { layer: 'writer', place: ['file', 'offset', 'tag'] },
  WRITER_TRUNCATED: { layer: 'writer', place: ['file', 'offset', 'tag'] },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The association ended under us: the peer's A-ABORT, or its connection closed or reset (DCMTK: both the same). */
export function isPeerGone(code: ErrorCode): boolean {
  return code === 'ASSOC_ABORTED' || code === 'CONNECTION_LOST';
}

/** A data set that cannot be read as one (the tokenizer's DATASET_* codes): the store answers "cannot understand". */
export function isMalformedDataset(code: ErrorCode): boolean {
  return ERROR_CODES[code].layer === 'dataset';
}
