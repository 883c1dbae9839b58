/** One case on one setup. */
export interface Row {
  readonly case: string;
  readonly group: string;
  readonly setup: string;
  /** Median ms per step; null when the setup cannot run the case. */
  readonly ms: number | null;
  readonly iterations: number;
  readonly gflops: number | null;
  /** Adam case: ms per step per million parameters. */
  readonly msPerMillionParams: number | null;
  /** Why the setup cannot run the case (e.g. a missing kernel), or a leak warning. */
  readonly note: string | null;
}

/** A goal from the issue, checked against this run's numbers. */
export interface Target {
  readonly target: string;
  readonly measured: string;
  readonly status: 'met' | 'missed' | 'n/a';
}

/** PyTorch CPU's time for the same MLP step (784-256-10, batch 128, Adam) measured on this machine. */
export const PYTORCH_MLP_MS = 2.9;

const fmt = (v: number | null, digits = 1) =>
  v === null ? '—' : v >= 100 ? v.toFixed(0) : v.toFixed(digits);

/** The row of tfjs's own kernels for the same case and backend: `wasm-tfjs` for wasm, `cpu` for cpu. */
function stockOf(rows: readonly Row[], r: Row): Row | undefined {
  if (r.setup === 'cpu' || r.setup === 'wasm-tfjs') return undefined;
  const backend = r.setup.replace(/\+blas$/, '');
  const base = backend === 'wasm' ? 'wasm-tfjs' : backend;
  return rows.find((o) => o.case === r.case && o.setup === base);
}

/** Speed-up of a row over tfjs's own kernels of the same backend, in the same process. */
export function speedup(rows: readonly Row[], r: Row): number | null {
  const s = stockOf(rows, r);
  return s?.ms != null && r.ms != null ? s.ms / r.ms : null;
}

/** The results as an aligned text table. */
export function table(rows: readonly Row[]): string {
  const head = ['case', 'setup', 'ms/step', 'GFLOP/s', 'ms/1M params', '×stock', 'note'];
  const body = rows.map((r) => {
    const x = speedup(rows, r);
    return [
      r.case,
      r.setup,
      r.ms === null ? 'n/a' : fmt(r.ms, 2),
      fmt(r.gflops),
      fmt(r.msPerMillionParams, 2),
      x === null ? '' : `${x.toFixed(1)}×`,
      r.note ?? '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function best(rows: readonly Row[], group: string, blas: boolean): Row | undefined {
  return rows
    .filter((r) => r.group === group && r.ms !== null && r.setup.endsWith('+blas') === blas)
    .sort((a, b) => a.ms! - b.ms!)[0];
}

function stock(rows: readonly Row[], group: string, setup: string): Row | undefined {
  return rows.find((r) => r.group === group && r.setup === setup);
}

/** Checks the targets; only meaningful at full size (main skips them with --quick). */
export function targets(rows: readonly Row[]): Target[] {
  const out: Target[] = [];
  const mm = rows.filter((r) => r.case === 'matmul 1024' && r.setup.endsWith('+blas') && r.gflops !== null);
  const top = mm.sort((a, b) => b.gflops! - a.gflops!)[0];
  out.push({
    target: '1024² matmul ≥ 150 GFLOP/s',
    measured: top ? `${top.gflops!.toFixed(0)} GFLOP/s (${top.setup})` : 'no +blas run',
    status: top ? (top.gflops! >= 150 ? 'met' : 'missed') : 'n/a',
  });
  const mlp = best(rows, 'mlp', true);
  // "Plain wasm" in the issue is tfjs's own wasm kernels.
  const wasmMlp = stock(rows, 'mlp', 'wasm-tfjs');
  if (mlp && wasmMlp?.ms) {
    const x = wasmMlp.ms / mlp.ms!;
    out.push({
      target: 'MLP step ≥ 4× faster than plain wasm',
      measured: `${x.toFixed(1)}× (${fmt(mlp.ms, 2)} ms ${mlp.setup} vs ${fmt(wasmMlp.ms, 2)} ms wasm-tfjs)`,
      status: x >= 4 ? 'met' : 'missed',
    });
    out.push({
      // The goal: within 2× of PyTorch-CPU's 2.9 ms step measured on this machine.
      target: `MLP step within 2× of PyTorch CPU (${PYTORCH_MLP_MS} ms)`,
      measured: `${fmt(mlp.ms, 2)} ms = ${(mlp.ms! / PYTORCH_MLP_MS).toFixed(2)}× PyTorch's time`,
      status: mlp.ms! <= 2 * PYTORCH_MLP_MS ? 'met' : 'missed',
    });
  } else {
    out.push({ target: 'MLP step ≥ 4× faster than plain wasm', measured: 'not run', status: 'n/a' });
  }
  for (const group of ['transformer', 'cnn']) {
    const fast = best(rows, group, true);
    const plain = ['wasm-tfjs', 'wasm', 'cpu']
      .map((s) => stock(rows, group, s))
      .filter((r): r is Row => r !== undefined);
    if (!fast || plain.length === 0) {
      out.push({
        target: `${group} step faster than plain wasm and cpu`,
        measured: 'not run',
        status: 'n/a',
      });
      continue;
    }
    const parts = plain.map((p) =>
      p.ms === null
        ? `${p.setup} cannot run it (${p.note})`
        : `${(p.ms / fast.ms!).toFixed(1)}× vs ${p.setup}`,
    );
    const met = plain.every((p) => p.ms === null || p.ms > fast.ms!);
    out.push({
      target: `${group} step faster than plain wasm and cpu`,
      measured: `${fmt(fast.ms, 2)} ms ${fast.setup}: ${parts.join(', ')}`,
      status: met ? 'met' : 'missed',
    });
  }
  return out;
}

/** Targets as text lines. */
export function targetLines(ts: readonly Target[]): string {
  return ts
    .map(
      (t) =>
        `  [${t.status === 'met' ? 'met' : t.status === 'missed' ? 'MISSED' : 'n/a'}] ${t.target}: ${t.measured}`,
    )
    .join('\n');
}
