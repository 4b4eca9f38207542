/**
 * The archive's catalog: every Part 10 file below a folder, with the top-level text attributes C-FIND and C-MOVE
 * match on. Each file is read only as far as those attributes go (groups 0008 to 0028), in 64 KiB steps, so
 * indexing a folder of large objects reads a few KiB of each.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFileMeta } from '../dataset/part10/file-meta';
import { DatasetParser } from '../dataset/codec/tokenizer';
import type { DatasetToken } from '../dataset/codec/tokens';
import { bytesToString } from '../dataset/codec/values';
import { isStringVr } from '../dataset/codec/vr';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { CatalogEntry } from './catalog-types';

/** Attributes past this group are never query keys of the levels we serve. */
const LAST_INDEXED_TAG = 0x0028ffff;
const STEP = 64 * 1024;

class Stop extends Error {}

export async function indexFile(path: string): Promise<CatalogEntry | null> {
  const fh = await open(path, 'r');
  try {
    let head = Buffer.alloc(0);
    let pos = 0;
    let meta = null;
    let eof = false;
    while (!meta) {
      const buf = Buffer.alloc(STEP);
      const { bytesRead } = await fh.read(buf, 0, STEP, pos);
      pos += bytesRead;
      eof = bytesRead === 0;
      head = Buffer.concat([head, buf.subarray(0, bytesRead)]);
      meta = parseFileMeta(head, { final: eof, file: path });
      if (eof && !meta) return null;
    }
    if (!meta.hasMeta || !meta.transferSyntaxUid) return null;
    const values = new Map<number, string>();
    const vrs = new Map<number, string>();
    let depth = 0;
    let current: { tag: number; vr: string; parts: Buffer[] } | null = null;
    const parser = new DatasetParser(meta.syntax, (t: DatasetToken) => {
      switch (t.type) {
        case 'sequenceStart': case 'encapsulatedStart': depth++; break;
        case 'sequenceEnd': case 'encapsulatedEnd': depth--; break;
        case 'element':
          if (depth > 0) break;
          if (t.tag > LAST_INDEXED_TAG) throw new Stop();
          current = isStringVr(t.vr) && t.length < 1024 ? { tag: t.tag, vr: t.vr, parts: [] } : null;
          break;
        case 'value': current?.parts.push(t.data); break;
        case 'elementEnd':
          if (current && depth === 0) {
            values.set(current.tag, bytesToString(Buffer.concat(current.parts), current.vr, 'latin1'));
            vrs.set(current.tag, current.vr);
          }
          current = null;
          break;
        default: break;
      }
    }, { startOffset: meta.datasetOffset, file: path }, () => {});
    // A deflated data set is catalogued by its meta information alone (the archive sends it as stored).
    if (meta.transferSyntax?.deflated) eof = true;
    else try {
      parser.write(head.subarray(meta.datasetOffset));
      while (!eof) {
        const buf = Buffer.alloc(STEP);
        const { bytesRead } = await fh.read(buf, 0, STEP, pos);
        pos += bytesRead;
        eof = bytesRead === 0;
        if (bytesRead > 0) parser.write(buf.subarray(0, bytesRead));
      }
      parser.end();
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
    }
    const sopClassUid = values.get(0x00080016) ?? meta.mediaStorageSopClassUid ?? '';
    const sopInstanceUid = values.get(0x00080018) ?? meta.mediaStorageSopInstanceUid ?? '';
    return { path, datasetOffset: meta.datasetOffset, transferSyntaxUid: meta.transferSyntaxUid, sopClassUid, sopInstanceUid, values, vrs };
  } finally {
    await fh.close();
  }
}

/** Indexes every file below `folder` (recursively); files that are not Part 10 DICOM are skipped with a warning. */
export async function indexFolder(folder: string, logger: Logger = silentLogger): Promise<CatalogEntry[]> {
  const out: CatalogEntry[] = [];
  const names = await readdir(folder, { recursive: true, withFileTypes: true });
  for (const d of names) {
    if (!d.isFile()) continue;
    const path = join(d.parentPath ?? (d as unknown as { path: string }).path, d.name);
    try {
      const e = await indexFile(path);
      if (e) out.push(e); else logger.warn(`not a DICOM file with meta information, skipped: ${path}`);
    } catch (err) {
      logger.warn(`cannot index ${path}: ${(err as Error).message}`);
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
