import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const OWN = '@paperkit/cli';
const cache = new Map<string, string>();

function readVersion(path: string | URL): string | null {
  try {
    const v = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/**
 * `name@version` of an experiment's package for manifests: read from the installed package.json
 * (every paperkit package exports `./package.json`); `name@unknown` when it cannot be found.
 */
export function packageSpec(name: string): string {
  let v = cache.get(name);
  if (v === undefined) {
    if (name === OWN) {
      // src/ and dist/ both sit one level below this app's package.json.
      v = readVersion(new URL('../package.json', import.meta.url)) ?? 'unknown';
    } else {
      try {
        v = readVersion(createRequire(import.meta.url).resolve(`${name}/package.json`)) ?? 'unknown';
      } catch {
        v = 'unknown';
      }
    }
    cache.set(name, v);
  }
  return `${name}@${v}`;
}
