import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { lazyRegistry, registryPackageNames, staticAssets } from './plugins/site-build.ts';

const registry = fileURLToPath(new URL('../runner/src/registry.ts', import.meta.url));

// A static multi-page site: relative asset URLs (`base: './'`) so the folder can be served from any
// path (GitHub Pages project sites included). Packages resolve to their built `dist/` (default export
// conditions), the same code the CLI runs.
export default defineConfig({
  base: './',
  plugins: [lazyRegistry('names'), staticAssets(() => registryPackageNames(registry))],
  worker: { format: 'es', plugins: () => [lazyRegistry('lazy')] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        paper: fileURLToPath(new URL('./paper.html', import.meta.url)),
      },
    },
  },
});
