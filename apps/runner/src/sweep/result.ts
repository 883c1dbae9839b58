/** How one job of a sweep ended. */
export interface JobEnd {
  readonly key: string;
  readonly status: 'completed' | 'reused' | 'failed' | 'aborted';
  /** The run folder (absolute). */
  readonly dir: string | null;
  readonly error: string | null;
}

/** The end of a sweep: per job, plus the dead-letter list (jobs that failed after every retry). */
export interface SweepResult {
  readonly ends: readonly JobEnd[];
  readonly deadLetter: readonly { readonly key: string; readonly error: string; readonly attempts: number }[];
  readonly aborted: boolean;
}

/** The aggregated progress line of a sweep: done/total, failures, ETA. */
export class SweepProgress {
  private done = 0;
  private failed = 0;
  private readonly start = Date.now();
  constructor(
    private readonly total: number,
    private readonly write: (line: string) => void,
  ) {}

  /** Counts one finished job and redraws. */
  tick(end: JobEnd): void {
    this.done++;
    if (end.status === 'failed') this.failed++;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta =
      this.done > 0 && this.done < this.total
        ? ` ETA ${Math.round((elapsed * (this.total - this.done)) / this.done)} s`
        : '';
    this.write(
      `[sweep] ${this.done}/${this.total} jobs${this.failed ? `, ${this.failed} failed` : ''}, ${elapsed.toFixed(1)} s${eta}  (${end.status} ${end.key})`,
    );
  }
}
