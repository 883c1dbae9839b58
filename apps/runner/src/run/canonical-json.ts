// Pure (no Node imports): the browser playground hashes configs the same way with WebCrypto.
/**
 * JSON with object keys sorted at every depth, so two configs that are equal as values always give the
 * same text (and hash) whatever order their keys were written in. `undefined` members are dropped and
 * non-finite numbers become null, exactly as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
