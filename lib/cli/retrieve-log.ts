/**
 * DCMTK 3.6.7 movescu's log lines for a retrieval, rendered from the retrieval's events (movescu.cc and dcmnet's
 * DIMSE_moveUser): scripts grep these, so the wording, order and levels are DCMTK's. At debug level the DIMSE dump
 * replaces the "(MsgID n)" and "(status)" parts of the info lines, as in movescu.cc.
 */
import type { Logger } from '../log';
import type { RetrieveEvent } from '../services/retrieve';
import { moveOutcome, moveStatusString } from '../dimse/status';
import { dumpAssociationParameters } from '../dcmtk/association-dump';
import { dumpDataset } from '../dcmtk/dataset-dump';
import { dcmtkMaxSendPdv, dumpDimseMessage, moveResponseStatusDetail } from '../dcmtk/dimse-dump';

export function dcmtkRetrieveLog(log: Logger): (event: RetrieveEvent) => void {
  return (e) => {
    const debug = log.enabled('debug');
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
        if (debug) {
          log.info('Sending Move Request');
          log.debug(dumpDimseMessage(e.command, 'outgoing', e.contextId));
        } else {
          log.info(`Sending Move Request (MsgID ${e.messageId})`);
        }
        if (log.enabled('info')) log.info(`Request Identifiers:\n${dumpDataset(e.identifier)}`);
        return;
      case 'pending-dataset': {
        // dcmnet's DIMSE_moveUser (DIMSE_warn_str: the association's calling and called AE titles).
        const prefix = `DIMSE Warning: (${e.callingAeTitle},${e.calledAeTitle}): `;
        log.warn(`${prefix}moveUser: Status Pending, but DataSetType!=NULL`);
        log.warn(prefix + (e.read ? 'Reading but ignoring response identifier set' : 'Assuming NO response identifiers are present'));
        return;
      }
      case 'move-response':
        if (debug) {
          log.info(`Received Move Response ${e.response.index}`);
          log.debug(dumpDimseMessage(e.response.command, 'incoming'));
        } else {
          log.info(`Received Move Response ${e.response.index} (${moveStatusString(e.response.status)})`);
        }
        return;
      case 'cancel-request':
        log.info(`Sending Cancel Request (MsgID ${e.messageId}, PresID ${e.contextId})`);
        return;
      case 'move-final': {
        const status = e.response.status;
        // DCMTK warns before it reports the final response.
        const outcome = moveOutcome(status);
        if (outcome !== 'ok') log.warn(`Move response with ${outcome} status (${moveStatusString(status)})`);
        if (debug) {
          log.info('Received Final Move Response');
          log.debug(dumpDimseMessage(e.response.command, 'incoming'));
          const detail = moveResponseStatusDetail(e.response.command);
          if (detail.length > 0) log.debug(`Status Detail:\n${dumpDataset(detail, 'Little Endian Implicit')}`);
        } else {
          log.info(`Received Final Move Response (${moveStatusString(status)})`);
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
    }
  };
}
