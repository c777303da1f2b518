import type fc from 'fast-check';

/**
 * How many cases each property runs. CI runs the small defaults; `BATON_FUZZ_RUNS=5000 npx
 * vitest run test/fuzz` runs every property that many times, and `BATON_FUZZ_SEED` replays a
 * failure fast-check reported.
 */
export function fuzzOptions<T>(defaultRuns: number): fc.Parameters<T> {
  const runs = Number(process.env.BATON_FUZZ_RUNS);
  const seed = Number(process.env.BATON_FUZZ_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
    ...(Number.isInteger(seed) && { seed }),
  };
}

/** Runs a synchronous call and returns its value or what it threw. */
export function settle<T>(call: () => T): { value?: T; error?: unknown } {
  try {
    return { value: call() };
  } catch (error) {
    return { error };
  }
}

/** A test's time limit: vitest's default, or an hour when BATON_FUZZ_RUNS asks for long runs. */
export const FUZZ_TIMEOUT_MS = Number(process.env.BATON_FUZZ_RUNS) > 0 ? 3_600_000 : 60_000;
