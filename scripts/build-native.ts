/**
 * Builds the optional native addons (native/*.c) into dist/native/ with the system's C compiler and the Node-API
 * headers of the Node that runs us. Optional: where there is no compiler, no headers, or not Linux, it says so in
 * one line per addon and the library runs without them (what each is for, and what runs in its place: README,
 * "Install, run, test").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Each addon: its source's name in native/, and what it gives (for the one line said when it is not built). */
const ADDONS: readonly { name: string; what: string }[] = [
  { name: 'tcp-quickack', what: 'the TCP_QUICKACK addon' },
  { name: 'file-commit', what: 'the native file calls addon (writes ahead, the one-job commit)' },
];

function headersDir(): string | null {
  // Debian's and NodeSource's packages put them beside the binary's prefix (/usr/include/node).
  const dir = join(dirname(dirname(process.execPath)), 'include', 'node');
  return existsSync(join(dir, 'node_api.h')) ? dir : null;
}

function build(name: string, what: string, headers: string): void {
  const source = join(root, 'native', `${name}.c`);
  const target = join(root, 'dist', 'native', `${name}.node`);
  mkdirSync(dirname(target), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', `-I${headers}`, '-o', target, source], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.log(`build-native: ${cc} failed (${r.error?.message ?? r.stderr.trim()}), ${what} is not built`);
    return;
  }
  console.log(`build-native: ${target}`);
}

function main(): void {
  const headers = process.platform === 'linux' ? headersDir() : null;
  const why = process.platform !== 'linux' ? 'not Linux' : 'no Node-API headers (node_api.h) beside this Node';
  for (const { name, what } of ADDONS) {
    if (headers) build(name, what, headers);
    else console.log(`build-native: ${why}, ${what} is not built`);
  }
}

main();
