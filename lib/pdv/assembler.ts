/**
 * PdvAssembler: PDVs in, message fragments out (PS3.8 annex E). A command set is small and is joined into one
 * Buffer; data-set PDVs pass through as they are (slices of the socket's data, never copied), so that a large
 * object streams. It checks the fragment rules a peer can break: data before its command, a command interrupted
 * by data, a context id that changes within a message, a command set that grows without end, a fragment of odd
 * length (PS3.7 annex F: DCMTK's DIMSE layer refuses it, "DIMSE: Odd Fragment Length", and aborts the association).
 */
import { DimseError } from '../errors';
import type { Pdv } from '../pdu/types';
import type { MessageFragment } from './fragments';

/** Command sets are a few hundred bytes; anything near this is hostile. */
const MAX_COMMAND_BYTES = 64 * 1024;

/** A pure core: the DIMSE reader feeds it each PDV it reads and acts on the fragment it returns. */
export class PdvAssembler {
  private commandParts: Buffer[] = [];
  private commandBytes = 0;
  private contextId = 0;
  /** True between the last command fragment and the last data fragment of a message with a data set. */
  private inData = false;

  /** The fragment this PDV completes, if any. Throws a DimseError on a broken fragment rule. */
  accept(pdv: Pdv): MessageFragment | undefined {
    if (pdv.data.length % 2 !== 0) {
      // Checked on every PDV, in every output mode: with +B the bytes go to the file untouched, and a data set sent
      // in odd fragments would otherwise be stored (and acknowledged) unreadable.
      throw new DimseError('PDV_ODD_LENGTH', `DIMSE: Odd Fragment Length: ${pdv.data.length}`, { contextId: pdv.contextId });
    }
    if (pdv.isCommand) {
      if (this.commandBytes > 0 && pdv.contextId !== this.contextId) {
        throw new DimseError('PDV_CONTEXT_CHANGED', `command fragment on context ${pdv.contextId}, expected ${this.contextId}`, { contextId: pdv.contextId });
      }
      this.inData = false;
      this.contextId = pdv.contextId;
      this.commandBytes += pdv.data.length;
      if (this.commandBytes > MAX_COMMAND_BYTES) {
        throw new DimseError('PDV_COMMAND_TOO_LONG', `command set exceeds ${MAX_COMMAND_BYTES} bytes`, { contextId: pdv.contextId });
      }
      this.commandParts.push(pdv.data);
      if (!pdv.isLast) return undefined;
      const command = this.commandParts.length === 1 ? this.commandParts[0] : Buffer.concat(this.commandParts);
      this.commandParts = [];
      this.commandBytes = 0;
      this.inData = true;
      return { kind: 'command', contextId: pdv.contextId, command };
    }
    if (this.commandBytes > 0) {
      throw new DimseError('PDV_DATA_IN_COMMAND', 'data fragment received before the last command fragment', { contextId: pdv.contextId });
    }
    if (!this.inData) {
      throw new DimseError('PDV_DATA_WITHOUT_COMMAND', 'data fragment received without a command', { contextId: pdv.contextId });
    }
    if (pdv.contextId !== this.contextId) {
      throw new DimseError('PDV_CONTEXT_CHANGED', `data fragment on context ${pdv.contextId}, command was on ${this.contextId}`, { contextId: pdv.contextId });
    }
    if (pdv.isLast) this.inData = false;
    return { kind: 'data', contextId: pdv.contextId, data: pdv.data, last: pdv.isLast };
  }
}
