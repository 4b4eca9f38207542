/**
 * Imported first by the CLI, before any other module allocates: keeps V8's young generation at its initial size
 * (1 MiB semi-spaces on 64-bit) however the process was started. A retrieval allocates a stream of short-lived
 * Buffers (socket reads, PDV slices) whose memory lives outside the JS heap and is only freed when the young
 * generation is collected; a young generation left to grow (to 16 MiB semi-spaces) collects them later and the
 * process holds 30-40 MB more (BENCHMARKS.md, issue 17, "The young generation set by the CLI itself").
 *
 * Why here and not on the `#!` line: `#!/usr/bin/env -S node --max-semi-space-size=1` needs env -S, which BusyBox's
 * env lacks, and npm's Windows shims and `node dist/bin/movescu.js` drop it. V8 reads the growth factor each time it
 * would grow the young generation, so setting it from the program works where the maximum (read once, when the
 * heap is made) would not. Only the CLI sets it: the library never changes its host process's V8 flags.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
