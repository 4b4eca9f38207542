/** A generated study served by DCMTK's dcmqrscp: the set-up several peer tests share. */
import { join } from 'node:path';
import { makeStudy, type GeneratedStudy, type SeriesSpec } from './dicom-gen';
import { startDcmqrscpServing, tempDir, type Dcmqrscp, type TempDir } from './peers';

export interface ServedStudy { tmp: TempDir; qr: Dcmqrscp; storePort: number; study: GeneratedStudy }

/**
 * Writes a study into a fresh temporary folder named after `name`, indexes it into a dcmqrscp that knows MOVESCU on
 * a free port (`storePort`), and pushes what undoes both onto `cleanups`.
 */
export async function serveStudy(
  name: string, spec: { patientId: string; series: readonly SeriesSpec[] }, cleanups: (() => Promise<void> | void)[],
): Promise<ServedStudy> {
  const tmp = tempDir(name);
  cleanups.push(() => tmp.cleanup());
  const study = await makeStudy({ dir: join(tmp.path, 'src'), patientId: spec.patientId, series: [...spec.series] });
  const { qr, storePort } = await startDcmqrscpServing(study.files, { storageDir: join(tmp.path, 'db') });
  cleanups.push(() => qr.stop());
  return { tmp, qr, storePort, study };
}
