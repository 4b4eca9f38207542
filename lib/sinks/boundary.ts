/**
 * The boundary of a multipart/related body (RFC 2046 5.1.1): a fresh one, and the check of one given. Apart from
 * multipart.ts so that the command line can check `--boundary` without loading the format (mime-types' database).
 */
import { randomBytes } from 'node:crypto';

/** A fresh boundary: 32 random hex digits, which no DICOM payload is expected to contain. */
export function randomBoundary(): string {
  return `dimse-stream-${randomBytes(16).toString('hex')}`;
}

/** RFC 2046 5.1.1: boundary characters, 1 to 70 of them, not ending in a space. */
export function validBoundary(b: string): boolean {
  return /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(b);
}
