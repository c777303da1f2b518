import type { Json, JsonObject } from './json.js';
import type { Plan } from './plan/schema.js';
import type { CapabilityDescriptor } from './registry.js';

/**
 * The ledger's vocabulary. Two families share it:
 * - signals: what came in (a run was created, an attempt reported, an engine took over);
 * - decisions: what the conductor decided in answer (`decide` returns exactly these).
 * Every event is appended to the run's hash chain; state is their fold.
 */

/** A step's failure as data: serializable, in the ledger, never thrown. */
export interface StepError {
  /** e.g. `exit_code`, `timeout`, `cancelled`, `spawn`, `expression`, `exception`, `repeat_exhausted`. */
  type: string;
  message: string;
  retryable: boolean;
  detail?: Json;
}

/** One capability the router weighed, with its score or the reason it was passed over. */
export interface RouteCandidate {
  capability: string;
  kind: string;
  strength: number | null;
  chosen: boolean;
  reason: string;
}

export interface EventPayloads {
  // signals
  'run.created': { plan: Plan; planHash: string; inputs: JsonObject; registry: Record<string, CapabilityDescriptor> };
  'run.resumed': { engine: string; reason: string };
  'attempt.succeeded': { attemptId: string; output: Json; durationMs: number };
  'attempt.failed': { attemptId: string; error: StepError; durationMs: number };
  'attempt.abandoned': { attemptId: string; reason: string };
  // decisions
  'step.skipped': { step: string; reason: string };
  'step.routed': { step: string; skill: string | null; capability: string; reason: string; candidates: RouteCandidate[] };
  'step.expanded': { step: string; items: Json[] };
  'attempt.dispatched': {
    attemptId: string;
    step: string;
    index: number | null;
    iteration: number;
    attempt: number;
    /**
     * The same for every attempt of one step instance and iteration, so a capability with side
     * effects can do them once even when an attempt is retried after a crash.
     */
    idempotencyKey: string;
    capability: string;
    input: Json;
    timeoutMs: number | null;
  };
  'attempt.retry_scheduled': { attemptId: string; retryAt: string; delayMs: number; retry: number; of: number };
  /** A `for_each` item's result was accepted (a plain step's is accepted by `step.succeeded`). */
  'attempt.accepted': { attemptId: string; step: string; index: number };
  'attempt.cancelled': { attemptId: string; reason: string };
  'attempt.rejected': { attemptId: string; reason: string };
  'step.succeeded': { step: string; output: Json };
  'step.failed': { step: string; error: StepError };
  'run.succeeded': { succeeded: number; skipped: number; failed: number };
  'run.failed': { reason: string; step: string | null };
}

export type EventType = keyof EventPayloads;

/** An event as the conductor sees it: a type and its data. */
export type BatonEvent = { [K in EventType]: { type: K; data: EventPayloads[K] } }[EventType];

export type EventOf<K extends EventType> = Extract<BatonEvent, { type: K }>;

/** An event as the ledger keeps it: numbered, timed and chained. */
export type LedgerEvent = BatonEvent & {
  runId: string;
  seq: number;
  /** ISO-8601 time the event was recorded; for decisions, the `now` they were decided at. */
  at: string;
  prevHash: string;
  hash: string;
};

export const SIGNAL_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'run.created',
  'run.resumed',
  'attempt.succeeded',
  'attempt.failed',
  'attempt.abandoned',
]);

export function isDecision(event: { type: EventType }): boolean {
  return !SIGNAL_TYPES.has(event.type);
}
