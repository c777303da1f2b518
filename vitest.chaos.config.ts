import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: the long tier. Real processes killed at random and resumed, on SQLite and
 * PostgreSQL, and the simulation's long seed range. One file at a time: each already loads both
 * cores with processes of its own, and running them side by side only makes each one slower.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
