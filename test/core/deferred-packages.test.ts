import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodPackage } from '../../src/core/deferred-packages.js';

describe('zod, loaded at its first use', () => {
  it('is the instance `import` gives, not a second one (its CommonJS build)', () => {
    expect(zodPackage().z).toBe(z);
  });
});
