/**
 * The SOP Class and SOP Instance UIDs a data set names for itself (top-level (0008,0016) and (0008,0018)), read
 * from its tokens as they pass: a received object whose data set contradicts its C-STORE request must not be stored
 * as what the request says it is (DCMTK's movescu answers 0xA900 there; one without them, 0xC000).
 */
import type { DatasetToken } from '../codec/tokens';

const SOP_CLASS_UID = 0x00080016;
const SOP_INSTANCE_UID = 0x00080018;

export class SopIdentity {
  private depth = 0;
  private current: number | null = null;
  private readonly values = new Map<number, Buffer[]>();

  push(t: DatasetToken): void {
    switch (t.type) {
      case 'sequenceStart': case 'encapsulatedStart': this.depth++; return;
      case 'sequenceEnd': case 'encapsulatedEnd': this.depth--; return;
      case 'element':
        this.current = this.depth === 0 && (t.tag === SOP_CLASS_UID || t.tag === SOP_INSTANCE_UID) && !this.values.has(t.tag) ? t.tag : null;
        if (this.current !== null) this.values.set(this.current, []);
        return;
      case 'value':
        if (this.current !== null) this.values.get(this.current)?.push(t.data);
        return;
      case 'elementEnd':
        this.current = null;
        return;
      default:
    }
  }

  /**
   * The UID as DCMTK reads it, or null if the element is absent: dcmdata's input correction (DcmUniqueIdentifier::
   * makeMachineByteString) removes every white space character, leading, embedded or trailing, then the NUL padding.
   */
  private uid(tag: number): string | null {
    const v = this.values.get(tag);
    return v ? Buffer.concat(v).toString('latin1').replace(/[ \t\n\v\f\r]/g, '').replace(/\0+$/, '') : null;
  }

  get sopClassUid(): string | null { return this.uid(SOP_CLASS_UID); }
  get sopInstanceUid(): string | null { return this.uid(SOP_INSTANCE_UID); }
}
