export { type SampleSummary, summarize, tQuantile975 } from './interval.js';
export { mean, median, quantile, std, variance } from './moments.js';
export { ranks, spearman } from './rank.js';
