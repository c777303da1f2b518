import type { LedgerEvent, RouteCandidate, StepError } from '../../core/index.js';

/**
 * One routing decision and what came of it: the `baton log` view. A step that was never
 * routed (skipped, or failed before routing) has an entry too, with `capability: null` and
 * the reason, so that no step's fate is invisible.
 */
export interface RoutingEntry {
  seq: number;
  at: string;
  step: string;
  skill: string | null;
  capability: string | null;
  reason: string;
  candidates: RouteCandidate[];
  attempts: { attemptId: string; outcome: 'running' | 'succeeded' | 'failed' | 'abandoned' | 'cancelled' | 'rejected'; durationMs: number | null; error: StepError | null }[];
  outcome: 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  error: StepError | null;
}

function unrouted(event: LedgerEvent & { data: { step: string } }, reason: string, outcome: 'failed' | 'skipped', error: StepError | null): RoutingEntry {
  return { seq: event.seq, at: event.at, step: event.data.step, skill: null, capability: null, reason, candidates: [], attempts: [], outcome, error };
}

/** The routing log of a run, projected from its ledger: every route with its candidates and the attempts it led to. */
export function routingLog(events: Iterable<LedgerEvent>): RoutingEntry[] {
  const byStep = new Map<string, RoutingEntry>();
  const byAttempt = new Map<string, RoutingEntry['attempts'][number]>();
  for (const event of events) {
    switch (event.type) {
      case 'step.routed':
        byStep.set(event.data.step, { seq: event.seq, at: event.at, ...event.data, attempts: [], outcome: 'running', error: null });
        break;
      case 'attempt.dispatched': {
        const attempt = { attemptId: event.data.attemptId, outcome: 'running' as const, durationMs: null, error: null };
        byStep.get(event.data.step)?.attempts.push(attempt);
        byAttempt.set(event.data.attemptId, attempt);
        break;
      }
      case 'attempt.succeeded':
      case 'attempt.failed': {
        const attempt = byAttempt.get(event.data.attemptId);
        if (attempt && attempt.outcome === 'running') {
          attempt.outcome = event.type === 'attempt.succeeded' ? 'succeeded' : 'failed';
          attempt.durationMs = event.data.durationMs;
          if (event.type === 'attempt.failed') attempt.error = event.data.error;
        }
        break;
      }
      case 'attempt.abandoned':
      case 'attempt.cancelled':
      case 'attempt.rejected': {
        const attempt = byAttempt.get(event.data.attemptId);
        if (attempt) attempt.outcome = event.type === 'attempt.abandoned' ? 'abandoned' : event.type === 'attempt.cancelled' ? 'cancelled' : 'rejected';
        break;
      }
      case 'step.succeeded': {
        const entry = byStep.get(event.data.step);
        if (entry) entry.outcome = 'succeeded';
        break;
      }
      case 'step.failed': {
        const entry = byStep.get(event.data.step);
        if (entry) [entry.outcome, entry.error] = ['failed', event.data.error];
        else byStep.set(event.data.step, unrouted(event, `not routed: ${event.data.error.message}`, 'failed', event.data.error));
        break;
      }
      case 'run.failed':
        // Steps still running when the run failed were stopped (the conductor marks them cancelled).
        for (const entry of byStep.values()) if (entry.outcome === 'running') entry.outcome = 'cancelled';
        break;
      case 'step.skipped':
        byStep.set(event.data.step, unrouted(event, `skipped: ${event.data.reason}`, 'skipped', null));
        break;
      default:
        break;
    }
  }
  return [...byStep.values()].sort((a, b) => a.seq - b.seq);
}
