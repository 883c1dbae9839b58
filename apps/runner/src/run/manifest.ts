import { execFileSync } from 'node:child_process';

export {
  MANIFEST_SCHEMA_VERSION,
  type MemorySnapshot,
  manifestSchema,
  parseManifest,
  type RunManifest,
  type RunStatus,
} from './manifest-schema.js';

/** Git revision of `cwd`, tolerating a missing git binary or a directory outside any repository. */
export function gitInfo(cwd: string): { sha: string | null; dirty: boolean | null } {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      }).trim();
    } catch {
      return null;
    }
  };
  const sha = git(['rev-parse', 'HEAD']);
  if (sha === null || !/^[0-9a-f]{40}$/.test(sha)) return { sha: null, dirty: null };
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return { sha, dirty: status === null ? null : status.length > 0 };
}

/** A short one-line description of an error for manifests and stderr. */
export function errorLine(err: unknown): string {
  const text =
    err instanceof Error
      ? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`
      : String(err);
  return text.replace(/\s*\n\s*/g, ' | ').slice(0, 2000);
}
