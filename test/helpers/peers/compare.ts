/**
 * Compares two output folders of a retrieval, file by file, WITHOUT our dataset layer: the Part 10 header is
 * parsed minimally (128-byte preamble, 'DICM', group 0002 in explicit VR little endian); the meta elements must be
 * equal except (0002,0012) ImplementationClassUID, (0002,0013) ImplementationVersionName and (0002,0016)
 * SourceApplicationEntityTitle, and so (0002,0000) group length; the dataset after the meta group must be equal
 * byte for byte (streamed in 1 MiB blocks, so 900 MB objects are fine).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export const META_IGNORED = ['00020000', '00020012', '00020013', '00020016'] as const;

export interface MetaElement {
  tag: string; // 8 hex digits, lower case, e.g. '00020010'
  vr: string;
  value: Buffer;
}

export interface Part10Header {
  meta: MetaElement[];
  /** Byte offset of the dataset (first byte after the meta group). */
  datasetOffset: number;
  fileSize: number;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Reads the preamble, 'DICM' and the group 0002 elements of a Part 10 file. Throws on anything else. */
export async function readPart10Header(file: string): Promise<Part10Header> {
  const fh = await fsp.open(file, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    let buf = Buffer.alloc(Math.min(fileSize, 64 * 1024));
    let have = (await fh.read(buf, 0, buf.length, 0)).bytesRead;
    const ensure = async (n: number) => {
      if (n <= have) return;
      if (n > fileSize) throw new Error(`${file}: truncated file meta (needs ${n} bytes, file has ${fileSize})`);
      const nb = Buffer.alloc(Math.max(n, buf.length * 2));
      buf.copy(nb, 0, 0, have);
      have += (await fh.read(nb, have, Math.min(nb.length, fileSize) - have, have)).bytesRead;
      buf = nb;
    };
    await ensure(132);
    if (buf.toString('latin1', 128, 132) !== 'DICM') throw new Error(`${file}: no 'DICM' at offset 128`);
    const meta: MetaElement[] = [];
    let off = 132;
    while (off + 8 <= fileSize) {
      await ensure(off + 8);
      const group = buf.readUInt16LE(off);
      if (group !== 0x0002) break;
      const element = buf.readUInt16LE(off + 2);
      const vr = buf.toString('latin1', off + 4, off + 6);
      let len: number;
      let head: number;
      if (LONG_VRS.has(vr)) {
        await ensure(off + 12);
        len = buf.readUInt32LE(off + 8);
        head = 12;
      } else {
        len = buf.readUInt16LE(off + 6);
        head = 8;
      }
      if (len === 0xffffffff) throw new Error(`${file}: undefined length in file meta at offset ${off}`);
      await ensure(off + head + len);
      const tag = (group.toString(16).padStart(4, '0') + element.toString(16).padStart(4, '0')).toLowerCase();
      meta.push({ tag, vr, value: Buffer.from(buf.subarray(off + head, off + head + len)) });
      off += head + len;
    }
    return { meta, datasetOffset: off, fileSize };
  } finally {
    await fh.close();
  }
}

export interface FileDiff {
  name: string;
  kind: 'parse' | 'meta' | 'dataset-length' | 'dataset';
  detail: string;
  /** For 'dataset': offset of the first differing byte, counted from the start of the dataset... */
  datasetOffset?: number;
  /** ...and as absolute file offsets in a and in b. */
  offsetA?: number;
  offsetB?: number;
}

export interface DirDiff {
  identical: boolean;
  /** Names present only in a / only in b. */
  onlyInA: string[];
  onlyInB: string[];
  differing: FileDiff[];
  /** Number of file pairs compared. */
  compared: number;
}

function showValue(e: MetaElement | undefined): string {
  if (!e) return '(absent)';
  const printable = /^(AE|CS|DA|DS|IS|LO|SH|UI|TM|DT|PN|LT|ST|UT|UC|UR)$/.test(e.vr);
  return `${e.vr} ${printable ? JSON.stringify(e.value.toString('latin1')) : e.value.toString('hex')}`;
}

export async function compareFiles(a: string, b: string, name = a): Promise<FileDiff | null> {
  let ha: Part10Header;
  let hb: Part10Header;
  try {
    [ha, hb] = await Promise.all([readPart10Header(a), readPart10Header(b)]);
  } catch (e) {
    return { name, kind: 'parse', detail: (e as Error).message };
  }
  const ignored = new Set<string>(META_IGNORED);
  const ma = new Map(ha.meta.filter((e) => !ignored.has(e.tag)).map((e) => [e.tag, e]));
  const mb = new Map(hb.meta.filter((e) => !ignored.has(e.tag)).map((e) => [e.tag, e]));
  for (const tag of [...new Set([...ma.keys(), ...mb.keys()])].sort()) {
    const ea = ma.get(tag);
    const eb = mb.get(tag);
    if (!ea || !eb || ea.vr !== eb.vr || !ea.value.equals(eb.value)) {
      return {
        name,
        kind: 'meta',
        detail: `(${tag.slice(0, 4)},${tag.slice(4)}) differs: a ${showValue(ea)} / b ${showValue(eb)}`,
      };
    }
  }
  const lenA = ha.fileSize - ha.datasetOffset;
  const lenB = hb.fileSize - hb.datasetOffset;
  const fa = await fsp.open(a, 'r');
  const fb = await fsp.open(b, 'r');
  try {
    const block = 1024 * 1024;
    const ba = Buffer.allocUnsafe(block);
    const bb = Buffer.allocUnsafe(block);
    const common = Math.min(lenA, lenB);
    for (let pos = 0; pos < common; pos += block) {
      const n = Math.min(block, common - pos);
      const [ra, rb] = await Promise.all([
        fa.read(ba, 0, n, ha.datasetOffset + pos),
        fb.read(bb, 0, n, hb.datasetOffset + pos),
      ]);
      if (ra.bytesRead !== n || rb.bytesRead !== n) return { name, kind: 'parse', detail: 'short read' };
      if (!ba.subarray(0, n).equals(bb.subarray(0, n))) {
        let i = 0;
        while (ba[i] === bb[i]) i++;
        const at = pos + i;
        const ctx = (buf: Buffer) => buf.subarray(Math.max(0, i - 8), Math.min(n, i + 8)).toString('hex');
        return {
          name,
          kind: 'dataset',
          detail: `dataset byte ${at} differs (file offsets a ${ha.datasetOffset + at}, b ${hb.datasetOffset + at}); ` +
            `around it a ${ctx(ba)} / b ${ctx(bb)}` + (lenA !== lenB ? `; dataset lengths a ${lenA}, b ${lenB}` : ''),
          datasetOffset: at,
          offsetA: ha.datasetOffset + at,
          offsetB: hb.datasetOffset + at,
        };
      }
    }
    if (lenA !== lenB) {
      return {
        name,
        kind: 'dataset-length',
        detail: `datasets equal over ${common} bytes, then lengths differ: a ${lenA}, b ${lenB}`,
        datasetOffset: common,
        offsetA: ha.datasetOffset + common,
        offsetB: hb.datasetOffset + common,
      };
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
  return null;
}

/** Regular files in `dir` (not recursive), sorted. */
async function names(dir: string): Promise<string[]> {
  const ents = await fsp.readdir(dir, { withFileTypes: true });
  return ents.filter((e) => e.isFile()).map((e) => e.name).sort();
}

export async function compareDirs(a: string, b: string): Promise<DirDiff> {
  const [na, nb] = await Promise.all([names(a), names(b)]);
  const sb = new Set(nb);
  const sa = new Set(na);
  const onlyInA = na.filter((n) => !sb.has(n));
  const onlyInB = nb.filter((n) => !sa.has(n));
  const differing: FileDiff[] = [];
  let compared = 0;
  for (const n of na) {
    if (!sb.has(n)) continue;
    compared++;
    const d = await compareFiles(join(a, n), join(b, n), n);
    if (d) differing.push(d);
  }
  return { identical: onlyInA.length + onlyInB.length + differing.length === 0, onlyInA, onlyInB, differing, compared };
}

/** A readable summary for an assertion message (at most `max` entries of each list). */
export function formatDirDiff(d: DirDiff, max = 10): string {
  if (d.identical) return `identical (${d.compared} files)`;
  const lines = [`${d.compared} pairs compared, ${d.differing.length} differ, ${d.onlyInA.length} only in a, ${d.onlyInB.length} only in b`];
  const list = (title: string, xs: string[]) => {
    if (xs.length) lines.push(`${title}: ${xs.slice(0, max).join(', ')}${xs.length > max ? ` ... (+${xs.length - max})` : ''}`);
  };
  list('only in a', d.onlyInA);
  list('only in b', d.onlyInB);
  for (const f of d.differing.slice(0, max)) lines.push(`${f.name}: [${f.kind}] ${f.detail}`);
  if (d.differing.length > max) lines.push(`... (+${d.differing.length - max} more differing files)`);
  return lines.join('\n');
}

/**
 * The data set of a Part 10 file without its trailing dataset padding (FFFC,FFFC), and whether it had one. The padding
 * is recognised only as the last top-level element, its value running exactly to the end of the file, in the byte
 * order and VR form of the file's transfer syntax. (+p pads the whole file; two files whose meta groups differ in
 * length may need padding of different lengths, or one of them none at all.)
 */
export function datasetWithoutPadding(file: Buffer, header: Part10Header): { body: Buffer; padded: boolean } {
  const ts = header.meta.find((e) => e.tag === '00020010')?.value.toString('latin1').replace(/[\0 ]+$/, '');
  const bigEndian = ts === '1.2.840.10008.1.2.2';
  const implicit = ts === '1.2.840.10008.1.2';
  const tag = Buffer.from(bigEndian ? 'fffcfffc' : 'fcfffcff', 'hex');
  const at = file.lastIndexOf(tag);
  if (at >= header.datasetOffset) {
    const u32 = (o: number) => (o + 4 <= file.length ? (bigEndian ? file.readUInt32BE(o) : file.readUInt32LE(o)) : -1);
    const end = implicit
      ? at + 8 + u32(at + 4)
      : file.toString('latin1', at + 4, at + 6) === 'OB' ? at + 12 + u32(at + 8) : -1;
    if (end === file.length) return { body: file.subarray(header.datasetOffset, at), padded: true };
  }
  return { body: file.subarray(header.datasetOffset), padded: false };
}
