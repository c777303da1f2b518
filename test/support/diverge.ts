import type { BatonEvent } from '../../src/core/index.js';
import { chainEvents } from '../../src/ledger/index.js';
import type { Store } from '../../src/store/index.js';

/**
 * Appends, through the store and properly chained (so the ledger verifies), a decision that
 * the current conductor would not make: what a run looks like after an older conductor that
 * decided differently conducted it. `step` of the run's plan is recorded as skipped. Returns
 * the seq of that decision.
 */
export async function appendForeignDecision(store: Store, runId: string, step: string, at: number): Promise<number> {
  const record = await store.getRun(runId);
  if (!record) throw new Error(`no run ${runId}`);
  const decision: BatonEvent = { type: 'step.skipped', data: { step, reason: 'skipped by an older conductor' } };
  const events = chainEvents(
    runId,
    { seq: record.headSeq, hash: record.headHash },
    [decision],
    new Date(at).toISOString(),
  );
  await store.append({ runId, expectedSeq: record.headSeq, events, status: 'running' });
  return record.headSeq + 1;
}
