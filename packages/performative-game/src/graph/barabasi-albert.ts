import { checkInteger, PaperkitInputError, type Rng } from '@paperkit/tensor-core';
import { fromAdjacency, type Graph } from './graph.js';
import { PythonRandom, pythonIntSetOrder } from './python-random.js';

function checkBa(n: number, m: number): void {
  checkInteger('n', n, 2);
  checkInteger('m', m, 1);
  if (m >= n) throw new PaperkitInputError('m', m, `an integer in [1, n − 1] = [1, ${n - 1}]`);
}

/**
 * Shared growth loop of networkx's `barabasi_albert_graph`: a star on `m + 1` nodes (node 0 the
 * centre, so a degree-1 node can survive), then each new node joins `m` distinct targets drawn
 * uniformly from the list of edge endpoints (preferential attachment).
 */
function grow(
  n: number,
  m: number,
  draw: (len: number) => number,
  order: (targets: number[]) => number[],
): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  const repeated: number[] = [];
  for (let leaf = 1; leaf <= m; leaf++) {
    adj[0]!.push(leaf);
    adj[leaf]!.push(0);
  }
  // nx iterates G.degree() in node order: node 0 (degree m) m times, then each leaf once.
  for (let k = 0; k < m; k++) repeated.push(0);
  for (let leaf = 1; leaf <= m; leaf++) repeated.push(leaf);
  for (let source = m + 1; source < n; source++) {
    const picked = new Set<number>();
    const inserted: number[] = [];
    while (picked.size < m) {
      const x = repeated[draw(repeated.length)]!;
      if (!picked.has(x)) {
        picked.add(x);
        inserted.push(x);
      }
    }
    const targets = order(inserted);
    for (const t of targets) {
      adj[source]!.push(t);
      adj[t]!.push(source);
    }
    repeated.push(...targets);
    for (let k = 0; k < m; k++) repeated.push(source);
  }
  return adj;
}

/**
 * Barabási–Albert graph BA(n, m) drawn from a paperkit {@link Rng} stream: the networkx algorithm
 * (star start, degree-proportional distinct targets) with paperkit's generator, so the same `rng`
 * gives the same graph everywhere. It does not reproduce networkx's graph for an integer seed; use
 * {@link barabasiAlbertNetworkx} for that.
 */
export function barabasiAlbert(n: number, m: number, rng: Rng): Graph {
  checkBa(n, m);
  if (rng === null || typeof rng !== 'object' || typeof rng.int !== 'function')
    throw new PaperkitInputError('rng', rng, 'an Rng stream (Rng.fromSeed(seed).stream(name))');
  return fromAdjacency(
    grow(
      n,
      m,
      (len) => rng.int(len),
      (t) => t,
    ),
    `BA(${n}, m=${m}, rng ${rng.path.join('/') || rng.seed})`,
  );
}

/**
 * Exactly `networkx.barabasi_albert_graph(n, m, seed)` (networkx ≥ 2.6 star start), node for node
 * and edge for edge: Python's Mersenne Twister for `random.choice`, and CPython's set iteration
 * order for the targets. These are the graphs of the paper's figures (BA(20, 2, seed 0) in training,
 * seeds 0–4 in Figs. 4–5); its degree sequence for (20, 2, 0) is [1, 2×7, 3×6, 4, 5×3, 8, 12].
 */
export function barabasiAlbertNetworkx(n: number, m: number, seed: number): Graph {
  checkBa(n, m);
  const py = new PythonRandom(seed);
  return fromAdjacency(
    grow(n, m, (len) => py.randbelow(len), pythonIntSetOrder),
    `BA(${n}, m=${m}, networkx seed ${seed})`,
  );
}
