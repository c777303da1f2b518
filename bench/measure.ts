import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One timed execution of a workload. `setupMs` is work done before the clock starts (opening a store, compiling a graph). */
export interface Trial {
  wallMs: number;
  setupMs: number;
  /** Baton only: events in the run's ledger, all verified. */
  ledgerEvents?: number;
}

export interface Measurement {
  /** The median of the measured trials: what the report shows. */
  wallMs: number;
  minMs: number;
  maxMs: number;
  setupMs: number;
  trials: number[];
  ledgerEvents?: number;
}

/**
 * Runs `trial` once to warm up (JIT, module caches, SQLite page cache) and throws that
 * result away, then `runs` times more, and keeps the median. The median rather than the best,
 * so that one lucky run on a noisy 2-core machine does not flatter anyone.
 */
export async function measure(runs: number, trial: () => Promise<Trial>): Promise<Measurement> {
  await trial();
  const results: Trial[] = [];
  for (let i = 0; i < runs; i += 1) results.push(await trial());
  const walls = results.map((result) => result.wallMs);
  return {
    wallMs: median(walls),
    minMs: Math.min(...walls),
    maxMs: Math.max(...walls),
    setupMs: median(results.map((result) => result.setupMs)),
    trials: walls,
    ...(results.at(-1)?.ledgerEvents !== undefined && { ledgerEvents: results.at(-1)?.ledgerEvents }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** A fresh directory under the OS temp dir for one benchmark session; `remove` deletes it and all it holds. */
export function scratchDirectory(): { path: string; fresh(name: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  let count = 0;
  return {
    path,
    fresh: (name) => {
      count += 1;
      return join(path, `${name}-${count}`);
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
