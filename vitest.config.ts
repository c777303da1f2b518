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
    // A guard against hangs, not a speed check: the slowest test takes about 15 s on an idle
    // 2-core machine, and several times that while other work loads both cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time (vitest's default here would be one: cores - 1). Most files wait on
    // subprocesses, SQLite fsyncs and PostgreSQL, so two keep both cores busy; npm test runs in
    // about half the time.
    maxWorkers: 2,
  },
});
