/**
 * Builds the optional native addon (native/tcp-quickack.c) into dist/native/ with the system's C compiler and the
 * Node-API headers of the Node that runs us. Optional: where there is no compiler, no headers, or not Linux, it
 * says so in one line and the library runs without it (DCMTK's behaviour: delayed ACKs as the kernel decides).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
const source = join(root, 'native', 'tcp-quickack.c');
const target = join(root, 'dist', 'native', 'tcp-quickack.node');

function headersDir(): string | null {
  // Debian's and NodeSource's packages put them beside the binary's prefix (/usr/include/node).
  const dir = join(dirname(dirname(process.execPath)), 'include', 'node');
  return existsSync(join(dir, 'node_api.h')) ? dir : null;
}

function main(): void {
  if (process.platform !== 'linux') {
    console.log('build-native: not Linux, the optional TCP_QUICKACK addon is not built');
    return;
  }
  const headers = headersDir();
  if (!headers) {
    console.log('build-native: no Node-API headers (node_api.h) beside this Node, the optional TCP_QUICKACK addon is not built');
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', `-I${headers}`, '-o', target, source], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.log(`build-native: ${cc} failed (${r.error?.message ?? r.stderr.trim()}), the optional TCP_QUICKACK addon is not built`);
    return;
  }
  console.log(`build-native: ${target}`);
}

main();
