import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical.js';

// The `canonicalize` package (CommonJS) is the reference: the RFC 8785 implementation Baton used before its own.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

describe('canonicalJson', () => {
  it('writes every JSON value exactly as the canonicalize package does', () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts keys by UTF-16 code units and writes numbers as RFC 8785 does', () => {
    const value = { b: [1e21, 1e-7, -0, 0.1, 5e-324], a: '\u2028\ud800"', '\u00e9': null, Z: true, '\ud83d\ude00': {} };
    expect(canonicalJson(value)).toBe(canonicalize(value));
    expect(canonicalJson(value)).toBe(
      '{"Z":true,"a":"\u2028\\ud800\\"","b":[1e+21,1e-7,0,0.1,5e-324],"é":null,"😀":{}}',
    );
  });

  it('sorts objects of any size the same way', () => {
    for (const size of [2, 16, 17, 40]) {
      const keys = Array.from({ length: size }, (_, index) => `k${(index * 7919) % 101}-${'\u00e9a'[index % 2]}`);
      const value = Object.fromEntries(keys.map((key, index) => [key, index]));
      expect(canonicalJson(value)).toBe(canonicalize(value));
    }
  });

  it('leaves out what JSON leaves out, and writes dates and other toJSON values as their JSON', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(canonicalJson({ b: undefined, c: () => 1, a: [undefined, at] })).toBe(
      '{"a":[null,"2026-01-02T03:04:05.000Z"]}',
    );
  });

  it('refuses what has no JSON form', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/NaN is not allowed/);
    expect(() => canonicalJson({ a: [Number.POSITIVE_INFINITY] })).toThrow(/Infinity is not allowed/);
    expect(() => canonicalJson(undefined)).toThrow(/no JSON form/);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });
});
