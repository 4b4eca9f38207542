/**
 * Generates the tables of facts the library needs from the fact files in scripts/data/ (see SOURCES.md there):
 *   lib/dataset/dictionary/dictionary.generated.ts   DCMTK 3.6.7's data dictionary (dicom.dic), repeating groups as masks
 *   lib/dataset/dictionary/private-dictionary.generated.ts   DCMTK 3.6.7's private tags (private.dic), by private creator
 *   lib/dataset/dictionary/uids.generated.ts         DCMTK 3.6.7's UIDs with its names, storage SOP classes, transfer syntaxes
 *   lib/dcmtk/prefixes.generated.ts       DCMTK's file name prefix per SOP class
 * All facts come from DCMTK as Debian packages it (libdcmtk17, libdcmtk-dev).
 *
 * Usage (after tsc):
 *   node dist/scripts/generate-tables.js                 regenerate the three files from scripts/data/
 *   node dist/scripts/generate-tables.js --check         exit 1 if a generated file differs from what it would be
 *   node dist/scripts/generate-tables.js --import-dcmtk [--dicom-dic PATH] [--private-dic PATH] [--dcuid-h PATH] [--dcxfer-h PATH]
 *        refresh scripts/data/dcmtk-*.tsv from the installed DCMTK (needs libdcmtk17, libdcmtk-dev and g++)
 * Options: --root DIR (the repository, default: found from this file), --verbose (print table sizes and
 * dicom.dic rows that share a tag).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import minimist from 'minimist';
import { GeneratedFile, buildDictionary, buildUids, renderDictionary, renderPrefixes, renderPrivateDictionary, renderUids } from './tables/build';
import { importDcmtk } from './tables/importers';

function findRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'data', 'SOURCES.md'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export function renderAll(root: string): GeneratedFile[] {
  const data = join(root, 'scripts', 'data');
  return [renderDictionary(data), renderPrivateDictionary(data), renderUids(data), renderPrefixes(data)];
}

function main(): number {
  const argv = minimist(process.argv.slice(2), {
    string: ['dicom-dic', 'private-dic', 'dcuid-h', 'dcxfer-h', 'root'],
    boolean: ['import-dcmtk', 'check', 'verbose', 'help'],
  });
  if (argv.help) {
    console.log('usage: generate-tables [--check] [--import-dcmtk [--dicom-dic PATH] [--private-dic PATH] [--dcuid-h PATH] [--dcxfer-h PATH]] [--root DIR] [--verbose]');
    return 0;
  }
  const root = argv.root ? resolve(argv.root) : findRoot(__dirname);
  const data = join(root, 'scripts', 'data');
  if (argv['import-dcmtk']) {
    importDcmtk({
      dataDir: data,
      dicomDic: argv['dicom-dic'] ?? '/usr/share/libdcmtk17/dicom.dic',
      privateDic: argv['private-dic'] ?? '/usr/share/libdcmtk17/private.dic',
      dcuidHeader: argv['dcuid-h'] ?? '/usr/include/dcmtk/dcmdata/dcuid.h',
      dcxferHeader: argv['dcxfer-h'] ?? '/usr/include/dcmtk/dcmdata/dcxfer.h',
      probeSource: join(data, 'dcmtk-probe.cc'),
    });
  }
  if (argv.verbose) {
    const d = buildDictionary(data);
    console.log('dictionary', d.stats);
    for (const c of d.conflicts) console.log('  conflict', c);
    const u = buildUids(data);
    console.log('uids', { uids: u.uids.length, storage: u.storage.length, dcmtkStorage: u.dcmtkStorage.length, transferSyntaxes: u.transferSyntaxes.length });
  }
  let stale = 0;
  for (const f of renderAll(root)) {
    const path = join(root, f.path);
    const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (old === f.text) continue;
    if (argv.check) {
      console.error(`generate-tables: ${f.path} is out of date`);
      stale++;
    } else {
      writeFileSync(path, f.text);
      console.log(`generate-tables: wrote ${f.path} (${f.text.length} bytes)`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error('generate-tables:', e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}
