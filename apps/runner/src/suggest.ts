/** Levenshtein edit distance (insert, delete, substitute; unit costs), two-row dynamic programme. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `input`, or null when nothing is near enough to be a plausible typo:
 * at most a third of the input's length in edits (minimum 2), so `mnist-mpl` finds `mnist-mlp` but
 * `foo` does not "find" `run`. A candidate whose last `/` segment equals the input also matches.
 */
export function suggest(input: string, candidates: readonly string[]): string | null {
  const needle = input.toLowerCase();
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const tail = hay.slice(hay.lastIndexOf('/') + 1);
    const d = Math.min(editDistance(needle, hay), tail === needle ? 0 : editDistance(needle, tail) + 1);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return best !== null && bestD <= limit ? best : null;
}

/** `; did you mean 'x'?` when a near miss exists, else the empty string. */
export function didYouMean(input: string, candidates: readonly string[], quote = "'"): string {
  const s = suggest(input, candidates);
  return s === null ? '' : `; did you mean ${quote}${s}${quote}?`;
}
