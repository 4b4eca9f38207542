import { createServer, connect } from 'node:net';
import { readFileSync } from 'node:fs';

/** Lowest port the kernel hands out as the local end of outgoing connections (Linux; 32768 elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 10_000 ? Math.min(low, 32_768) : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether 127.0.0.1:port can be listened on now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Ports this process has handed out: never twice, since callers may listen on them much later. */
const handedOut = new Set<number>();

/**
 * A TCP port free on 127.0.0.1 a moment ago, for a server (ours or a DCMTK tool) to listen on later. Taken below
 * the kernel's ephemeral range: a port from that range (what listening on port 0 gives) can meanwhile become the
 * local end of some outgoing connection, an archive's own sub-associations among them, and the listen then fails
 * with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const top = ephemeralLow();
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
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
