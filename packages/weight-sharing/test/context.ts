import { type BackendInfo, type ExperimentContext, type MetricRecord, Rng } from '@paperkit/tensor-core';

/** A runner-free ExperimentContext for calling an experiment's `run` in tests. */
export function fakeContext(
  backend: BackendInfo,
  seed = 1,
  preset = 'quick',
): ExperimentContext & { records: MetricRecord[] } {
  const records: MetricRecord[] = [];
  return {
    seed,
    rng: Rng.fromSeed(seed),
    backend,
    preset,
    signal: new AbortController().signal,
    progress: { start: () => {}, update: () => {} },
    metrics: { write: (r) => void records.push(r) },
    records,
  };
}
