import { createHash } from 'node:crypto';

/** Run ids are at most this long (RUN_ID_PATTERN); a deeper child's id is shortened to a hash. */
const MAX_RUN_ID = 128;

/**
 * The id of the child run a sub-plan attempt starts: the parent's id and the attempt's, so that
 * `baton status` finds a step's children from the parent's ledger alone, and the same attempt
 * invoked a second time takes up the child it started instead of starting another.
 * @example subPlanRunId('run-mx1-abc', 'team/a1') // 'run-mx1-abc.team-a1'
 */
export function subPlanRunId(parentRunId: string, attemptId: string): string {
  const id = `${parentRunId}.${attemptId.replace(/[^A-Za-z0-9._-]/g, '-')}`;
  if (id.length <= MAX_RUN_ID) return id;
  const digest = createHash('sha256').update(`${parentRunId}\u0000${attemptId}`).digest('hex').slice(0, 24);
  return `${parentRunId.slice(0, MAX_RUN_ID - digest.length - 5)}.sub-${digest}`;
}
