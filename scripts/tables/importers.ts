/**
 * Import step: copies the facts from the installed DCMTK (Debian packages libdcmtk17 and libdcmtk-dev) into
 * scripts/data/, with provenance. The generator proper reads only scripts/data/, so the generated tables depend on
 * nothing outside the repository.
 *
 * importDcmtk reads DCMTK's data dictionary files (dicom.dic, and private.dic: the vendors' private tags, which
 * Debian's build loads by default), the UID defines of its header dcuid.h (with the section
 * comment each stands under), the E_TransferSyntax names of dcxfer.h, and what its library answers through its
 * public API (dcmFindNameOfUID, dcmSOPClassUIDToModality, dcmAllStorageSOPClassUIDs, DcmXfer), asked by the small
 * C++ program scripts/data/dcmtk-probe.cc compiled against the installed libdcmdata.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareUids, writeTsv } from './tsv';

export const DATA_FILES = {
  dcmtkDictionary: 'dcmtk-dicom-dic.tsv',
  dcmtkPrivateDictionary: 'dcmtk-private-dic.tsv',
  dcmtkUids: 'dcmtk-uids.tsv',
  dcmtkTransferSyntaxes: 'dcmtk-transfer-syntaxes.tsv',
  dcmtkStorage: 'dcmtk-storage-sop-classes.tsv',
  dcmtkPrefixes: 'dcmtk-modality-prefixes.tsv',
} as const;

export interface DcmtkImportOptions {
  dataDir: string;
  dicomDic: string;
  privateDic: string;
  dcuidHeader: string;
  dcxferHeader: string;
  probeSource: string;
}

function dpkgVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export interface DcuidDefine {
  name: string;
  uid: string;
  /** The `/* ** ... *\/` block heading the define stands under ('Defined Transfer Syntax UIDs', ...). */
  heading: string;
  /** The `// ...` (or one-line `/* ... *\/`) section comment under that heading ('Storage (DICOM)', ...), or ''. */
  section: string;
  /** The doc comment right above the define (`/// ...` or `/** ... *\/`), whitespace collapsed, or ''. */
  doc: string;
}

/** Reads the `#define UID_... "..."` lines of dcuid.h, each with the comments it stands under. */
export function readDcuidDefines(text: string): DcuidDefine[] {
  const out: DcuidDefine[] = [];
  let heading = '';
  let section = '';
  let doc: string[] = [];
  let inBlock: 'heading' | 'doc' | 'other' | undefined;
  let blockFirst = true;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (inBlock) {
      const body = line.replace(/\*\/$/, '').replace(/^\*+\s?/, '').trim();
      if (inBlock === 'heading' && blockFirst && line.startsWith('**') && body !== '') {
        heading = body;
        section = '';
        blockFirst = false;
      } else if (inBlock === 'doc' && body !== '') doc.push(body);
      if (line.endsWith('*/')) inBlock = undefined;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^#define\s+(UID_\w+)\s+"([^"]*)"/.exec(line))) {
      out.push({ name: m[1] as string, uid: m[2] as string, heading, section, doc: doc.join(' ').replace(/\s+/g, ' ') });
      doc = [];
    } else if ((m = /^\/\/\/\s?(.*)$/.exec(line))) {
      doc = [m[1] as string];
    } else if ((m = /^\/\/\s?(.*)$/.exec(line))) {
      section = (m[1] as string).trim();
      doc = [];
    } else if ((m = /^\/\*\s*(.*?)\s*\*\/$/.exec(line))) {
      // one-line block comment: a section title such as "Supplement 23 Frozen Draft (November 1997)"
      if (/^[A-Z]/.test(m[1] as string) && (m[1] as string).toUpperCase() === m[1]) {
        heading = m[1] as string;
        section = '';
      } else section = m[1] as string;
      doc = [];
    } else if (line.startsWith('/**')) {
      inBlock = 'doc';
      doc = [];
      const body = line.replace(/^\/\*\*\s?/, '').replace(/\*\/$/, '').trim();
      if (body !== '') doc.push(body);
      if (line.endsWith('*/')) inBlock = undefined;
    } else if (line.startsWith('/*')) {
      // "/*" alone, then "** Heading" lines: a block heading (lines starting with " * " are ordinary comments)
      inBlock = line === '/*' ? 'heading' : 'other';
      blockFirst = true;
      doc = [];
    } else if (line.startsWith('#') || line === '') {
      if (line !== '') doc = [];
    }
  }
  return out;
}

export function importDcmtk(o: DcmtkImportOptions): void {
  const version = `Debian libdcmtk17 ${dpkgVersion('libdcmtk17')}, libdcmtk-dev ${dpkgVersion('libdcmtk-dev')}`;
  const imported = 'Imported by `node dist/scripts/generate-tables.js --import-dcmtk`; do not edit by hand.';
  // 1. dicom.dic, rows as they are (tag, VR, name, VM, version), in file order.
  const dicText = readFileSync(o.dicomDic, 'utf8');
  const generatedFrom = /Generated automatically from (.*)/.exec(dicText)?.[1]?.trim() ?? 'unknown edition';
  const dicRows = dicText
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t').filter((f) => f !== ''));
  for (const r of dicRows) if (r.length !== 5) throw new Error(`${o.dicomDic}: unexpected line ${r.join(' ')}`);
  writeTsv(
    join(o.dataDir, DATA_FILES.dcmtkDictionary),
    [
      `DCMTK 3.6.7 data dictionary ${o.dicomDic} (${version}); OFFIS generated it from ${generatedFrom}.`,
      imported,
      'tag (DCMTK range syntax)\tVR (DCMTK codes)\tname (DCMTK keyword)\tVM\tversion',
    ],
    dicRows,
  );

  // 1b. private.dic, rows as they are; one row has no version field (DCMTK accepts 4 fields): it gets ''.
  const privRows = readFileSync(o.privateDic, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('\t').filter((f) => f !== ''))
    .map((r) => (r.length === 4 ? [...r, ''] : r));
  for (const r of privRows) if (r.length !== 5) throw new Error(`${o.privateDic}: unexpected line ${r.join(' ')}`);
  writeTsv(
    join(o.dataDir, DATA_FILES.dcmtkPrivateDictionary),
    [
      `DCMTK 3.6.7 private tag dictionary ${o.privateDic} (${version}), in the default dictionary path of Debian's build.`,
      imported,
      'tag (gggg,"private creator",ee; DCMTK range syntax)\tVR (DCMTK codes)\tname\tVM\tversion',
    ],
    privRows,
  );

  // 2. The defines of dcuid.h (full UIDs only: it also defines prefixes such as '1.2.840.10008.5.1.4.37.').
  const defines = readDcuidDefines(readFileSync(o.dcuidHeader, 'utf8')).filter((d) => /^[0-9]+(\.[0-9]+)*$/.test(d.uid));
  if (defines.length < 300) throw new Error(`${o.dcuidHeader}: only ${defines.length} UID defines, wrong file?`);
  const byUid = new Map<string, DcuidDefine[]>();
  for (const d of defines) byUid.set(d.uid, [...(byUid.get(d.uid) ?? []), d]);
  // 3. The E_TransferSyntax names of dcxfer.h, to name the rows of DCMTK's transfer syntax table.
  const enumNames = new Map<number, string>();
  for (const m of readFileSync(o.dcxferHeader, 'utf8').matchAll(/^\s*EXS_(\w+)\s*=\s*(-?\d+)/gm)) enumNames.set(Number(m[2]), m[1] as string);

  const dir = mkdtempSync(join(tmpdir(), 'dcmtk-probe-'));
  try {
    const exe = join(dir, 'dcmtk-probe');
    execFileSync('g++', ['-O0', '-o', exe, o.probeSource, '-ldcmdata', '-loflog', '-lofstd'], { stdio: 'inherit' });
    const lines = (args: string[], input?: string): string[] =>
      execFileSync(exe, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) })
        .split('\n')
        .filter((l) => l !== '');
    const storage = lines(['storage']);
    const xfers = lines(['xfer']).map((l) => l.split('\t') as [string, string, string, string]);
    const all = [...new Set([...byUid.keys(), ...storage, ...xfers.map((x) => x[1]).filter((u) => u !== '')])].sort(compareUids);
    const answers = lines([], all.join('\n') + '\n').map((l) => l.split('\t') as [string, string, string]);
    const uidRows: string[][] = [];
    const prefixRows: string[][] = [];
    for (const [uid, name, modality] of answers) {
      const defs = byUid.get(uid) ?? [];
      const first = defs[0];
      uidRows.push([
        uid,
        name,
        defs.map((d) => d.name).join(','),
        first?.heading ?? '',
        first?.section ?? '',
        defs.map((d) => d.doc).find((d) => d !== '') ?? '',
      ]);
      if (modality !== '') prefixRows.push([uid, modality]);
    }
    const origin = `asked of ${version} through scripts/data/dcmtk-probe.cc`;
    writeTsv(
      join(o.dataDir, DATA_FILES.dcmtkUids),
      [
        `DCMTK 3.6.7 UIDs: every full UID #defined in ${o.dcuidHeader}, in dcmAllStorageSOPClassUIDs or in DcmXfer's table; ` +
          `dcmFindNameOfUID() (the name DCMTK prints in its logs) ${origin}; the #define names and the header's comments as they are.`,
        imported,
        'UID\tdcmFindNameOfUID\tdcuid.h defines\tdcuid.h heading\tdcuid.h section\tdcuid.h doc comment',
      ],
      uidRows,
    );
    writeTsv(
      join(o.dataDir, DATA_FILES.dcmtkTransferSyntaxes),
      [
        `DCMTK 3.6.7 transfer syntax table (class DcmXfer, dcmdata/libsrc/dcxfer.cc), ${origin}; enum names from ${o.dcxferHeader}.`,
        imported,
        'E_TransferSyntax\tUID (getXferID)\tname (getXferName)\tisRetired (1)',
      ],
      xfers.map(([i, uid, name, retired]) => {
        const e = enumNames.get(Number(i));
        if (!e) throw new Error(`${o.dcxferHeader}: no name for E_TransferSyntax ${i}`);
        return [e, uid, name, retired === '1' ? '1' : ''];
      }),
    );
    writeTsv(
      join(o.dataDir, DATA_FILES.dcmtkStorage),
      [`DCMTK 3.6.7 dcmAllStorageSOPClassUIDs (dcmdata/libsrc/dcuid.cc), in DCMTK's order, ${origin}.`, imported, 'UID'],
      storage.map((u) => [u]),
    );
    writeTsv(
      join(o.dataDir, DATA_FILES.dcmtkPrefixes),
      [
        `DCMTK 3.6.7 file name prefixes: dcmSOPClassUIDToModality() (table "modalities" in dcmdata/libsrc/dcuid.cc), ${origin}.`,
        imported,
        'SOP Class UID\tprefix',
      ],
      prefixRows,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
