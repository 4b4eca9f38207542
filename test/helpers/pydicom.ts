/**
 * pydicom as a reference reader of our DICOM JSON (Debian python3-pydicom): finding a python that has it, and a
 * comparison of dcmread(file) with Dataset.from_json(line), both reduced to {tag: [vr, values]}.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peersRequired } from './peer-gate';

/** A python with pydicom: PATH's python3 may be a pyenv shim without the Debian package, /usr/bin's has it. */
let pythonCache: string | null | undefined;
export function pydicomPython(): string | null {
  if (pythonCache !== undefined) return pythonCache;
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3']) {
    if (!py) continue;
    const r = spawnSync(py, ['-c', 'import pydicom'], { stdio: 'ignore' });
    if (r.status === 0) return (pythonCache = py);
  }
  return (pythonCache = null);
}

export function needPydicom(t: { skip(msg: string): void }): string | null {
  const py = pydicomPython();
  if (py) return py;
  if (peersRequired()) throw new Error('DIMSE_REQUIRE_PEERS=1 but no python3 can import pydicom');
  t.skip('no python3 with pydicom');
  return null;
}

/**
 * pydicom side: dcmread(file) and Dataset.from_json(line), both reduced to {tag: [vr, values]} (OW/OF/OD/OL/OV
 * bytes of a big-endian file swapped to little endian as F.2.7 wants them; PN without trailing empty groups;
 * IS/DS/FL/FD as floats; NaN as "nan"). A bulk data URI is read from its file://, or relative to argv[3].
 */
const COMPARE_PY = String.raw`
import sys, json, math, warnings, os
warnings.simplefilter('ignore')
import pydicom
from pydicom import config
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from urllib.parse import urlparse, unquote
config.replace_un_with_known_vr = False
SWAP = {'OW': 2, 'OF': 4, 'OL': 4, 'OD': 8, 'OV': 8}
def swap(b, w):
    n = len(b) - len(b) % w
    return b''.join(b[i:i + w][::-1] for i in range(0, n, w)) + b[n:]
def one(vr, v, le):
    if isinstance(v, (bytes, bytearray)):
        b = bytes(v)
        if not le and vr in SWAP: b = swap(b, SWAP[vr])
        return 'bytes:' + b.hex()
    if v is None: return None
    if vr == 'PN': return str(v).rstrip('=')
    if vr in ('DS', 'IS', 'FL', 'FD'):
        if v == '': return ''
        f = float(v)
        return 'nan' if math.isnan(f) else f
    if vr in ('SV', 'UV', 'US', 'SS', 'UL', 'SL', 'AT'): return int(v)
    return str(v)
def norm(ds, le):
    out = {}
    for e in ds:
        if e.tag.group in (0, 2): continue
        v = e.value
        if e.VR == 'SQ' or isinstance(v, Sequence):
            out['%08X' % e.tag] = ['SQ', [norm(i, le) for i in v]]
            continue
        if isinstance(v, (list, MultiValue)): vals = [one(e.VR, x, le) for x in v]
        elif v is None or v == '' or v == b'': vals = []
        else: vals = [one(e.VR, v, le)]
        out['%08X' % e.tag] = [e.VR, vals]
    return out
def bulk(tag, vr, uri):
    u = urlparse(uri)
    path = unquote(u.path) if u.scheme == 'file' else os.path.join(sys.argv[3], uri)
    with open(path, 'rb') as f: return f.read()
f = pydicom.dcmread(sys.argv[1], force=True)
with open(sys.argv[2], encoding='utf-8') as fh: line = fh.read()
j = Dataset.from_json(line, bulk_data_uri_handler=bulk)
a = norm(f, f.is_little_endian)
b = norm(j, True)
diffs = {k: {'dcmread': a.get(k), 'json': b.get(k)} for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
print(json.dumps({'count': len(a), 'diffs': diffs}))
`;

export function pyCompare(py: string, dcmFile: string, line: string, bulkDir = ''): { count: number; diffs: Record<string, unknown> } {
  // Beside nothing of the caller's: the file's folder may be one a test compares.
  const jsonFile = join(tmpdir(), `dimse-pydicom-${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(jsonFile, line);
  try {
    const out = execFileSync(py, ['-c', COMPARE_PY, dcmFile, jsonFile, bulkDir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(out) as { count: number; diffs: Record<string, unknown> };
  } finally {
    rmSync(jsonFile, { force: true });
  }
}

