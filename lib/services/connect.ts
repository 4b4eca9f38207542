/** Opens a TCP connection with Nagle off (each PDU is one write; waiting for delayed ACKs would stall every response). */
import net from 'node:net';
import { DimseError, systemErrorText } from '../errors';

/** Rejects with CONNECT_FAILED (the system's error as its cause) or CONNECT_TIMEOUT. */
export function connectTcp(host: string, port: number, timeoutMs?: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    let timer: NodeJS.Timeout | undefined;
    const onError = (e: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      reject(new DimseError('CONNECT_FAILED', `TCP Initialization Error: ${systemErrorText(e)} (${host}:${port})`, {}, { cause: e }));
    };
    if (timeoutMs) {
      timer = setTimeout(() => {
        socket.off('error', onError);
        socket.destroy();
        reject(new DimseError('CONNECT_TIMEOUT', `no connection to ${host}:${port} within ${timeoutMs / 1000} s`));
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
