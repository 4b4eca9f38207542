/** C-ECHO SCU (PS3.7 9.1.5): associate, verify, release. Part of the public API, for setup checks. */
import { requestAssociation } from '../association/association';
import { TS } from '../dataset/dictionary/uids';
import { CommandField } from '../dimse/command-field';
import { DimseReader } from '../dimse/reader';
import { sendMessage } from '../dimse/writer';
import { DimseError } from '../errors';
import type { Logger } from '../log';
import { VERIFICATION_SOP_CLASS } from './sop-classes';
import { DEFAULT_ACSE_TIMEOUT_MS, DEFAULT_MAX_PDU, DEFAULT_PEER_AE_TITLE } from '../defaults';
import { connectTcp } from './connect';

export interface EchoOptions {
  host: string;
  port: number;
  callingAeTitle?: string;
  calledAeTitle?: string;
  maxPduLength?: number;
  acseTimeoutMs?: number;
  logger?: Logger;
}

/** Resolves with the C-ECHO-RSP status (0x0000 is success). */
export async function echo(o: EchoOptions): Promise<number> {
  const socket = await connectTcp(o.host, o.port);
  const assoc = await requestAssociation(socket, {
    callingAeTitle: o.callingAeTitle ?? 'ECHOSCU',
    calledAeTitle: o.calledAeTitle ?? DEFAULT_PEER_AE_TITLE,
    presentationContexts: [{ id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [TS.ImplicitVRLittleEndian] }],
  }, { maxPduLength: o.maxPduLength ?? DEFAULT_MAX_PDU, artimTimeoutMs: o.acseTimeoutMs ?? DEFAULT_ACSE_TIMEOUT_MS, logger: o.logger });
  const ctx = assoc.contexts.get(1);
  if (!ctx) {
    assoc.abort();
    throw new DimseError('NO_PRESENTATION_CONTEXT', 'the peer did not accept the Verification SOP class');
  }
  const reader = new DimseReader(assoc);
  await sendMessage(assoc, 1, { CommandField: CommandField.C_ECHO_RQ, MessageID: 1, AffectedSOPClassUID: VERIFICATION_SOP_CLASS });
  const rsp = await reader.nextMessage();
  if (!rsp || rsp.command.CommandField !== CommandField.C_ECHO_RSP) {
    assoc.abort();
    throw new DimseError('DIMSE_UNEXPECTED_MESSAGE', 'expected a C-ECHO-RSP');
  }
  await assoc.release();
  return rsp.command.Status ?? 0xffff;
}
