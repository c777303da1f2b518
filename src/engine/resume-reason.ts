import type { LedgerEvent, RunState } from '../core/index.js';

/**
 * Why an engine takes up a run that no engine was conducting, in the words of `run.resumed`:
 * what the ledger says came last, rather than a guess. A run that stopped to wait for a person
 * and was answered was not interrupted; only attempts left in flight point to an interruption.
 * @example
 * resumeReason(approvalEvent, state) // 'continued after gate:execution was approved by alice@vm'
 */
export function resumeReason(last: LedgerEvent, state: RunState): string {
  const answer = outsideAct(last);
  if (answer !== null) return `continued after ${answer}`;
  if (state.inflight.size > 0) return 'continued after an interruption or a crash';
  return 'continued where the engine before it stopped';
}

/** A person's act recorded while no engine conducted the run, or null. */
function outsideAct(event: LedgerEvent): string | null {
  switch (event.type) {
    case 'decision.made': {
      const { id, verdict, by } = event.data;
      return verdict === 'submitted' ? `a result for ${id} was submitted by ${by}` : `${id} was ${verdict} by ${by}`;
    }
    case 'signal.received':
      return `signal "${event.data.name}" was sent by ${event.data.by}`;
    case 'run.unpaused':
      return `the pause was lifted by ${event.data.by}`;
    case 'run.paused':
      return `it was paused by ${event.data.by}`;
    case 'run.abort_requested':
      return `an abort was requested by ${event.data.by}`;
    case 'step.cancel_requested':
      return `"${event.data.step}" was cancelled by ${event.data.by}`;
    case 'step.deferred':
      return `"${event.data.step}" was deferred by ${event.data.by}`;
    case 'plan.revised':
      return `the plan was ${event.data.revertOf === null ? 'revised' : 'reverted'} to revision ${event.data.revision} by ${event.data.by}`;
    case 'artifact.sealed':
      return `artifact "${event.data.artifact}" was sealed by ${event.data.by}`;
    default:
      return null;
  }
}
