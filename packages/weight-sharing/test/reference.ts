/**
 * Test-only reference solvers of spec §I.3E, independent of the sorted-form derivation used by the
 * library: an event-driven particle simulation and a brute-force dual (box-constrained least squares)
 * solved by exact coordinate descent.
 */

/**
 * Event-driven simulation of the paper's interacting particles (§I.1): unit masses at w, every pair
 * attracting with constant force 1/(d−1), perfectly inelastic collisions; returns the configuration at
 * time t = λ, un-sorted. O(d²) per event.
 */
export function particleSimulation(w: ArrayLike<number>, lambda: number): Float64Array {
  const d = w.length;
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => w[a]! - w[b]!);
  // Clusters: position at the current time, velocity, members.
  let pos = order.map((i) => w[i]!);
  let vel = order.map((_, k) => (d - 2 * k - 1) / (d - 1));
  let mem: number[][] = order.map((i) => [i]);
  let t = 0;
  for (;;) {
    let best = Infinity;
    let at = -1;
    for (let c = 0; c + 1 < pos.length; c++) {
      const gap = pos[c + 1]! - pos[c]!;
      const closing = vel[c]! - vel[c + 1]!;
      const tau = gap <= 0 ? 0 : closing > 0 ? gap / closing : Infinity;
      if (tau < best) {
        best = tau;
        at = c;
      }
    }
    if (at < 0 || t + best > lambda) break;
    pos = pos.map((p, c) => p + best * vel[c]!);
    t += best;
    const ma = mem[at]!.length;
    const mb = mem[at + 1]!.length;
    const p = (ma * pos[at]! + mb * pos[at + 1]!) / (ma + mb);
    const v = (ma * vel[at]! + mb * vel[at + 1]!) / (ma + mb);
    pos = [...pos.slice(0, at), p, ...pos.slice(at + 2)];
    vel = [...vel.slice(0, at), v, ...vel.slice(at + 2)];
    mem = [...mem.slice(0, at), [...mem[at]!, ...mem[at + 1]!], ...mem.slice(at + 2)];
  }
  const out = new Float64Array(d);
  pos.forEach((p, c) => {
    for (const i of mem[c]!) out[i] = p + (lambda - t) * vel[c]!;
  });
  return out;
}

/**
 * Brute-force prox of λR + β‖·‖₁ through its dual: x = w − Dᵀu − u′ with
 * (u, u′) = argmin ½‖w − Dᵀu − u′‖² s.t. |u| ≤ μ = λ/(d−1), |u′| ≤ β, where D is the C(d,2) × d
 * pairwise-difference matrix. Exact cyclic coordinate descent (each coordinate minimised in closed
 * form and clipped to its box) until no coordinate moves by `tol` in a sweep (smaller thresholds only chase
 * rounding noise); linear convergence on
 * this polyhedral problem (Luo–Tseng).
 */
export function bruteForceProx(
  w: ArrayLike<number>,
  lambda: number,
  beta = 0,
  tol = 1e-15,
  maxSweeps = 2_000_000,
): Float64Array {
  const d = w.length;
  const mu = lambda / (d - 1);
  const x = Float64Array.from(w);
  const pairs: [number, number][] = [];
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) pairs.push([i, j]);
  const u = new Float64Array(pairs.length);
  const u1 = new Float64Array(d);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let p = 0; p < pairs.length; p++) {
      const [i, j] = pairs[p]!;
      // Row e_i − e_j of D: x = w − Dᵀu moves x_i by −Δ and x_j by +Δ; curvature ‖e_i − e_j‖² = 2.
      const next = Math.min(mu, Math.max(-mu, u[p]! + (x[i]! - x[j]!) / 2));
      const delta = next - u[p]!;
      if (delta !== 0) {
        u[p] = next;
        x[i]! -= delta;
        x[j]! += delta;
        change = Math.max(change, Math.abs(delta));
      }
    }
    if (beta > 0) {
      for (let i = 0; i < d; i++) {
        const next = Math.min(beta, Math.max(-beta, u1[i]! + x[i]!));
        const delta = next - u1[i]!;
        if (delta !== 0) {
          u1[i] = next;
          x[i]! -= delta;
          change = Math.max(change, Math.abs(delta));
        }
      }
    }
    if (change < tol) break;
  }
  return x;
}

/** R(w) by the O(d²) pair sum, for checking the sorted formula. */
export function pairSumR(w: ArrayLike<number>): number {
  const d = w.length;
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) s += Math.abs(w[i]! - w[j]!);
  return s / (d - 1);
}
