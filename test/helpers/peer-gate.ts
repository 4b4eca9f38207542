/**
 * Tests that need outside programs (DCMTK's storescp, echoscu, ...): they skip, with the reason shown, when
 * a program is not on PATH, and FAIL instead when the environment says DIMSE_REQUIRE_PEERS=1 (CI with the
 * peers installed must not pass by skipping).
 */
import test, { type TestContext } from 'node:test';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Full path of an executable on PATH, or null. */
export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export function peersRequired(): boolean {
  return process.env.DIMSE_REQUIRE_PEERS === '1';
}

/** A node:test test that needs `binaries` on PATH (or, given as absolute paths, files such as DCMTK's headers). */
export function peerTest(name: string, binaries: string[], fn: (t: TestContext) => Promise<void> | void): void {
  const missing = binaries.filter((b) => (b.startsWith('/') ? !existsSync(b) : findBinary(b) === null));
  if (missing.length === 0) {
    test(name, fn);
  } else if (peersRequired()) {
    test(name, () => {
      throw new Error(`DIMSE_REQUIRE_PEERS=1 but not on PATH: ${missing.join(', ')}`);
    });
  } else {
    test(name, { skip: `not on PATH: ${missing.join(', ')} (set DIMSE_REQUIRE_PEERS=1 to make this a failure)` }, () => {});
  }
}
