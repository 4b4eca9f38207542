/**
 * npm run demo: our own archive serves a freshly generated study on a free loopback port, and our movescu (the
 * CLI, as a user runs it) retrieves it into ./demo-out. Options (minimist): --out DIR, --keep-archive.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { join, resolve } from 'node:path';
import minimist from 'minimist';
import { Archive } from '../lib/archive/archive';
import { writeSyntheticStudy } from '../lib/archive/synthetic';
import { binCommand } from './bin-command';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function main(): Promise<number> {
  const args = minimist(process.argv.slice(2), { string: ['out'], boolean: ['keep-archive'] });
  const root = resolve(__dirname, '..', '..');
  const out = resolve(args.out ?? join(root, 'demo-out'));
  const folder = join(root, 'demo-archive');
  await rm(folder, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const study = await writeSyntheticStudy(folder);
  console.log(`generated ${study.files.length} objects of study ${study.studyInstanceUid} in ${folder}`);
  const storePort = await freePort();
  const archive = new Archive({ aeTitle: 'ARCHIVE', folder, port: 0, destinations: { MOVESCU: { host: '127.0.0.1', port: storePort } } });
  const qrPort = await archive.start();
  console.log(`archive ARCHIVE listening on 127.0.0.1:${qrPort}, ${archive.entries.length} objects indexed`);
  const cli = [join(root, 'dist', 'bin', 'movescu.js'), '-v', '-S', '-aec', 'ARCHIVE', '-aem', 'MOVESCU', '+P', String(storePort),
    '-od', out, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUid}`, '127.0.0.1', String(qrPort)];
  console.log(`$ movescu ${cli.slice(1).join(' ')}`);
  const code = await new Promise<number>((res) => {
    const run = binCommand(cli[0] as string, cli.slice(1));
    const child = spawn(run.cmd, run.args, { stdio: 'inherit' });
    child.on('exit', (c) => res(c ?? 1));
  });
  await archive.stop();
  const names = (await readdir(out)).sort();
  console.log(`movescu exited ${code}; ${names.length} files in ${out}:`);
  for (const n of names) console.log(`  ${n}`);
  if (!args['keep-archive']) await rm(folder, { recursive: true, force: true });
  return code === 0 && names.length === study.files.length ? 0 : 1;
}

main().then((c) => { process.exitCode = c; }, (e: Error) => { console.error(e); process.exitCode = 1; });
