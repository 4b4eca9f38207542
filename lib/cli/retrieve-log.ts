/**
 * DCMTK 3.6.7 movescu's log lines for a retrieval and its sub-associations, rendered from the retrieval's events
 * (movescu.cc and dcmnet's DIMSE_moveUser): scripts grep these, so the wording, order and levels are DCMTK's. At debug level the DIMSE dump
 * replaces the "(MsgID n)" and "(status)" parts of the info lines, as in movescu.cc.
 */
import type { Logger } from '../log';
import type { RetrieveEvent } from '../services/retrieve';
import { hex4, moveOutcome, moveStatusString } from '../dimse/status';
import { storeCondition } from '../dcmtk/conditions';
import { logModality } from '../dcmtk/prefixes';
import { REQUEST_WARNINGS, dimseWarning } from '../dcmtk/dimse-warnings';
import { dumpAssociationParameters } from '../dcmtk/association-dump';
import { dumpDataset } from '../dcmtk/dataset-dump';
import { uidSpacesWarning } from '../dcmtk/parser-warnings';
import { dcmtkMaxSendPdv, dumpDimseMessage, moveResponseStatusDetail, type DimseDirection } from '../dcmtk/dimse-dump';
import type { Command } from '../dimse/command';

export function dcmtkRetrieveLog(log: Logger): (event: RetrieveEvent) => void {
  return (e) => {
    const debug = log.enabled('debug');
    // movescu.cc: at debug level the DIMSE dump replaces the "(MsgID n)" or "(status)" part of the info line.
    const message = (line: string, detail: string, command: Command, direction: DimseDirection, contextId?: number): void => {
      if (debug) {
        log.info(line);
        log.debug(dumpDimseMessage(command, direction, contextId));
      } else {
        log.info(`${line} (${detail})`);
      }
    };
    switch (e.type) {
      case 'requesting-association':
        // movescu.cc: the parameters at debug level first, then "Requesting Association".
        if (debug) log.debug(['Request Parameters:', ...dumpAssociationParameters({ side: 'requestor', rq: e.rq })].join('\n'));
        log.info('Requesting Association');
        return;
      case 'association-negotiated':
        if (debug) log.debug(['Association Parameters Negotiated:', ...dumpAssociationParameters({ side: 'requestor', rq: e.rq, ac: e.ac })].join('\n'));
        return;
      case 'association-accepted':
        log.info(`Association Accepted (Max Send PDV: ${dcmtkMaxSendPdv(e.peerMaxPduLength)})`);
        return;
      case 'move-request':
        message('Sending Move Request', `MsgID ${e.messageId}`, e.command, 'outgoing', e.contextId);
        if (log.enabled('info')) log.info(`Request Identifiers:\n${dumpDataset(e.identifier)}`);
        return;
      case 'pending-dataset': {
        // dcmnet's DIMSE_moveUser.
        const warn = (text: string): void => log.warn(dimseWarning(e.callingAeTitle, e.calledAeTitle, text));
        warn('moveUser: Status Pending, but DataSetType!=NULL');
        warn(e.read ? 'Reading but ignoring response identifier set' : 'Assuming NO response identifiers are present');
        return;
      }
      case 'move-response':
        message(`Received Move Response ${e.response.index}`, moveStatusString(e.response.status), e.response.command, 'incoming');
        return;
      case 'cancel-request':
        log.info(`Sending Cancel Request (MsgID ${e.messageId}, PresID ${e.contextId})`);
        return;
      case 'move-final': {
        const status = e.response.status;
        // DCMTK warns before it reports the final response.
        const outcome = moveOutcome(status);
        if (outcome !== 'ok') log.warn(`Move response with ${outcome} status (${moveStatusString(status)})`);
        message('Received Final Move Response', moveStatusString(status), e.response.command, 'incoming');
        if (debug) {
          const detail = moveResponseStatusDetail(e.response.command);
          if (detail.length > 0) log.debug(`Status Detail:\n${dumpDataset(detail, 'Little Endian Implicit')}`);
        }
        return;
      }
      case 'sub-association-lingering':
        log.warn(`sub-association still open ${e.timeoutMs / 1000} s after the final move response: aborting it`);
        return;
      case 'releasing':
        log.info('Releasing Association');
        return;
      case 'aborting':
        log.info('Aborting Association');
        return;
      // The sub-associations (movescu.cc subOpSCP, storeSCP, echoSCP).
      case 'sub-association-received':
        log.info('Sub-Association Received');
        if (debug) log.debug(['Parameters:', ...dumpAssociationParameters({ side: 'acceptor', rq: e.rq, own: e.own })].join('\n'));
        return;
      case 'sub-association-rejected':
        log.warn(`Sub-Association Rejected: ${e.why}`);
        return;
      case 'sub-association-acknowledged':
        log.info(`Sub-Association Acknowledged (Max Send PDV: ${dcmtkMaxSendPdv(e.peerMaxPduLength)})`);
        if (e.contexts === 0) log.info('    (but no valid presentation contexts)');
        if (debug) log.debug(dumpAssociationParameters({ side: 'acceptor', rq: e.rq, ac: e.ac, own: e.own }).join('\n'));
        return;
      case 'dimse-timeout':
        log.error(`DIMSE timeout: nothing received on a sub-association for ${e.timeoutMs / 1000} s (-td): aborting it`);
        return;
      case 'command-uid-spaces':
        // dcmdata, as DCMTK's DIMSE layer reads the command (before it parses or checks it).
        for (const t of e.tags) log.warn(uidSpacesWarning(t));
        return;
      case 'echo-request':
        message('Received Echo Request', `MsgID ${e.command.MessageID}`, e.command, 'incoming', e.contextId);
        return;
      case 'store-request':
        message('Received Store Request', `MsgID ${e.command.MessageID}, ${logModality(e.command.AffectedSOPClassUID ?? '')}`, e.command, 'incoming', e.contextId);
        return;
      case 'bad-request':
        // dimse.cc validateMessage, before movescu sees the request; the failure line follows ('dimse-failure').
        for (const p of e.problems) log.warn(dimseWarning(e.callingAeTitle, e.calledAeTitle, REQUEST_WARNINGS[p]));
        return;
      case 'unexpected-command': {
        // movescu.cc subOpSCP: the command field in hex, no name.
        log.error(`Expected C-ECHO or C-STORE request but received DIMSE command ${hex4(e.command.CommandField)}`);
        log.debug(dumpDimseMessage(e.command, 'incoming', e.contextId));
        return;
      }
      case 'store-failed':
        // No response goes out for this C-STORE (DIMSE_storeProvider returns early).
        log.error(`Store SCP Failed: ${storeCondition(e.error)}`);
        return;
      case 'dimse-failure':
        log.error(`DIMSE failure (aborting sub-association): ${storeCondition(e.error)}`);
        // DCMTK's subOpSCP keeps the sub-association after a successful abort; its next pass over the sockets reads
        // the closed connection and logs the failure again, with its sub-conditions. Scripts see these lines: so do we.
        log.error(['DIMSE failure (aborting sub-association): 0006:020d DIMSE Failed to receive message',
          '0006:020c DIMSE Read PDV failed', '0006:0310 DUL network closed'].join('\n'));
        return;
    }
  };
}
