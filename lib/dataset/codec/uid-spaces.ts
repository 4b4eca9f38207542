/**
 * Which UI values of a data set hold white space, in the order read: DCMTK's normal mode removes every space from a
 * UID it reads (DcmUniqueIdentifier::makeMachineByteString, automatic input data correction) and warns once per
 * element; the writer removes them (writer.ts fixString), this notes where, for the warning.
 */
import type { DatasetToken } from './tokens';

const isSpace = (b: number): boolean => b === 0x20 || (b >= 0x09 && b <= 0x0d);

export class UidSpaces {
  /** Tags of the UI elements with white space, in the order read (nested ones included). */
  readonly tags: number[] = [];
  private current: number | null = null;
  private found = false;

  push(t: DatasetToken): void {
    if (t.type === 'element') {
      this.current = t.vr === 'UI' ? t.tag : null;
      this.found = false;
    } else if (t.type === 'value' && this.current !== null && !this.found) {
      this.found = t.data.some(isSpace);
    } else if (t.type === 'elementEnd' && this.current !== null) {
      if (this.found) this.tags.push(this.current);
      this.current = null;
    }
  }
}
