import { defineConfig } from 'vitest/config';

/** Root config for local watch mode over every package; CI runs each package's own config via turbo. */
export default defineConfig({
  test: { projects: ['packages/*', 'apps/*'] },
});
