/**
 * Records the PDUs DCMTK's echoscu and storescp exchange, through a logging TCP proxy on 127.0.0.1; made the
 * fixtures in test/fixtures/pdu (see its README).
 * Usage: node dist/test/helpers/capture-pdus.js <name> <echoscu args...>   (storescp args from env STORESCP_ARGS)
 * Writes test/fixtures/pdu/<name>.<n>.<from>.<pdu-type>.hex, one PDU per file, in the order seen.
 */
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { freePort } from './net';
import { repoRoot } from './peers/movescu';

const PDU_NAMES: Record<number, string> = { 1: 'associate-rq', 2: 'associate-ac', 3: 'associate-rj', 4: 'p-data-tf', 5: 'release-rq', 6: 'release-rp', 7: 'abort' };

type Side = 'scu' | 'scp';

/** Splits one direction's bytes into whole PDUs. */
function splitPdus(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 6 <= buf.length) {
    const len = buf.readUInt32BE(off + 2);
    if (off + 6 + len > buf.length) break;
    out.push(buf.subarray(off, off + 6 + len));
    off += 6 + len;
  }
  return out;
}

async function main(): Promise<void> {
  const [name, ...echoArgs] = process.argv.slice(2);
  if (!name) throw new Error('usage: capture-pdus <name> <echoscu args...>');
  const scpPort = await freePort();
  const proxyPort = await freePort();
  const scpArgs = (process.env.STORESCP_ARGS ?? '').split(' ').filter(Boolean);
  const scp = spawn('storescp', [...scpArgs, String(scpPort)], { stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 500));
  const seen: { from: Side; bytes: Buffer }[] = []; // in arrival order per PDU
  const bufs: Record<Side, Buffer> = { scu: Buffer.alloc(0), scp: Buffer.alloc(0) };
  const record = (from: Side, chunk: Buffer): void => {
    bufs[from] = Buffer.concat([bufs[from], chunk]);
    for (const pdu of splitPdus(bufs[from])) {
      seen.push({ from, bytes: pdu });
      bufs[from] = bufs[from].subarray(pdu.length);
    }
  };
  const proxy = net.createServer((client) => {
    const upstream = net.connect(scpPort, '127.0.0.1');
    client.on('data', (c: Buffer) => { record('scu', c); upstream.write(c); });
    upstream.on('data', (c: Buffer) => { record('scp', c); client.write(c); });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }).listen(proxyPort, '127.0.0.1');
  // Async spawn: the proxy lives in this event loop.
  const code = await new Promise((r) => spawn('echoscu', [...echoArgs, '127.0.0.1', String(proxyPort)], { stdio: 'inherit' }).on('exit', r));
  if (code !== 0) console.error('echoscu exit', code);
  await new Promise((r) => setTimeout(r, 300));
  proxy.close();
  scp.kill();
  const dir = join(repoRoot(), 'test', 'fixtures', 'pdu');
  seen.forEach((p, i) => {
    const file = join(dir, `${name}.${i}.${p.from}.${PDU_NAMES[p.bytes[0] ?? 0] ?? 'unknown'}.hex`);
    writeFileSync(file, p.bytes.toString('hex').replace(/(.{64})/g, '$1\n').trim() + '\n');
    console.log(file, p.bytes.length);
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
