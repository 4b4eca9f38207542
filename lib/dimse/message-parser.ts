/**
 * PDVs in, DIMSE message parts out, as a pure core: `accept(pdv, emit)` runs the PDV through the fragment rules
 * (PdvAssembler), decodes a complete command set, and emits the start of a message (its command, and whether a data
 * set follows) or a piece of the current data set. It checks the rules between messages that a peer can break: a
 * command before the last fragment of the previous data set, data after a command without one, data on another
 * presentation context. Throws a DimseError on any of them; the parser must not be fed again after that.
 */
import { DimseError } from '../errors';
import { PdvAssembler } from '../pdv/assembler';
import type { Pdv } from '../pdu/types';
import { decodeCommandSet, type Command } from './command';
import { NO_DATASET } from './command-field';

export type MessagePart =
  /** `uidsWithSpaces`: the command's UIDs (tags) from which white space was removed (DCMTK warns of each). */
  | { kind: 'command'; contextId: number; command: Command; hasDataset: boolean; uidsWithSpaces: number[] }
  | { kind: 'data'; data: Buffer; last: boolean };

export interface MessageParserOptions {
  /**
   * Commands whose data set type is not believed: they are taken to have no data set, so that a data fragment after
   * one is a protocol error (DCMTK's default for a pending C-MOVE response that announces one, movescu -pi).
   */
  ignoreDatasetOf?(command: Command): boolean;
}

export class MessageParser {
  private readonly assembler = new PdvAssembler();
  /** True while a data set has begun and its last fragment has not come. */
  private receiving = false;
  /** The presentation context of the data set being received. */
  private datasetContext = 0;

  constructor(private readonly options: MessageParserOptions = {}) {}

  /** True while a data set has begun and its last fragment has not come. */
  get inDataset(): boolean {
    return this.receiving;
  }

  accept(pdv: Pdv, emit: (part: MessagePart) => void): void {
    const frag = this.assembler.accept(pdv);
    if (!frag) return;
    if (frag.kind === 'command') {
      if (this.inDataset) {
        throw new DimseError('DIMSE_INCOMPLETE_DATASET', 'a new command arrived before the last data fragment of the previous data set', { contextId: frag.contextId });
      }
      const { command, uidsWithSpaces } = decodeCommandSet(frag.command);
      const hasDataset = command.CommandDataSetType !== NO_DATASET && !this.options.ignoreDatasetOf?.(command);
      if (hasDataset) {
        this.receiving = true;
        this.datasetContext = frag.contextId;
      }
      emit({ kind: 'command', contextId: frag.contextId, command, hasDataset, uidsWithSpaces });
      return;
    }
    // DCMTK's words for this ("DIMSE: Command PDV Expected"), which users grep.
    if (!this.inDataset) throw new DimseError('DIMSE_UNEXPECTED_DATA', 'DIMSE: Command PDV Expected (a data set fragment after a command without a data set)', { contextId: frag.contextId });
    if (frag.contextId !== this.datasetContext) {
      throw new DimseError('PDV_CONTEXT_CHANGED', `data set fragment on context ${frag.contextId}, command was on ${this.datasetContext}`, { contextId: frag.contextId });
    }
    if (frag.last) this.receiving = false;
    emit({ kind: 'data', data: frag.data, last: frag.last });
  }
}
