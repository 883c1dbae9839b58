import type { ProgressReporter } from '@paperkit/tensor-core';

/** The part of a writable stream the progress display needs (a TTY stream has `isTTY` and `columns`). */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of {@link StderrProgress}. */
export interface ProgressOptions {
  /** Where to draw; progress always goes to stderr in the CLI. */
  readonly stream: TextSink;
  /** Prefix of every line, e.g. `demo/mnist-mlp seed 0`. */
  readonly prefix: string;
  /** Clock in ms (injectable for tests); default `Date.now`. */
  readonly now?: () => number;
  /** Minimum ms between plain (non-TTY) lines; default 5000. */
  readonly plainIntervalMs?: number;
  /** Force TTY or plain rendering; default the stream's `isTTY`. */
  readonly tty?: boolean;
}

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 100;

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The runner's {@link ProgressReporter}: on a TTY a single `\r`-redrawn bar with percentage and ETA
 * (redrawn at most every 100 ms); elsewhere (CI logs, pipes) plain lines at the start of a phase, at
 * most every 5 s, and at its end, so logs stay short.
 */
export class StderrProgress implements ProgressReporter {
  private readonly stream: TextSink;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly plainIntervalMs: number;
  private readonly tty: boolean;
  private label = '';
  private total = 0;
  private done = 0;
  private status = '';
  private phaseStart = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private barVisible = false;
  private endShown = false;

  constructor(o: ProgressOptions) {
    this.stream = o.stream;
    this.prefix = o.prefix;
    this.now = o.now ?? Date.now;
    this.plainIntervalMs = o.plainIntervalMs ?? 5000;
    this.tty = o.tty ?? o.stream.isTTY === true;
  }

  start(label: string, total: number): void {
    this.label = String(label);
    this.total = Number.isFinite(total) && total > 0 ? total : 0;
    this.done = 0;
    this.status = '';
    this.phaseStart = this.now();
    this.endShown = false;
    if (this.tty) this.draw(true);
    else this.plain(true);
  }

  update(done: number, status?: string): void {
    this.done = Number.isFinite(done) ? done : this.done;
    if (status !== undefined) this.status = status;
    const finished = this.total > 0 && this.done >= this.total && !this.endShown;
    if (finished) this.endShown = true;
    if (this.tty) this.draw(finished);
    else this.plain(finished);
  }

  /** Prints a log line without tearing the bar (clears, prints, redraws). */
  log(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    if (this.tty && this.label) this.draw(true);
  }

  /** Removes the bar (end of a run). */
  clear(): void {
    if (this.barVisible) {
      this.stream.write('\r\x1b[K');
      this.barVisible = false;
    }
  }

  /** Ends the display: clears the bar and forgets the phase. */
  finish(): void {
    this.clear();
    this.label = '';
  }

  private fraction(): number {
    return this.total > 0 ? Math.min(1, Math.max(0, this.done / this.total)) : 0;
  }

  private eta(): string {
    const f = this.fraction();
    const elapsed = this.now() - this.phaseStart;
    if (f <= 0 || f >= 1) return duration(elapsed);
    return `${duration(elapsed)} < ${duration((elapsed * (1 - f)) / f)}`;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < TTY_REDRAW_MS) return;
    this.lastDraw = t;
    const f = this.fraction();
    const filled = Math.round(f * BAR_WIDTH);
    const bar =
      this.total > 0
        ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`
        : '';
    const count = this.total > 0 ? ` ${this.done}/${this.total}` : ` ${this.done}`;
    let line = `${this.prefix} ${this.label} ${bar}${count} ${this.eta()}${this.status ? ` ${this.status}` : ''}`;
    // A pseudo-terminal without a size reports 0 columns.
    const cols = (this.stream.columns ?? 0) >= 20 ? this.stream.columns! : 100;
    if (line.length > cols - 1) line = line.slice(0, Math.max(10, cols - 1));
    this.stream.write(`\r\x1b[K${line}`);
    this.barVisible = true;
  }

  private plain(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < this.plainIntervalMs) return;
    this.lastDraw = t;
    const pct = this.total > 0 ? ` (${(this.fraction() * 100).toFixed(0)}%)` : '';
    const count = this.total > 0 ? `${this.done}/${this.total}` : `${this.done}`;
    // A phase without units (e.g. the start of a sweep cell) is just its label.
    if (this.total === 0 && this.done === 0 && !this.status) {
      this.stream.write(`${this.prefix} ${this.label}\n`);
      return;
    }
    this.stream.write(
      `${this.prefix} ${this.label}: ${count}${pct} ${duration(t - this.phaseStart)}${this.status ? ` ${this.status}` : ''}\n`,
    );
  }
}
