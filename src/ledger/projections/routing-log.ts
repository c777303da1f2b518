import {
  stepGrant,
  stepScope,
  type AttemptHold,
  type DecisionEvidence,
  type Json,
  type LedgerEvent,
  type PendingKind,
  type Plan,
  type ReportedCandidate,
  type RouteCandidate,
  type Step,
  type StepError,
  type TokenUsage,
} from '../../core/index.js';
import { canonicalJson, sha256Hex } from '../canonical.js';

/** What a route was given to work within: money reserved, permissions granted, kinds allowed, scope. */
export interface InjectedConstraints {
  /** USD reserved against the budget over the route's attempts (worst cases; settled by outcomes). */
  reservedUsd: number;
  permissions: string[];
  /** Capability kinds allowed, or null for any. */
  allow: string[] | null;
  scope: string[];
}

/** A decision a person was asked for about the step (a confirmation, an escalation, a task, a signal), and the answer. */
export interface RouteDecision {
  seq: number;
  at: string;
  id: string;
  kind: PendingKind;
  reason: string;
  answer: {
    verdict: 'approved' | 'denied' | 'submitted' | 'overridden' | 'signalled';
    by: string;
    comment: string | null;
    /** An approval's: what it bound (see `decisionEvidence`). */
    evidence?: DecisionEvidence;
  } | null;
}

/** A routing decision an agent outside the engine recorded for the step (MCP `append_routing_event`, `request_handoff`). */
export interface ReportedRoute {
  seq: number;
  at: string;
  /** The agent that decided, and the one it gave the work to. */
  agent: string;
  to: string;
  reason: string;
  candidates: ReportedCandidate[];
  /** Who recorded it (the session's principal). */
  by: string;
}

/** A retry the conductor sent elsewhere than the step's route (`routing.fallback` or `routing.breaker`), and why. */
export interface Reroute {
  seq: number;
  at: string;
  /** The step, or its `for_each` item (`fetch[2]`). */
  instance: string;
  from: string;
  capability: string;
  reason: string;
  candidates: RouteCandidate[];
}

/** The route of one item of a dynamic-skill step (`skill: "{{ item.skill }}"`), made as it was dispatched. */
export interface ItemRoute {
  seq: number;
  at: string;
  /** The item, e.g. `tasks[1]`. */
  instance: string;
  /** The skill its template gave. */
  skill: string | null;
  capability: string;
  reason: string;
  candidates: RouteCandidate[];
}

/** The route of a consensus step's judge, and the verdict it gave (null until it gave one). */
export interface JudgeRoute {
  seq: number;
  at: string;
  capability: string;
  reason: string;
  candidates: RouteCandidate[];
  verdict: { agree: boolean; reasons: string } | null;
}

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
  attempts: {
    attemptId: string;
    outcome: 'running' | 'succeeded' | 'failed' | 'abandoned' | 'cancelled' | 'rejected';
    durationMs: number | null;
    error: StepError | null;
    /** What the attempt reported it cost (USD), when it did. */
    costUsd?: number;
    /** The tokens its model call used, for a model capability. */
    usage?: TokenUsage;
    /** Its model calls' waits for provider limits (`attempt.held`), in order; absent when none waited. */
    holds?: AttemptHold[];
  }[];
  /**
   * `waiting`: not routed by the conductor yet (the entry is there for what agents recorded about the step).
   * `escalated`: stopped for a person (its escalation is the last of `decisions`, unanswered).
   */
  outcome: 'waiting' | 'running' | 'escalated' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  error: StepError | null;
  /** The steps it runs after: where its work comes from. */
  from: string[];
  /** What was routed: the first attempt's input, by hash and size of its canonical JSON. */
  input: { sha256: string; bytes: number } | null;
  constraints: InjectedConstraints;
  /** Escalations, confirmations, tasks and signal waits of the step, with their answers (denials included). */
  decisions: RouteDecision[];
  /** Routing decisions agents recorded for the step, in order. */
  reported: ReportedRoute[];
  /** Retries routed elsewhere, in order; absent when there were none. */
  reroutes?: Reroute[];
  /**
   * A dynamic-skill step's items, each routed by its own skill as it was dispatched, in order;
   * absent for other steps. The entry's own route is its first item's.
   */
  items?: ItemRoute[];
  /** A consensus step's judge (`compare: judge`): where it was routed and why, and its latest verdict. */
  judge?: JudgeRoute;
}

function upstreamOf(after: Step['after']): string[] {
  if (after === undefined) return [];
  if (Array.isArray(after)) return after;
  return 'any' in after ? after.any : after.of;
}

/** The grant a step routes under: the run's constraints narrowed by the step's own, by the conductor's rules. */
function grantOf(plan: Plan | undefined, step: string): Omit<InjectedConstraints, 'reservedUsd'> {
  if (!plan) return { permissions: [], allow: null, scope: [] };
  // A step the plan no longer has (revised away) shows the run's own grant.
  const { allow, permissions } = stepGrant(plan.constraints, plan.steps[step]);
  return {
    permissions: [...permissions],
    allow: allow === null ? null : [...allow],
    scope: [...(stepScope(plan, step) ?? [])],
  };
}

function digest(value: Json): { sha256: string; bytes: number } {
  const text = canonicalJson(value);
  return { sha256: sha256Hex(text), bytes: Buffer.byteLength(text) };
}

function unrouted(
  plan: Plan | undefined,
  event: LedgerEvent,
  step: string,
  reason: string,
  outcome: RoutingEntry['outcome'],
  error: StepError | null,
): RoutingEntry {
  return {
    seq: event.seq,
    at: event.at,
    step,
    skill: null,
    capability: null,
    reason,
    candidates: [],
    attempts: [],
    outcome,
    error,
    ...context(plan, step),
  };
}

function context(
  plan: Plan | undefined,
  step: string,
): Pick<RoutingEntry, 'from' | 'input' | 'constraints' | 'decisions' | 'reported'> {
  return {
    from: upstreamOf(plan?.steps[step]?.after),
    input: null,
    constraints: { reservedUsd: 0, ...grantOf(plan, step) },
    decisions: [],
    reported: [],
  };
}

/** What an entry that replaces another keeps: the decisions asked and the routes agents recorded about the step. */
function carried(before: RoutingEntry | undefined): Pick<RoutingEntry, 'decisions' | 'reported'> {
  return { decisions: before?.decisions ?? [], reported: before?.reported ?? [] };
}

/** The routing log of a run, projected from its ledger: every route with its candidates and the attempts it led to. */
export function routingLog(events: Iterable<LedgerEvent>): RoutingEntry[] {
  let plan: Plan | undefined;
  const byStep = new Map<string, RoutingEntry>();
  const byAttempt = new Map<string, RoutingEntry['attempts'][number]>();
  const byDecision = new Map<string, RouteDecision>();
  const stepOfDecision = new Map<string, string>();
  /** Signal waits not yet answered: decision id -> the signals it waits for. */
  const awaiting = new Map<string, string[]>();
  const settle = (outcome: RoutingEntry['outcome']) => {
    // Steps still running when the run ended were stopped (the conductor marks them cancelled).
    for (const entry of byStep.values())
      if (entry.outcome === 'running' || entry.outcome === 'escalated') entry.outcome = outcome;
  };
  for (const event of events) {
    switch (event.type) {
      case 'run.created':
      case 'plan.revised':
        plan = event.data.plan;
        break;
      case 'step.routed': {
        const before = byStep.get(event.data.step);
        if (event.data.role === 'judge') {
          const { capability, reason, candidates } = event.data;
          if (before) before.judge = { seq: event.seq, at: event.at, capability, reason, candidates, verdict: null };
          break;
        }
        if (event.data.instance !== undefined) {
          const { instance, skill, capability, reason, candidates } = event.data;
          const item = { seq: event.seq, at: event.at, instance, skill, capability, reason, candidates };
          // Items of the step routed before (and their attempts) stay: each item is a route of its own.
          if (before?.items && before.outcome !== 'waiting') {
            before.items.push(item);
            break;
          }
          const { instance: _instance, ...route } = event.data;
          byStep.set(event.data.step, {
            seq: event.seq,
            at: event.at,
            ...route,
            attempts: [],
            outcome: 'running',
            error: null,
            ...context(plan, event.data.step),
            ...carried(before),
            items: [item],
          });
          break;
        }
        byStep.set(event.data.step, {
          seq: event.seq,
          at: event.at,
          ...event.data,
          attempts: [],
          outcome: 'running',
          error: null,
          ...context(plan, event.data.step),
          ...carried(before),
        });
        break;
      }
      case 'step.rerouted': {
        const { step, instance, from, capability, reason, candidates } = event.data;
        const entry = byStep.get(step);
        if (entry)
          (entry.reroutes ??= []).push({
            seq: event.seq,
            at: event.at,
            instance,
            from,
            capability,
            reason,
            candidates,
          });
        break;
      }
      case 'attempt.dispatched': {
        const attempt = { attemptId: event.data.attemptId, outcome: 'running' as const, durationMs: null, error: null };
        const entry = byStep.get(event.data.step);
        if (entry && event.data.role !== 'compensate') {
          entry.attempts.push(attempt);
          entry.input ??= digest(event.data.input);
          entry.constraints.reservedUsd =
            Math.round((entry.constraints.reservedUsd + (event.data.reservedUsd ?? 0)) * 1e6) / 1e6;
        }
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
          if (event.data.costUsd !== undefined) attempt.costUsd = event.data.costUsd;
          if (event.data.usage !== undefined) attempt.usage = event.data.usage;
        }
        break;
      }
      case 'attempt.held': {
        const { attemptId, ...hold } = event.data;
        const attempt = byAttempt.get(attemptId);
        if (attempt) (attempt.holds ??= []).push(hold);
        break;
      }
      case 'attempt.abandoned':
      case 'attempt.cancelled':
      case 'attempt.rejected': {
        const attempt = byAttempt.get(event.data.attemptId);
        if (attempt)
          attempt.outcome =
            event.type === 'attempt.abandoned'
              ? 'abandoned'
              : event.type === 'attempt.cancelled'
                ? 'cancelled'
                : 'rejected';
        break;
      }
      case 'consensus.judged': {
        const judge = byStep.get(event.data.step)?.judge;
        if (judge) judge.verdict = { agree: event.data.agree, reasons: event.data.reasons };
        break;
      }
      case 'decision.requested': {
        const { step, id, kind, reason } = event.data;
        if (step === null) break;
        const decision: RouteDecision = { seq: event.seq, at: event.at, id, kind, reason, answer: null };
        byDecision.set(id, decision);
        stepOfDecision.set(id, step);
        if (kind === 'signal')
          awaiting.set(id, (event.data.detail as { signals?: string[] } | undefined)?.signals ?? []);
        let entry = byStep.get(step);
        // A step no capability could take escalates before any route: it gets an entry too.
        if (!entry || entry.outcome === 'waiting') {
          entry = { ...unrouted(plan, event, step, `not routed: ${reason}`, 'running', null), ...carried(entry) };
          byStep.set(step, entry);
        }
        entry.decisions.push(decision);
        if (kind === 'escalation') entry.outcome = 'escalated';
        break;
      }
      case 'decision.made': {
        const decision = byDecision.get(event.data.id);
        if (decision && decision.answer === null)
          decision.answer = {
            verdict: event.data.verdict,
            by: event.data.by,
            comment: event.data.comment,
            ...(event.data.evidence !== undefined && { evidence: event.data.evidence }),
          };
        // Approved, an escalated step is tried again; a result or a denial settles it (step.succeeded, step.failed).
        const step =
          decision?.kind === 'escalation' && event.data.verdict === 'approved'
            ? stepOfDecision.get(decision.id)
            : undefined;
        const entry = step === undefined ? undefined : byStep.get(step);
        if (entry?.outcome === 'escalated') entry.outcome = 'running';
        break;
      }
      case 'signal.received':
        for (const [id, names] of awaiting) {
          const decision = byDecision.get(id);
          if (!decision || !names.includes(event.data.name)) continue;
          awaiting.delete(id);
          decision.answer ??= { verdict: 'signalled', by: event.data.by, comment: event.data.name };
        }
        break;
      case 'step.succeeded': {
        const entry = byStep.get(event.data.step);
        if (entry) entry.outcome = 'succeeded';
        break;
      }
      case 'step.failed': {
        const entry = byStep.get(event.data.step);
        if (entry && entry.outcome !== 'waiting') [entry.outcome, entry.error] = ['failed', event.data.error];
        else
          byStep.set(event.data.step, {
            ...unrouted(
              plan,
              event,
              event.data.step,
              `not routed: ${event.data.error.message}`,
              'failed',
              event.data.error,
            ),
            ...carried(entry),
          });
        break;
      }
      case 'step.cancelled': {
        const entry = byStep.get(event.data.step);
        if (entry && entry.outcome !== 'waiting') entry.outcome = 'cancelled';
        else
          byStep.set(event.data.step, {
            ...unrouted(plan, event, event.data.step, `not routed: ${event.data.reason}`, 'cancelled', null),
            ...carried(entry),
          });
        break;
      }
      case 'run.failed':
      case 'run.denied':
      case 'run.aborted':
      case 'run.timed_out':
        settle('cancelled');
        break;
      case 'step.skipped':
        byStep.set(event.data.step, {
          ...unrouted(plan, event, event.data.step, `skipped: ${event.data.reason}`, 'skipped', null),
          ...carried(byStep.get(event.data.step)),
        });
        break;
      case 'agent.routed': {
        const { agent, step, to, reason, candidates, by } = event.data;
        let entry = byStep.get(step);
        // Agents may route a step the conductor has not reached: it gets an entry, waiting.
        if (!entry) {
          entry = unrouted(plan, event, step, 'not routed by the conductor yet', 'waiting', null);
          byStep.set(step, entry);
        }
        entry.reported.push({ seq: event.seq, at: event.at, agent, to, reason, candidates, by });
        break;
      }
      default:
        break;
    }
  }
  return [...byStep.values()].sort((a, b) => a.seq - b.seq);
}
