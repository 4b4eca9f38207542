import { createServer, connect } from 'node:net';
import { readFileSync } from 'node:fs';

/** A TCP port that was free on 127.0.0.1 a moment ago (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Linux: is some socket in LISTEN state on `port` (any address)? null when /proc/net/tcp is not readable. */
function listeningInProc(port: number): boolean | null {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let any = false;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    any = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[3] === '0A' && cols[1]?.endsWith(':' + hex)) return true;
    }
  }
  return any ? false : null;
}

function tryConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Resolves once `port` accepts connections. On Linux the check reads /proc/net/tcp so that the server sees no
 * stray connection (dcmqrscp would fork a child for it and log an error); elsewhere it connects and closes.
 * `isDead` lets the caller stop waiting when the server has exited; `timeoutMs` is a safety net only.
 */
export async function waitForListening(
  port: number,
  opts: { host?: string; timeoutMs?: number; isDead?: () => string | null } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const dead = opts.isDead?.();
    if (dead) throw new Error(dead);
    const viaProc = listeningInProc(port);
    if (viaProc === true) return;
    if (viaProc === null && (await tryConnect(port, opts.host ?? '127.0.0.1'))) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on port ${port} after ${opts.timeoutMs ?? 20_000} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
