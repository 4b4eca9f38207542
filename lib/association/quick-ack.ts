/**
 * TCP_QUICKACK after each PDU we send, where the optional native addon is built (scripts/build-native.ts; Linux
 * only). Against an archive that leaves Nagle's algorithm on, the last bytes of an object can wait about 40 ms for
 * our delayed ACK of the small segment before them (BENCHMARKS.md: "Where the time goes against a Nagle-on
 * archive"): the kernel delays ACKs ("ping-pong" mode) once we answer soon after receiving, and setting TCP_QUICKACK
 * leaves that mode, after which a pushed segment we read is acknowledged at once. Set after every read instead, it
 * cost the TCP_NODELAY archive's case a third of its speed (an ACK for every segment).
 * DIMSE_QUICKACK=0 turns it off (to measure the difference). Loaded once, at import.
 */
import { loadNativeAddon } from '../native-addon';

interface QuickAckAddon {
  setQuickAck(fd: number): boolean;
}

const addon = loadNativeAddon<QuickAckAddon>('tcp-quickack', 'DIMSE_QUICKACK', (e) => typeof e.setQuickAck === 'function');

/** Whether the addon is loaded (for tests and the log). */
export const quickAckAvailable = addon !== null;

/**
 * A function to call after each write to `socket`, or null where the addon is not loaded or the socket has no
 * descriptor (a test's in-memory duplex). The descriptor is the one libuv's TCP handle holds (Node gives no public
 * accessor for it).
 */
export function quickAckFor(socket: unknown): (() => void) | null {
  const fd = (socket as { _handle?: { fd?: unknown } })._handle?.fd;
  if (!addon || typeof fd !== 'number' || fd < 0) return null;
  const set = addon.setQuickAck;
  return () => { set(fd); };
}
