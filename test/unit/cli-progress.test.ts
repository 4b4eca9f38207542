/** The live progress line: rendering (pure), throttling (injected clock), log lines through it, when it is shown. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { ProgressLine, emptyCounts, formatBytes, progressWanted, renderProgress, type ProgressCounts } from '../../lib/cli/progress';
import { createConsoleLogger } from '../../lib/cli/logger';

const counts = (c: Partial<ProgressCounts>): ProgressCounts => ({ ...emptyCounts(), ...c });

/** A ProgressLine on a fake clock, recording every write. */
function harness(o: { columns?: number } = {}) {
  let t = 1_000_000;
  const writes: string[] = [];
  const line = new ProgressLine({ write: (s) => writes.push(s), now: () => t, columns: () => o.columns });
  return { line, writes, advance: (ms: number) => { t += ms; } };
}

test('formatBytes: decimal units, one decimal from 1 kB', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(1000), '1.0 kB');
  assert.equal(formatBytes(6_200_000), '6.2 MB');
  assert.equal(formatBytes(1_500_000_000), '1.5 GB');
  assert.equal(formatBytes(2.5e15), '2500.0 TB');
});

test('renderProgress: done/total, failed, remaining, bytes, rate', () => {
  assert.equal(renderProgress(counts({ completed: 11, failed: 1, remaining: 28, bytes: 6_200_000 }), 2000),
    '12/40 objects, 1 failed, 28 remaining, 6.2 MB, 3.1 MB/s');
  assert.equal(renderProgress(counts({ completed: 8, warning: 2, remaining: 0, bytes: 500 }), 1000),
    '10/10 objects, 2 with warnings, 500 B, 500 B/s');
});

test('renderProgress: before any C-MOVE response, the objects received; no rate at zero elapsed', () => {
  assert.equal(renderProgress(emptyCounts(), 0), '0 objects, 0 B');
  assert.equal(renderProgress(counts({ received: 3, bytes: 4096 }), 0), '3 objects, 4.1 kB');
  assert.equal(renderProgress(counts({ received: 3, bytes: 4096 }), 500), '3 objects, 4.1 kB, 8.2 kB/s');
});

test('counts: pending responses, store events, the final response, two C-MOVEs', () => {
  const { line } = harness();
  line.onStoreProgress({ state: 'begin', bytes: 0 });
  line.onStoreProgress({ state: 'fragment', bytes: 100 });
  line.onStoreProgress({ state: 'fragment', bytes: 250 });
  assert.deepEqual(line.counts, counts({ bytes: 250 }));
  line.onStoreProgress({ state: 'end', bytes: 250 });
  line.onMoveResponse({ final: false, remaining: 2, completed: 1, failed: 0, warning: 0 });
  assert.deepEqual(line.counts, counts({ completed: 1, remaining: 2, received: 1, bytes: 250 }));
  line.onMoveResponse({ final: false, remaining: 1, completed: 1, failed: 1, warning: 0 });
  // The final response's counts, and nothing remaining even though a final response has no remaining count.
  line.onMoveResponse({ final: true, remaining: undefined, completed: 2, failed: 1, warning: 0 });
  assert.deepEqual(line.counts, counts({ completed: 2, failed: 1, remaining: 0, received: 1, bytes: 250 }));
  // A second C-MOVE adds to the first.
  line.onMoveResponse({ final: false, remaining: 4, completed: 1, failed: 0, warning: 0 });
  assert.deepEqual(line.counts, counts({ completed: 3, failed: 1, remaining: 4, received: 1, bytes: 250 }));
  line.onMoveResponse({ final: true, completed: 5, failed: 0, warning: 0 });
  assert.equal(renderProgress(line.counts, 0), '8/8 objects, 1 failed, 250 B');
});

test('throttle: 100 events over 1 s draw at most 5 times, plus the final line and its newline', () => {
  const { line, writes, advance } = harness();
  for (let i = 0; i < 100; i++) {
    line.onStoreProgress({ state: 'end', bytes: 1000 });
    advance(10);
  }
  assert.ok(writes.length >= 4 && writes.length <= 5, `${writes.length} draws`);
  for (const w of writes) assert.match(w, /^\r[^\r\n]*\x1b\[K$/);
  line.finish();
  assert.equal(writes.at(-1), '\n');
  assert.equal(writes.at(-2), '\r100 objects, 100.0 kB, 100.0 kB/s\x1b[K');
  // Nothing after the end, not even from late events.
  const n = writes.length;
  line.onStoreProgress({ state: 'end', bytes: 1 });
  line.tick();
  line.finish();
  assert.equal(writes.length, n);
});

test('the first event draws at once; tick redraws a stale line only once the interval has passed', () => {
  const { line, writes, advance } = harness();
  line.tick();
  assert.equal(writes.length, 0, 'nothing to show before any event');
  line.onStoreProgress({ state: 'begin', bytes: 0 });
  assert.equal(writes.length, 0, "a C-STORE's start changes no count: no draw");
  line.onMoveResponse({ final: false, remaining: 9, completed: 1 });
  assert.deepEqual(writes, ['\r1/10 objects, 9 remaining, 0 B\x1b[K']);
  line.onStoreProgress({ state: 'end', bytes: 2000 });
  assert.equal(writes.length, 1, 'throttled');
  advance(100);
  line.tick();
  assert.equal(writes.length, 1);
  advance(150);
  line.tick();
  assert.deepEqual(writes.slice(1), ['\r1/10 objects, 9 remaining, 2.0 kB, 8.0 kB/s\x1b[K']);
});

test('a log line erases the progress line, prints, and draws it again, in one write', () => {
  const { line, writes, advance } = harness();
  const log = createConsoleLogger('warn', (s) => line.log(s));
  log.warn('before any progress');
  assert.deepEqual(writes, ['W: before any progress\n'], 'no line up yet: the text as it is');
  line.onMoveResponse({ final: false, remaining: 3, completed: 1 });
  advance(1000);
  log.warn('Move response with warning status (Warning)');
  assert.equal(writes.at(-1), '\r\x1b[KW: Move response with warning status (Warning)\n\r1/4 objects, 3 remaining, 0 B, 0 B/s\x1b[K');
  line.finish();
  log.error('after the end');
  assert.equal(writes.at(-1), 'E: after the end\n');
});

test('the line is cut to the terminal width (a wrapped line cannot be redrawn in place)', () => {
  const { line, writes } = harness({ columns: 12 });
  line.onMoveResponse({ final: false, remaining: 28, completed: 11, failed: 1 });
  assert.equal(writes[0], '\r12/40 objec\x1b[K');
  const wide = harness({ columns: 0 });
  wide.line.onMoveResponse({ final: false, remaining: 28, completed: 11, failed: 1 });
  assert.equal(wide.writes[0], '\r12/40 objects, 1 failed, 28 remaining, 0 B\x1b[K');
});

test('finish without any event prints nothing', () => {
  const { line, writes } = harness();
  line.finish();
  assert.deepEqual(writes, []);
});

test('progressWanted: a terminal at the default levels only', () => {
  for (const logLevel of ['warn', 'error'] as const) {
    assert.equal(progressWanted({ isTTY: true, logLevel, term: 'xterm' }), true, logLevel);
    assert.equal(progressWanted({ isTTY: true, logLevel }), true, `${logLevel}, no TERM`);
    assert.equal(progressWanted({ isTTY: false, logLevel }), false);
    assert.equal(progressWanted({ isTTY: undefined, logLevel }), false);
    assert.equal(progressWanted({ isTTY: true, logLevel, term: 'dumb' }), false);
  }
  for (const logLevel of ['fatal', 'off', 'info', 'debug', 'trace'] as const) {
    assert.equal(progressWanted({ isTTY: true, logLevel, term: 'xterm' }), false, logLevel);
  }
});
