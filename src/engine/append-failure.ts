import { ConflictError } from '../core/index.js';
import { LockLostError } from '../store/index.js';

/**
 * Appends that may conflict in a row before an engine gives up. A conflict means another
 * process appended (an operator's command): after a reload the next append normally goes in,
 * so a long streak means something is wrong, and retrying without end would spin a core.
 */
export const MAX_CONFLICTS = 20;

/**
 * What an engine does when a round's append failed: after a conflict (another process appended)
 * it reloads the run from the ledger and tries the round's signals again; after anything else (a
 * lost lock, a store that failed, too many conflicts in a row) it stops conducting the run with
 * that error, and a resume takes it up from the ledger.
 * @example
 * const next = afterFailedAppend(runId, error, conflicts);
 * if (next.stop) throw next.stop;
 */
export function afterFailedAppend(
  runId: string,
  error: unknown,
  conflictsInARow: number,
): { stop: Error } | { stop: null } {
  if (error instanceof LockLostError || !(error instanceof ConflictError))
    return { stop: error instanceof Error ? error : new Error(String(error)) };
  if (conflictsInARow > MAX_CONFLICTS) {
    return {
      stop: new ConflictError(
        `run "${runId}": ${MAX_CONFLICTS} appends in a row conflicted with other processes appending to it; this engine stops conducting it (resume it to continue)`,
      ),
    };
  }
  return { stop: null };
}
