import { describe, expect, it } from 'vitest';
import { defaultSeeds, defineExperiment, type Experiment, resolveConfig } from '../experiment/index.js';

/** Options of {@link experimentPackageConformance}. */
export interface ExperimentPackageOptions {
  /** The package's id prefix, e.g. `nupi` (every id must be `nupi/<name>`). */
  readonly prefix: string;
  /** Seeds the headline must run at its quick preset (unless deterministic); default 3. */
  readonly minHeadlineSeeds?: number;
}

/**
 * The checks every package's `experiments` export must pass, as one vitest suite: ids unique and under
 * the package prefix, exactly one headline (run by `paperkit repro`) with at least three seeds at its
 * quick preset (unless deterministic), every preset resolving, cells, claims and plots declared for
 * each preset (re-running `defineExperiment`'s import-time checks), and every `paper` reference
 * pointing at a table, figure, section, equation or appendix of the paper.
 */
export function experimentPackageConformance(
  experiments: readonly Experiment[],
  o: ExperimentPackageOptions,
): void {
  describe(`experiments of @paperkit/${o.prefix}`, () => {
    it('ids are unique and under the package prefix; exactly one headline', () => {
      const ids = experiments.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id.startsWith(`${o.prefix}/`)).toBe(true);
      expect(experiments.filter((e) => e.headline === true)).toHaveLength(1);
    });

    it('the headline runs enough seeds at its quick preset for a verdict with an interval', () => {
      const h = experiments.find((e) => e.headline === true)!;
      if (!h.deterministic) expect(defaultSeeds(h, 'quick')).toBeGreaterThanOrEqual(o.minHeadlineSeeds ?? 3);
    });

    for (const e of experiments)
      it(`${e.id}: declaration passes the import-time checks, every preset resolves and has cells`, () => {
        expect(() => defineExperiment(e)).not.toThrow();
        for (const preset of Object.keys(e.presets)) {
          const config = resolveConfig(e, preset);
          expect(e.cells(config).length).toBeGreaterThan(0);
          for (const c of e.claims?.(config) ?? [])
            if (c.reference?.provenance === 'paper')
              expect(
                c.reference.source,
                `${e.id} claim ${c.id}: a paper reference names where the paper prints it`,
              ).toMatch(
                /\b(Table|Tab\.|Fig\.?|Figure|§|Sec(tion)?\.?|Eq\.?|Equation|Appendix|App\.|Alg(orithm)?\.?|Thm|Theorem|Example|Prop(osition)?)\b|§/,
              );
        }
      });
  });
}
