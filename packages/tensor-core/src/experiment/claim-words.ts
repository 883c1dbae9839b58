import { claim } from './claim-builders.js';
import type { Claim, Expectation, Reference, TableMetric } from './claims.js';

/** The words of a claim for {@link claimOf}: its statement, its reference and the digits shown. */
export interface ClaimWords {
  readonly statement: string;
  readonly reference?: Reference;
  readonly digits?: number;
}

/**
 * A claim written as what it computes, then its words: `claimOf('svd-helps', diff('loss', svd, none),
 * below(0), { statement: 'the SVD rotation lowers the loss', reference: qualitative('Fig. 5') })`.
 * The same claim as the positional {@link claim}; this order keeps id, metric and expectation on one
 * line, so a list of claims reads as a table of what is checked.
 */
export function claimOf(id: string, metric: TableMetric, expect: Expectation, words: ClaimWords): Claim {
  return claim(id, words.statement, metric, expect, words.reference, words.digits);
}

/**
 * `[claimOf(...)]` when `condition` holds, `[]` otherwise, to spread into an experiment's claims: a
 * claim about cells that some presets leave out (`...claimIf(has('svd'), 'svd-helps', …)`).
 */
export function claimIf(
  condition: boolean,
  id: string,
  metric: TableMetric,
  expect: Expectation,
  words: ClaimWords,
): Claim[] {
  return condition ? [claimOf(id, metric, expect, words)] : [];
}
