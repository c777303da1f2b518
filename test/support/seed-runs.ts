import { join } from 'node:path';
import type { Plan } from '../../src/core/index.js';
import { chainEvents, EMPTY_HEAD, hashPlan } from '../../src/ledger/index.js';
import { SqliteStore } from '../../src/store/index.js';

export interface SeededRun {
  runId: string;
  name: string;
  objective?: string;
  /** How it ended (default succeeded). */
  status?: 'succeeded' | 'failed';
}

/**
 * Writes `count` runs that have already ended into the workspace at `home`, straight through the
 * store (a valid hash-chained ledger: created, then succeeded or failed), one minute apart and
 * newest last.
 * Thousands of runs take seconds this way instead of thousands of `baton run`s; nothing is left
 * for an engine to conduct. Call it before `baton serve` opens the workspace.
 */
export async function seedEndedRuns(home: string, count: number, describe: (i: number) => SeededRun): Promise<void> {
  const store = new SqliteStore(join(home, 'baton.db'));
  try {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    for (let i = 0; i < count; i += 1) {
      const { runId, name, objective, status = 'succeeded' } = describe(i);
      const plan: Plan = {
        baton: 1,
        name,
        ...(objective !== undefined && { objective }),
        steps: { one: { await: { signal: 'go' } } },
      };
      const planHash = hashPlan(plan);
      const at = new Date(start + i * 60_000).toISOString();
      const events = chainEvents(
        runId,
        EMPTY_HEAD,
        [
          { type: 'run.created', data: { plan, planHash, inputs: {}, registry: {} } },
          status === 'succeeded'
            ? { type: 'run.succeeded', data: { succeeded: 0, skipped: 0, failed: 0 } }
            : { type: 'run.failed', data: { reason: 'seeded as failed', step: null } },
        ],
        at,
      );
      await store.append({ runId, expectedSeq: 0, events, status, create: { name, planHash } });
    }
  } finally {
    await store.close();
  }
}
