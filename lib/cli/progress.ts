/**
 * The live progress line movescu draws on stderr when stderr is a terminal (and only at the default log levels):
 * "12/40 objects, 1 failed, 28 remaining, 6.2 MB, 3.1 MB/s", redrawn in place with "\r" + line + erase-to-end-of-line.
 * Not DCMTK's: DCMTK's own progress ("RECV: ....", at -v) is unchanged, and nothing here runs when stderr is not a
 * terminal, so every redirected or piped run prints exactly DCMTK's text.
 */
import type { MoveResponse } from '../services/move-scu';
import type { StoreProgress } from '../services/store-scp';
import type { Threshold } from './logger';

export interface ProgressCounts {
  /** Sub-operations the C-MOVE responses report, summed over the C-MOVEs of the run. */
  completed: number;
  failed: number;
  warning: number;
  /** Sub-operations still to go, or null while no C-MOVE response has said. */
  remaining: number | null;
  /** Objects received on our own port (complete C-STOREs), and their data set bytes (in-flight ones included). */
  received: number;
  bytes: number;
}

/** The counts before any event. */
export function emptyCounts(): ProgressCounts {
  return { completed: 0, failed: 0, warning: 0, remaining: null, received: 0, bytes: 0 };
}

/** Decimal units, one decimal above 1000 bytes: "512 B", "6.2 MB". */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** One progress line (pure). No rate until some time has passed: a rate over zero seconds means nothing. */
export function renderProgress(c: ProgressCounts, elapsedMs: number): string {
  const done = c.completed + c.failed + c.warning;
  const parts = [c.remaining === null ? `${c.received} objects` : `${done}/${done + c.remaining} objects`];
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (c.warning > 0) parts.push(`${c.warning} with warnings`);
  if (c.remaining !== null && c.remaining > 0) parts.push(`${c.remaining} remaining`);
  parts.push(formatBytes(c.bytes));
  if (elapsedMs > 0) parts.push(`${formatBytes(c.bytes / (elapsedMs / 1000))}/s`);
  return parts.join(', ');
}

/**
 * Whether movescu shows the line: stderr is a terminal that understands "\x1b[K" (TERM is not "dumb"), and the
 * log level is the default (warn) or error. Not with -q / -ll fatal / -ll off (quiet asked for silence), nor at
 * -v / -d / -ll info|debug|trace (their log lines and DCMTK's "RECV: ..." dots would interleave with it).
 */
export function progressWanted(o: { isTTY: boolean | undefined; logLevel: Threshold; term?: string }): boolean {
  return o.isTTY === true && o.term !== 'dumb' && (o.logLevel === 'warn' || o.logLevel === 'error');
}

export interface ProgressLineOptions {
  /** Where the line goes (stderr). */
  write(text: string): void;
  /** Milliseconds, monotonic enough for rates; Date.now by default. Injected by the tests. */
  now?(): number;
  /** Shortest time between two redraws; 250 ms (at most 4 a second). */
  minIntervalMs?: number;
  /** Terminal width: the line is cut to fit, since a wrapped line cannot be redrawn with "\r". 0/undefined: no limit. */
  columns?(): number | undefined;
  /** Also redraw on a timer every minIntervalMs (unref'd), so that the rate stays live while nothing arrives. */
  timer?: boolean;
}

const ERASE_TO_EOL = '\x1b[K';

export class ProgressLine {
  private readonly writeOut: (text: string) => void;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly columns: () => number | undefined;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  /** The line now on screen ('' when none). */
  private shown = '';
  private dirty = false;
  private finished = false;
  private interval: NodeJS.Timeout | undefined;
  /** Counts of the C-MOVEs already answered; the current C-MOVE's latest counts are added on top. */
  private base = { completed: 0, failed: 0, warning: 0 };
  private current: { completed: number; failed: number; warning: number; remaining: number | null } | null = null;
  private received = 0;
  /** Bytes of complete objects (exact, from each 'end'), plus the latest fragment's count of the object in flight. */
  private endedBytes = 0;
  private inFlightBytes = 0;

  constructor(o: ProgressLineOptions) {
    this.writeOut = o.write;
    this.now = o.now ?? Date.now;
    this.minIntervalMs = o.minIntervalMs ?? 250;
    this.columns = o.columns ?? (() => undefined);
    this.started = this.now();
    if (o.timer) {
      this.interval = setInterval(() => this.tick(), this.minIntervalMs);
      this.interval.unref();
    }
  }

  get counts(): ProgressCounts {
    const cur = this.current;
    return {
      completed: this.base.completed + (cur?.completed ?? 0),
      failed: this.base.failed + (cur?.failed ?? 0),
      warning: this.base.warning + (cur?.warning ?? 0),
      remaining: cur === null ? null : cur.remaining,
      received: this.received,
      bytes: this.endedBytes + this.inFlightBytes,
    };
  }

  /** Each C-MOVE response, pending or final (RetrieveOptions.onResponse). */
  onMoveResponse(rsp: Pick<MoveResponse, 'final' | 'remaining' | 'completed' | 'failed' | 'warning'>): void {
    const prev = this.current;
    const next = {
      completed: rsp.completed ?? prev?.completed ?? 0,
      failed: rsp.failed ?? prev?.failed ?? 0,
      warning: rsp.warning ?? prev?.warning ?? 0,
      // A final response has nothing left, whether or not it says so (the standard leaves its remaining count out).
      remaining: rsp.final ? 0 : rsp.remaining ?? prev?.remaining ?? null,
    };
    if (rsp.final) {
      this.base = {
        completed: this.base.completed + next.completed,
        failed: this.base.failed + next.failed,
        warning: this.base.warning + next.warning,
      };
      // The next C-MOVE (if any) starts from nothing; until then the run shows as complete.
      this.current = { completed: 0, failed: 0, warning: 0, remaining: 0 };
    } else {
      this.current = next;
    }
    this.changed();
  }

  /** Each C-STORE's progress (RetrieveOptions.onStoreProgress). */
  onStoreProgress(event: StoreProgress): void {
    if (event.state === 'begin') {
      // Nothing to show yet: the first draw waits for data (no "0 objects, 0 B" flash before the first byte).
      this.inFlightBytes = 0;
      return;
    } else if (event.state === 'fragment') {
      this.inFlightBytes = event.bytes;
    } else {
      this.endedBytes += event.bytes;
      this.inFlightBytes = 0;
      this.received++;
    }
    this.changed();
  }

  /** Redraws if the line is up (or out of date) and the interval has passed: the rate moves even when nothing arrives. */
  tick(): void {
    if (this.finished || (this.shown === '' && !this.dirty)) return;
    if (this.now() - this.lastDraw >= this.minIntervalMs) this.draw();
  }

  /**
   * A log line (the CLI logger's write): the progress line is erased, the text printed on its own line(s), and the
   * progress line drawn again under it, all in one write so that nothing else can land in between.
   */
  log(text: string): void {
    if (this.shown === '') {
      this.writeOut(text);
      return;
    }
    const body = text.endsWith('\n') ? text : `${text}\n`;
    const line = this.render();
    this.writeOut(`\r${ERASE_TO_EOL}${body}\r${line}${ERASE_TO_EOL}`);
    this.shown = line;
    this.lastDraw = this.now();
    this.dirty = false;
  }

  /** The retrieval is over: the final counts once more, then a newline so that the shell's prompt starts below. */
  finish(): void {
    if (this.finished) return;
    if (this.interval) clearInterval(this.interval);
    if (this.shown !== '' || this.dirty) {
      this.draw();
      this.writeOut('\n');
    }
    this.finished = true;
    this.shown = '';
  }

  private changed(): void {
    if (this.finished) return;
    this.dirty = true;
    if (this.now() - this.lastDraw >= this.minIntervalMs) this.draw();
  }

  private render(): string {
    const line = renderProgress(this.counts, this.now() - this.started);
    const width = this.columns();
    // One column short of the width: writing into the last column makes some terminals wrap.
    return width !== undefined && width > 1 && line.length >= width ? line.slice(0, width - 1) : line;
  }

  private draw(): void {
    const line = this.render();
    this.lastDraw = this.now();
    this.dirty = false;
    if (line === this.shown) return;
    this.writeOut(`\r${line}${ERASE_TO_EOL}`);
    this.shown = line;
  }
}
