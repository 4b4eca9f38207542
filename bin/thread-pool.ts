/**
 * Imported by the CLI before anything can use libuv's thread pool: one pool thread instead of libuv's four, unless
 * UV_THREADPOOL_SIZE is already set (the user's choice wins). libuv reads the variable when the pool is first used
 * (the first asynchronous file call or DNS lookup), so setting it here is the same as setting it in the environment.
 *
 * Why one: every file call of an object (open, the writes, close, rename) is handed to the pool, and with four
 * threads each hand-off tends to wake an idle thread, often on the other CPU; with one, a call made while the thread
 * is busy is queued without a wake-up, and close and rename run one after the other on a thread already awake.
 * Measured on 2 cores (BENCHMARKS.md, issue 17, "One thread-pool thread"): wall and CPU 4-8% lower for 1000 CT
 * images and 10% for the 900 MB object, context switches 20% fewer, no loss with conversions.
 *
 * What it gives up: the pool's calls run one at a time, so one that hangs holds up the others: a stuck network mount
 * (on one output folder they would mostly wait for it anyway), or, with +ac, a slow DNS server's reverse lookup of a
 * sub-association's peer (DCMTK's one thread waits for that lookup too). Only the CLI sets it: the library never
 * changes its host's thread pool.
 */
process.env.UV_THREADPOOL_SIZE ??= '1';
