/**
 * The SOP classes both sides of Query/Retrieve name: the C-FIND and C-MOVE classes of each information model (PS3.4
 * C.6) and Verification. Here, below the client's services and our archive's, so that neither imports the other.
 */
import { uidOfKeyword } from '../dataset/dictionary/uids';

export type QueryModel = 'patient' | 'study' | 'psonly';

const model = (name: string): { find: string; move: string } => ({
  find: uidOfKeyword(`FIND${name}QueryRetrieveInformationModel`),
  move: uidOfKeyword(`MOVE${name}QueryRetrieveInformationModel`),
});
export const QUERY_MODELS: Record<QueryModel, { find: string; move: string }> = {
  patient: model('PatientRoot'),
  study: model('StudyRoot'),
  psonly: model('PatientStudyOnly'),
};

export const VERIFICATION_SOP_CLASS = uidOfKeyword('VerificationSOPClass');
