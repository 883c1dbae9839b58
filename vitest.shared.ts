import { defineConfig } from 'vitest/config';

/**
 * The one vitest preset every package extends. tfjs keeps its engine on globalThis, so tests run in
 * forked processes (safe with native addons) with isolation on, in the plain node environment
 * (jsdom swaps realm globals and breaks tfjs's typed-array checks). Besides the console output each
 * run writes `test-results.json`, which `.ci/run` sums into one closing "N passed, N failed" line.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@paperkit/source', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@paperkit/source', 'import', 'default'] } },
  test: {
    environment: 'node',
    pool: 'forks',
    isolate: true,
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
