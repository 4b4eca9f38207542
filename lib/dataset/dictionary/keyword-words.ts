/**
 * A keyword split into words, as a stand-in for the name dicom.dic does not carry: 'PatientID' -> 'Patient ID',
 * 'SOPClassUID' -> 'SOP Class UID', 'XRay3DAcquisitionSequence' -> 'X Ray 3D Acquisition Sequence'.
 * Shared by the generator (UID names) and the dictionary, which derives each name when it is first asked for
 * instead of storing 5000 of them.
 */
export function wordsOf(keyword: string): string {
  return keyword
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/([A-Z0-9]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim();
}
