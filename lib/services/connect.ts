/** Opens a TCP connection with Nagle off (each PDU is one write; waiting for delayed ACKs would stall every response). */
import net from 'node:net';
import { DimseError } from '../errors';

export function connectTcp(host: string, port: number, timeoutMs?: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    let timer: NodeJS.Timeout | undefined;
    const onError = (e: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject(new DimseError('CONNECT_FAILED', connectFailure(host, e), {}, { cause: e }));
    };
    if (timeoutMs) {
      timer = setTimeout(() => {
        socket.off('error', onError);
        socket.destroy();
        // DCMTK's requestAssociationTCP: strerror(errno) after its select() timed out, errno still connect()'s.
        reject(new DimseError('CONNECT_FAILED', `${TCP_INIT_ERROR}: Operation now in progress (Timeout)`));
      }, timeoutMs);
    }
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** DCMTK's condition (dcmnet cond.h, DULC_TCPINITERROR) and text, which scripts grep in movescu's log. */
const TCP_INIT_ERROR = '0006:031c TCP Initialization Error';

/** strerror() of the errors a connect() can end with on Linux, as DCMTK prints them. */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
};

/**
 * DCMTK's condition for a failed connect: a name that does not resolve is DULC_UNKNOWNHOST (0006:0320), anything
 * else DULC_TCPINITERROR (0006:031c) with the system's error text.
 */
function connectFailure(host: string, e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'EAI_FAIL') return `0006:0320 Attempt to connect to unknown host: ${host}`;
  return `${TCP_INIT_ERROR}: ${(e.code && STRERROR[e.code]) ?? e.message}`;
}
