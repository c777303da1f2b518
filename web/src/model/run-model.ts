import type { Json, LedgerEvent } from '../api/types.js';
import { dependenciesOf, phaseIds, phaseOf, type Plan } from './plan.js';

export type AttemptOutcome = 'running' | 'succeeded' | 'failed' | 'abandoned' | 'cancelled' | 'rejected';

export interface Attempt {
  id: string;
  step: string;
  index: number | null;
  attempt: number;
  capability: string;
  role: string | null;
  input: Json;
  startedAt: number;
  endedAt: number | null;
  outcome: AttemptOutcome;
  output: Json;
  error: { type?: string; message?: string; retryable?: boolean; [key: string]: Json | undefined } | null;
  costUsd: number | null;
  by: string | null;
  /** When this attempt failed and a retry was scheduled: when it is due. */
  retryAt: number | null;
  /** Everything else the outcome event carried (usage, tool calls, ... as later kinds record them). */
  extra: Record<string, Json>;
}

/** A span of time a step spent waiting on something other than its own work. */
export interface Wait {
  step: string;
  kind: 'person' | 'retry' | 'signal' | 'limit';
  label: string;
  from: number;
  to: number | null;
}

export interface StepModel {
  id: string;
  phase: string | null;
  after: string[];
  kind: 'step' | 'for_each' | 'consensus' | 'sub-plan' | 'await';
  status: string;
  capability: string | null;
  attempts: Attempt[];
  /** For `for_each`: how many items and how many are accepted. */
  items: number | null;
  accepted: number;
  output: Json;
  error: string | null;
  routed: Record<string, Json> | null;
}

export interface PhaseModel {
  id: string;
  opened: boolean;
  gate: Record<string, Json> | null;
  /** Why it is not open yet, as the ledger said last (`phase.transition_denied`). */
  waiting: string | null;
}

export interface DecisionRequest {
  id: string;
  kind: string;
  step: string | null;
  phase: string | null;
  reason: string;
  detail: Json;
  at: number;
  answer: { verdict: string; by: string; comment: string | null; at: number; seq: number } | null;
}

/**
 * A run as its ledger tells it, folded in the browser from the event stream: the plan's graph,
 * each step's state and attempts, the waits, the decisions asked and made. Folding here (not
 * asking the server after each event) is what lets a page apply a burst of events in one render.
 * The server's run view stays the authority for the run's status, pending list and budget.
 */
export interface RunModel {
  plan: Plan | null;
  revision: number;
  seq: number;
  steps: Map<string, StepModel>;
  order: string[];
  phases: PhaseModel[];
  attempts: Map<string, Attempt>;
  waits: Wait[];
  decisions: Map<string, DecisionRequest>;
  /** Operator acts as the ledger records them: pauses, aborts, cancels, signals, revisions. */
  acts: { seq: number; at: number; type: string; by: string; detail: string }[];
  /** Every plan revision the run had, the first from `run.created`. */
  revisions: { revision: number; seq: number; at: number; by: string; plan: Plan; revertOf: number | null }[];
  startedAt: number | null;
  endedAt: number | null;
  /** Bumped on every change, so views can memoise on it. */
  version: number;
}

export function emptyModel(): RunModel {
  return {
    plan: null,
    revision: 1,
    seq: 0,
    steps: new Map(),
    order: [],
    phases: [],
    attempts: new Map(),
    waits: [],
    decisions: new Map(),
    acts: [],
    revisions: [],
    startedAt: null,
    endedAt: null,
    version: 0,
  };
}

function stepKind(plan: Plan, id: string): StepModel['kind'] {
  const step = plan.steps[id];
  if (!step) return 'step';
  if (step.for_each !== undefined) return 'for_each';
  if (step.consensus !== undefined) return 'consensus';
  if (step.plan !== undefined) return 'sub-plan';
  if (step.await !== undefined && step.skill === undefined && step.capability === undefined) return 'await';
  return 'step';
}

function loadPlan(model: RunModel, plan: Plan): void {
  model.plan = plan;
  const previous = model.steps;
  model.steps = new Map();
  model.order = Object.keys(plan.steps);
  // Once per plan: reading the phases per step would make loading a 10,000-step plan quadratic.
  const phases = phaseIds(plan);
  for (const id of model.order) {
    const step = plan.steps[id] ?? {};
    const kept = previous.get(id);
    model.steps.set(id, {
      id,
      phase: phaseOf(phases, step),
      after: dependenciesOf(step),
      kind: stepKind(plan, id),
      status: kept?.status ?? 'waiting',
      capability: kept?.capability ?? null,
      attempts: kept?.attempts ?? [],
      items: kept?.items ?? null,
      accepted: kept?.accepted ?? 0,
      output: kept?.output ?? null,
      error: kept?.error ?? null,
      routed: kept?.routed ?? null,
    });
  }
  const opened = new Set(model.phases.filter((phase) => phase.opened).map((phase) => phase.id));
  model.phases = phases.map((id) => {
    const declared = (plan.phases ?? []).find((phase) => typeof phase !== 'string' && phase.id === id);
    return {
      id,
      opened: opened.has(id),
      gate: declared && typeof declared !== 'string' ? (declared.gate ?? null) : null,
      waiting: null,
    };
  });
}

const text = (value: Json | undefined): string => (typeof value === 'string' ? value : '');
const principal = (value: Json | undefined): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.by === 'string') return value.by;
  return 'unknown';
};

function closeWait(model: RunModel, step: string, kind: Wait['kind'], at: number): void {
  for (const wait of model.waits) if (wait.step === step && wait.kind === kind && wait.to === null) wait.to = at;
}

function endAttempt(model: RunModel, data: Record<string, Json>, at: number, outcome: AttemptOutcome): Attempt | null {
  const attempt = model.attempts.get(text(data.attemptId));
  if (!attempt) return null;
  attempt.endedAt = at;
  attempt.outcome = outcome;
  const step = model.steps.get(attempt.step);
  if (
    step &&
    outcome !== 'succeeded' &&
    step.status === 'running' &&
    !step.attempts.some((other) => other.outcome === 'running')
  )
    step.status = 'ready';
  return attempt;
}

/** Applies events in ledger order. Mutates `model` (the page holds one per run) and bumps its version. */
export function applyEvents(model: RunModel, events: readonly LedgerEvent[]): RunModel {
  for (const event of events) {
    if (event.seq <= model.seq) continue; // a repeat after a reconnect changes nothing
    model.seq = event.seq;
    const at = Date.parse(event.at);
    const data = event.data;
    const step = typeof data.step === 'string' ? model.steps.get(data.step) : undefined;
    switch (event.type) {
      case 'run.created':
        model.startedAt = at;
        loadPlan(model, data.plan as unknown as Plan);
        model.revisions.push({
          revision: 1,
          seq: event.seq,
          at,
          by: data.by === undefined ? 'unknown' : principal(data.by),
          plan: data.plan as unknown as Plan,
          revertOf: null,
        });
        break;
      case 'plan.revised':
        model.revision = typeof data.revision === 'number' ? data.revision : model.revision + 1;
        loadPlan(model, data.plan as unknown as Plan);
        model.revisions.push({
          revision: model.revision,
          seq: event.seq,
          at,
          by: principal(data.by),
          plan: data.plan as unknown as Plan,
          revertOf: typeof data.revertOf === 'number' ? data.revertOf : null,
        });
        model.acts.push({
          seq: event.seq,
          at,
          type: event.type,
          by: principal(data.by),
          detail:
            data.revertOf === null || data.revertOf === undefined
              ? `revision ${model.revision}`
              : `revision ${model.revision}, reverting to ${String(data.revertOf)}`,
        });
        break;
      case 'phase.opened': {
        const phase = model.phases.find((entry) => entry.id === data.phase);
        if (phase) {
          phase.opened = true;
          phase.waiting = null;
        }
        break;
      }
      case 'phase.transition_denied': {
        const phase = model.phases.find((entry) => entry.id === data.to);
        if (phase) phase.waiting = text(data.reason);
        break;
      }
      case 'step.routed':
        // A consensus judge's route (role: judge) is not where the step's work runs.
        if (step && data.role !== 'judge') {
          step.routed = data;
          step.capability = text(data.capability) || null;
          if (step.status === 'waiting') step.status = 'ready';
        }
        break;
      case 'step.expanded':
        if (step) step.items = Array.isArray(data.items) ? data.items.length : 0;
        break;
      case 'attempt.dispatched': {
        const attempt: Attempt = {
          id: text(data.attemptId),
          step: text(data.step),
          index: typeof data.index === 'number' ? data.index : null,
          attempt: typeof data.attempt === 'number' ? data.attempt : 1,
          capability: text(data.capability),
          role: typeof data.role === 'string' ? data.role : null,
          input: data.input ?? null,
          startedAt: at,
          endedAt: null,
          outcome: 'running',
          output: null,
          error: null,
          costUsd: null,
          by: null,
          retryAt: null,
          extra: {},
        };
        model.attempts.set(attempt.id, attempt);
        if (step) {
          step.attempts.push(attempt);
          step.status = 'running';
          if (attempt.role === null) step.capability = attempt.capability;
          closeWait(model, step.id, 'retry', at);
          closeWait(model, step.id, 'limit', at);
        }
        break;
      }
      case 'attempt.succeeded': {
        const attempt = endAttempt(model, data, at, 'succeeded');
        if (attempt) {
          const { attemptId: _id, output, costUsd, by, durationMs: _ms, ...extra } = data;
          attempt.output = output ?? null;
          attempt.costUsd = typeof costUsd === 'number' ? costUsd : null;
          attempt.by = by === undefined ? null : principal(by);
          attempt.extra = extra;
        }
        break;
      }
      case 'attempt.failed': {
        const attempt = endAttempt(model, data, at, 'failed');
        if (attempt) {
          const { attemptId: _id, error, costUsd, durationMs: _ms, ...extra } = data;
          attempt.error = (error as Attempt['error']) ?? null;
          attempt.costUsd = typeof costUsd === 'number' ? costUsd : null;
          attempt.extra = extra;
        }
        break;
      }
      case 'attempt.abandoned':
      case 'attempt.cancelled':
      case 'attempt.rejected': {
        const attempt = endAttempt(
          model,
          data,
          at,
          event.type === 'attempt.abandoned'
            ? 'abandoned'
            : event.type === 'attempt.cancelled'
              ? 'cancelled'
              : 'rejected',
        );
        if (attempt) attempt.error = { message: text(data.reason) };
        break;
      }
      case 'attempt.retry_scheduled': {
        const attempt = model.attempts.get(text(data.attemptId));
        if (attempt) {
          attempt.retryAt = Date.parse(text(data.retryAt));
          model.waits.push({
            step: attempt.step,
            kind: 'retry',
            label: `retry ${String(data.retry)} of ${String(data.of)}`,
            from: at,
            to: null,
          });
        }
        break;
      }
      case 'attempt.accepted':
        if (step) step.accepted += 1;
        break;
      case 'decision.requested': {
        const id = text(data.id);
        model.decisions.set(id, {
          id,
          kind: text(data.kind),
          step: typeof data.step === 'string' ? data.step : null,
          phase: typeof data.phase === 'string' ? data.phase : null,
          reason: text(data.reason),
          detail: data.detail ?? null,
          at,
          answer: null,
        });
        if (step) {
          step.status = data.kind === 'escalation' ? 'escalated' : 'awaiting';
          model.waits.push({
            step: step.id,
            kind: data.kind === 'signal' ? 'signal' : 'person',
            label: `${text(data.kind)}: ${text(data.reason)}`,
            from: at,
            to: null,
          });
        }
        break;
      }
      case 'handoff.halted': {
        // Raised for a governor: the request and why it halted are what they decide on.
        const id = text(data.id);
        const request = (data.request ?? {}) as { to?: { step?: unknown } };
        model.decisions.set(id, {
          id,
          kind: 'handoff',
          step: null,
          phase: null,
          reason: `halted at ${text(data.failedAt)}: ${text(data.error)}${typeof request.to?.step === 'string' ? ` (step ${request.to.step})` : ''}`,
          detail: { request: data.request ?? null, failedAt: data.failedAt ?? null, error: data.error ?? null },
          at,
          answer: null,
        });
        break;
      }
      case 'decision.made': {
        const request = model.decisions.get(text(data.id));
        if (request) {
          request.answer = {
            verdict: text(data.verdict),
            by: principal(data.by),
            comment: typeof data.comment === 'string' ? data.comment : null,
            at,
            seq: event.seq,
          };
          const target = request.step ? model.steps.get(request.step) : undefined;
          if (target) {
            closeWait(model, target.id, 'person', at);
            if (target.status === 'awaiting' || target.status === 'escalated') target.status = 'ready';
          }
        }
        break;
      }
      case 'signal.received':
        for (const wait of model.waits)
          if (wait.kind === 'signal' && wait.to === null && wait.label.includes(text(data.name))) wait.to = at;
        model.acts.push({
          seq: event.seq,
          at,
          type: event.type,
          by: principal(data.by),
          detail: `signal "${text(data.name)}"`,
        });
        break;
      case 'step.succeeded':
        if (step) {
          step.status = 'succeeded';
          step.output = data.output ?? null;
        }
        break;
      case 'step.failed':
        if (step) {
          step.status = 'failed';
          const error = data.error as { message?: string } | null;
          step.error = error?.message ?? null;
        }
        break;
      case 'step.skipped':
        if (step) {
          step.status = 'skipped';
          step.error = text(data.reason);
        }
        break;
      case 'step.cancelled':
        if (step) {
          step.status = 'cancelled';
          step.error = text(data.reason);
        }
        break;
      case 'run.paused':
        model.acts.push({
          seq: event.seq,
          at,
          type: event.type,
          by: principal(data.by),
          detail: text(data.reason) || 'paused',
        });
        break;
      case 'run.unpaused':
        model.acts.push({ seq: event.seq, at, type: event.type, by: principal(data.by), detail: 'resumed' });
        break;
      case 'run.abort_requested':
        model.acts.push({ seq: event.seq, at, type: event.type, by: principal(data.by), detail: text(data.reason) });
        break;
      case 'step.cancel_requested':
        model.acts.push({
          seq: event.seq,
          at,
          type: event.type,
          by: principal(data.by),
          detail: `cancel "${text(data.step)}"${data.reason ? `: ${text(data.reason)}` : ''}`,
        });
        break;
      case 'run.succeeded':
      case 'run.failed':
      case 'run.denied':
      case 'run.aborted':
      case 'run.timed_out':
        model.endedAt = at;
        for (const wait of model.waits) if (wait.to === null) wait.to = at;
        break;
      default:
        break;
    }
  }
  model.version += 1;
  return model;
}

/** Step counts by status, for progress bars. */
export function progressOf(model: RunModel): { done: number; total: number; failed: number; running: number } {
  let done = 0;
  let failed = 0;
  let running = 0;
  for (const step of model.steps.values()) {
    if (step.status === 'succeeded' || step.status === 'skipped') done += 1;
    else if (step.status === 'failed' || step.status === 'cancelled') failed += 1;
    else if (step.status === 'running') running += 1;
  }
  return { done, failed, running, total: model.steps.size };
}
