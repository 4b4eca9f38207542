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

/** strerror() of the errors a connect() or a write() can end with on Linux (what C programs, DCMTK among them, print). */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  ENOSPC: 'No space left on device',
  EFBIG: 'File too large',
  EIO: 'Input/output error',
  ENOENT: 'No such file or directory',
};

/** The system's text for a Node errno error ("Connection refused"), or its message when the table lacks it. */
export function systemErrorText(e: NodeJS.ErrnoException): string {
  return (e.code && STRERROR[e.code]) ?? e.message;
}
