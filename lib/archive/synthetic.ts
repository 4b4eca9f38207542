/**
 * A small synthetic study written with our own encoder: a few series of CT, MR and secondary-capture images with
 * a gradient for pixels, as Part 10 files. For the demo and tests; the UIDs are fresh 2.25 UUID-derived ones.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeDataset } from '../dataset/codec/encode';
import type { DataElement } from '../dataset/codec/element';
import { encodeFileMeta } from '../dataset/part10/file-meta';
import { TS } from '../dataset/dictionary/uids';
import { valueFromString } from '../dataset/codec/values';
import { lookupKeyword } from '../dataset/dictionary/dictionary';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';

export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

export interface SyntheticSeries {
  sopClassUid: string;
  modality: string;
  count: number;
  rows: number;
  columns: number;
  transferSyntaxUid?: string;
}

export interface SyntheticStudy {
  studyInstanceUid: string;
  patientId: string;
  files: { path: string; sopClassUid: string; sopInstanceUid: string; seriesInstanceUid: string }[];
}

export const DEMO_SERIES: SyntheticSeries[] = [
  { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', modality: 'CT', count: 6, rows: 128, columns: 128 },
  { sopClassUid: '1.2.840.10008.5.1.4.1.1.4', modality: 'MR', count: 3, rows: 64, columns: 64, transferSyntaxUid: TS.ImplicitVRLittleEndian },
  { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', modality: 'OT', count: 1, rows: 32, columns: 32 },
];

/** Builds an element from a keyword and a value as text (numbers for US etc.), its VR from the dictionary. */
function el(keyword: string, text: string): DataElement {
  const entry = lookupKeyword(keyword);
  if (!entry) throw new Error(`no such keyword: ${keyword}`);
  return { tag: entry.tag, vr: entry.vr, value: valueFromString(entry.vr, text) };
}

export async function writeSyntheticStudy(folder: string, opts: { patientId?: string; patientName?: string; series?: SyntheticSeries[] } = {}): Promise<SyntheticStudy> {
  await mkdir(folder, { recursive: true });
  const studyInstanceUid = newUid();
  const patientId = opts.patientId ?? 'DEMO001';
  const files: SyntheticStudy['files'] = [];
  let n = 0;
  for (const [si, series] of (opts.series ?? DEMO_SERIES).entries()) {
    const seriesInstanceUid = newUid();
    for (let i = 1; i <= series.count; i++) {
      const sopInstanceUid = newUid();
      const ts = series.transferSyntaxUid ?? TS.ExplicitVRLittleEndian;
      const pixels = Buffer.alloc(series.rows * series.columns * 2);
      for (let p = 0; p < series.rows * series.columns; p++) pixels.writeUInt16LE((p * 7 + i * 131) & 0x0fff, 2 * p);
      const elements: DataElement[] = [
        el('SOPClassUID', series.sopClassUid),
        el('SOPInstanceUID', sopInstanceUid),
        el('StudyDate', '20261124'),
        el('StudyTime', '120000'),
        el('AccessionNumber', 'ACC0001'),
        el('Modality', series.modality),
        el('PatientName', opts.patientName ?? 'Demo^Patient'),
        el('PatientID', patientId),
        el('StudyInstanceUID', studyInstanceUid),
        el('SeriesInstanceUID', seriesInstanceUid),
        el('StudyID', '1'),
        el('SeriesNumber', String(si + 1)),
        el('InstanceNumber', String(i)),
        el('SamplesPerPixel', '1'),
        el('PhotometricInterpretation', 'MONOCHROME2'),
        el('Rows', String(series.rows)),
        el('Columns', String(series.columns)),
        el('BitsAllocated', '16'),
        el('BitsStored', '12'),
        el('HighBit', '11'),
        el('PixelRepresentation', '0'),
        { tag: 0x7fe00010, vr: 'OW', value: pixels },
      ];
      const meta = encodeFileMeta({
        mediaStorageSopClassUid: series.sopClassUid,
        mediaStorageSopInstanceUid: sopInstanceUid,
        transferSyntaxUid: ts,
        implementationClassUid: IMPLEMENTATION_CLASS_UID,
        implementationVersionName: IMPLEMENTATION_VERSION_NAME,
      });
      const path = join(folder, `IMG${String(++n).padStart(4, '0')}.dcm`);
      await writeFile(path, Buffer.concat([meta, encodeDataset(elements, ts)]));
      files.push({ path, sopClassUid: series.sopClassUid, sopInstanceUid, seriesInstanceUid });
    }
  }
  return { studyInstanceUid, patientId, files };
}
