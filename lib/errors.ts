/**
 * Every error the library raises is a DimseError: a stable code a program can switch on, and the place the
 * error refers to (PDU type and byte offset, tag and byte offset, file name), so that one log line says
 * what was wrong and where.
 */
import type { ErrorCode, ErrorPlace } from './error-codes';

export type { ErrorPlace };

export class DimseError extends Error {
  readonly code: ErrorCode;
  readonly place: ErrorPlace;
  constructor(code: ErrorCode, message: string, place: ErrorPlace = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DimseError';
    this.code = code;
    this.place = place;
  }
}

/** Formats a tag as DCMTK prints it: (gggg,eeee), lower-case hex. */
export function formatTag(tag: number): string {
  const g = (tag >>> 16).toString(16).padStart(4, '0');
  const e = (tag & 0xffff).toString(16).padStart(4, '0');
  return `(${g},${e})`;
}
