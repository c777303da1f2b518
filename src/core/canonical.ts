import canonicalizeModule from 'canonicalize';

// The package is CommonJS (`module.exports = fn`); its typings describe an ES default export.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/**
 * RFC 8785 (JSON Canonicalization Scheme) through the `canonicalize` package: sorted keys,
 * canonical numbers, no whitespace. Hashes are taken over this form, so the same event
 * always hashes the same whatever the key order it was built with; the conductor compares
 * plan steps and consensus outputs in it.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}
