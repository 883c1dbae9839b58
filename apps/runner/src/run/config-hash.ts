import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export { canonicalJson } from './canonical-json.js';

/** sha256 (hex) of the canonical JSON of a resolved config; run folders use its first 8 characters. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}
