/**
 * What every sink does with an object's name and with a failure: DCMTK's file name (or the user's), and the
 * rejection with its reason and one log line that says whose fault it was.
 */
import { DimseError } from '../errors';
import type { Logger } from '../log';
import type { ReceivedObject } from '../received-object';
import { CannotUnderstand, DoesNotMatch } from './part10-writer';
import { dcmtkFileName } from '../dcmtk/prefixes';
import { isMalformedDataset } from '../error-codes';
import { valueNotLoadedError } from '../dcmtk/parser-warnings';

/** The name DCMTK gives an object's file, or the user's. */
export function objectFileName(obj: ReceivedObject, fileName?: (obj: ReceivedObject) => string): string {
  return fileName ? fileName(obj) : dcmtkFileName(obj.sopClassUid, obj.sopInstanceUid);
}

/**
 * Rejects an object whose output failed, with the reason and one log line that says whose fault it was: the
 * peer's (a transfer that broke off), the data set's, or the output's. Shared by every Part 10 sink.
 */
export function rejectFailed(obj: ReceivedObject, e: Error, name: string, log: Logger): void {
  // The sink is done with this body: whatever is still to come is dropped by the DIMSE reader.
  if (!obj.body.readableEnded) obj.body.destroy();
  if (obj.body.errored) {
    // The store service logs the failure as DCMTK's movescu does ("Store SCP Failed: ..."); this says what the
    // sink did about it, at debug level, where DCMTK's log has no line to match.
    log.debug(`incomplete object discarded (${e.message}): ${name}`);
    obj.reject('out-of-resources');
  } else if (e instanceof DimseError && e.code === 'WRITER_PIXEL_DATA_UNDEFINED_LENGTH' && e.place.tag !== undefined) {
    // DCMTK's two lines: its element's error as it writes the file, then movescu's (answered 0xA700).
    log.error(valueNotLoadedError(e.place.tag, 0xffffffff));
    log.error(`cannot write DICOM file: ${name}`);
    obj.reject('out-of-resources');
  } else if (e instanceof DoesNotMatch) {
    log.error(`data set does not match its C-STORE request, not stored: ${name}: ${e.message}`);
    obj.reject('does-not-match', e.message);
  } else if (e instanceof CannotUnderstand || (e instanceof DimseError && isMalformedDataset(e.code))) {
    log.error(`bad DICOM data set, not stored: ${name}: ${e.message}`);
    obj.reject('cannot-understand', e.message);
  } else {
    // Includes a conversion the writer refuses (encapsulated pixel data to an uncompressed syntax): DCMTK's
    // saveFile fails there too, and movescu answers it as a write failure (0xA700).
    log.error(`cannot write DICOM file: ${name}: ${e.message}`);
    obj.reject('out-of-resources');
  }
}
