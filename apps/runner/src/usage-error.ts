/**
 * Bad command-line input: the CLI prints the one-line message on stderr and exits with code 2, so
 * scripts can tell "you typed it wrong" apart from "the run failed" (exit 1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes of the `paperkit` CLI. */
export const EXIT = {
  /** Everything asked for completed. */
  ok: 0,
  /** A run failed (the run folder says why). */
  failed: 1,
  /** Bad input: unknown command, flag, experiment, preset or config key. */
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT, the shell convention). */
  aborted: 130,
} as const;
