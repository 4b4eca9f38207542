/**
 * Our version, as printed by `movescu --version`, `--help` and in error headers. A constant rather than a read of
 * package.json at run time, because the compiled file's distance to package.json differs between dist/ and test
 * builds; test/unit/cli-version.test.ts checks that it equals package.json's version.
 */
export const DIMSE_STREAM_VERSION = '0.1.0';
