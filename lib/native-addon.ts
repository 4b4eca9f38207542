/**
 * Loads one of the optional native addons (native/*.c, built into dist/native/ by scripts/build-native.ts; Linux
 * only), or gives null where it is not built, is turned off by its environment variable (`NAME=0`), or was built for
 * another Node. Whoever loads it runs without it then, the same way. Loaded once, by the module that uses it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** `name`'s exports if it is built and loads and `valid` accepts them; null otherwise. */
export function loadNativeAddon<T>(name: string, offSwitch: string, valid: (exports: Record<string, unknown>) => boolean): T | null {
  const path = join(__dirname, '..', 'native', `${name}.node`);
  if (process.platform !== 'linux' || process.env[offSwitch] === '0' || !existsSync(path)) return null;
  try {
    const mod = { exports: {} as Record<string, unknown> };
    process.dlopen(mod, path);
    return valid(mod.exports) ? (mod.exports as T) : null;
  } catch {
    return null; // built for another Node: run without it
  }
}
