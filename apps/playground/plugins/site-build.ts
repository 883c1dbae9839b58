import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const require = createRequire(import.meta.url);

/** `@paperkit/nupi` → `nupi`: the page slug and asset folder of a package. */
export function packageSlug(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}

/** The folder of an installed package (every workspace package exports `./package.json`). */
function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

const IMPORT_LINE = /^import \{ experiments as (\w+) \} from '([^']+)';$/gm;
const ENTRY = /\{ name: '([^']+)', experiments: (\w+) \}/g;

/**
 * Rewrites the runner's registry (`apps/runner/src/registry.ts`) for the browser: each static
 * `import { experiments as X } from '<spec>'` becomes a loader of the module `X = () => import('<spec>')`, so the
 * pages list every registered package from the registry itself while a page downloads only its own
 * package's code. The build fails, naming the line, if the registry stops having that form. It also
 * appends each package's version (for run manifests) and, for packages that ship a `checkpoints/`
 * folder, a loader of their main entry (whose `loadCheckpoint` reads the fetched files). Mode
 * `names` (the pages' own thread) keeps the names and versions only, so no package code is bundled
 * for the main thread.
 */
export function lazyRegistry(mode: 'lazy' | 'names'): Plugin {
  return {
    name: 'paperkit-lazy-registry',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]apps[\\/]runner[\\/]src[\\/]registry\.ts$/.test(id)) return null;
      const imports = [...code.matchAll(IMPORT_LINE)];
      const entries = [...code.matchAll(ENTRY)];
      const bound = new Set(imports.map((m) => m[1]));
      if (imports.length === 0 || entries.length !== imports.length || entries.some((e) => !bound.has(e[2])))
        throw new Error(
          `${id}: expected one "import { experiments as X } from '<pkg>/experiments';" line per "{ name: '<pkg>', experiments: X }" entry (found ${imports.length} imports, ${entries.length} entries)`,
        );
      let out = code.replace(IMPORT_LINE, (_line, local: string, spec: string) =>
        mode === 'lazy'
          ? `const ${local} = () => import('${spec}');`
          : `const ${local} = () => Promise.reject(new Error('${spec} loads in the experiment worker only'));`,
      );
      const versions: Record<string, string> = {};
      const mains: string[] = [];
      for (const [, name] of entries) {
        const dir = packageDir(name!);
        versions[name!] = (
          JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }
        ).version;
        if (mode === 'lazy' && existsSync(join(dir, 'checkpoints')))
          mains.push(`  '${name}': () => import('${name}'),`);
      }
      out += `\nexport const packageVersions = ${JSON.stringify(versions)};\n`;
      out += `export const checkpointEntries = {\n${mains.join('\n')}\n};\n`;
      return { code: out, map: null };
    },
  };
}

/** Lists the registry's package names at build time (same parse as {@link lazyRegistry}). */
export function registryPackageNames(registryPath: string): string[] {
  return [...readFileSync(registryPath, 'utf8').matchAll(ENTRY)].map((m) => m[1]!);
}

/**
 * Copies what the site serves itself instead of a CDN: tfjs-backend-wasm's `.wasm` binaries into
 * `wasm/`, and every registered package's `checkpoints/` folder into `checkpoints/<slug>/`.
 */
export function staticAssets(packageNames: () => readonly string[]): Plugin {
  return {
    name: 'paperkit-static-assets',
    apply: 'build',
    generateBundle() {
      const wasmDir = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
      for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
        this.emitFile({ type: 'asset', fileName: `wasm/${f}`, source: readFileSync(join(wasmDir, f)) });
      for (const name of packageNames()) {
        const dir = join(packageDir(name), 'checkpoints');
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir))
          this.emitFile({
            type: 'asset',
            fileName: `checkpoints/${packageSlug(name)}/${f}`,
            source: readFileSync(join(dir, f)),
          });
      }
    },
  };
}
