import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every tier that finishes in minutes on a busy 2-core machine. The chaos tier
 * (test/chaos: processes killed at random, 50 SIGKILLs in a row, long simulations) runs with
 * `npm run test:chaos` (vitest.chaos.config.ts); CI runs both.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['test/chaos/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
