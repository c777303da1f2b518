import type { StepError } from './events.js';
import type { Json, JsonObject } from './json.js';
import { dependentsIndex, joinRule, type JoinRule } from './plan/graph.js';
import type { Plan, Step } from './plan/schema.js';
import type { CapabilityDescriptor } from './registry.js';

/** A run ends succeeded, failed, denied (a person said no), aborted (an operator stopped it) or timed_out (its deadline passed). */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'denied' | 'aborted' | 'timed_out';
/** `cancelled`: the step was running when the run failed, and its attempts were stopped. */
export type StepStatus = 'waiting' | 'ready' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';
export type InstanceStatus = 'queued' | 'running' | 'reported' | 'backoff' | 'succeeded' | 'failed' | 'cancelled';

/** One execution unit of a step: the step itself, or one item of its `for_each`. */
export interface InstanceState {
  key: string;
  step: string;
  index: number | null;
  item: Json;
  /** 1-based `repeat` iteration. */
  iteration: number;
  /** Attempts dispatched in this iteration (abandoned ones included). */
  attempts: number;
  /** Attempts that failed in this iteration; compared with `retry.max`. */
  failures: number;
  status: InstanceStatus;
  attemptId: string | null;
  /** The outcome the conductor has not yet decided on. */
  report: { ok: true; output: Json } | { ok: false; error: StepError } | null;
  output: Json;
  error: StepError | null;
}

export interface StepState {
  id: string;
  status: StepStatus;
  join: JoinRule;
  depsTerminal: number;
  depsCompleted: number;
  depsSkipped: number;
  /** Set when the step became ready only to be skipped (dead-path elimination). */
  deadPath: string | null;
  capability: string | null;
  /** Instance keys, in index order. */
  instances: string[];
  running: number;
  /** Attempts dispatched for this step, over all its instances, iterations and retries. */
  attempts: number;
  /** for_each instances whose result was accepted. */
  succeededInstances: number;
  output: Json;
  error: StepError | null;
}

/**
 * A run's state: the fold of its ledger. The sets below are indexes over `steps` and
 * `instances` so that deciding after each event costs the size of what changed, not the
 * size of the plan (a 10,000-step run decides in constant time per event).
 */
export interface RunState {
  runId: string;
  name: string;
  plan: Plan;
  planHash: string;
  inputs: JsonObject;
  registry: Record<string, CapabilityDescriptor>;
  createdAt: string;
  endedAt: string | null;
  status: RunStatus;
  failure: string | null;
  steps: Record<string, StepState>;
  instances: Map<string, InstanceState>;
  dependents: Map<string, string[]>;
  stepCount: number;
  terminalSteps: number;
  /** Steps whose dependencies allow them to start (or to be skipped). */
  ready: Set<string>;
  /** Instances waiting to be dispatched. */
  queued: Set<string>;
  /** Instances with an outcome to decide on. */
  reported: Set<string>;
  /** Instances waiting out a retry backoff: key -> retry time (ms since epoch). */
  backoff: Map<string, number>;
  /** Attempts dispatched and not yet reported: attempt id -> instance key. */
  inflight: Map<string, string>;
  /** Attempts that reported after they stopped being current: they get an `attempt.rejected`. */
  stale: { attemptId: string; reason: string }[];
  /** Attempts the conductor cancelled; their late outcomes are recorded and ignored. */
  cancelled: Set<string>;
}

export function instanceKey(step: string, index: number | null): string {
  return index === null ? step : `${step}[${index}]`;
}

export function newInstance(step: string, index: number | null, item: Json): InstanceState {
  return {
    key: instanceKey(step, index),
    step,
    index,
    item,
    iteration: 1,
    attempts: 0,
    failures: 0,
    status: 'queued',
    attemptId: null,
    report: null,
    output: null,
    error: null,
  };
}

/** What an instance does in one iteration, whichever attempt does it: `build`, `fan[3]`, `poll/i4`. */
function unitOf(instance: InstanceState): string {
  return instance.iteration > 1 ? `${instance.key}/i${instance.iteration}` : instance.key;
}

/** The id of one attempt within its run: `build/a1`, `fan[3]/a2`, `poll/i4/a1`. */
export function attemptIdOf(instance: InstanceState, attempt: number): string {
  return `${unitOf(instance)}/a${attempt}`;
}

/** Stable across the attempts of one unit of work: `RUN/build`, `RUN/fan[3]`, `RUN/poll/i4`. */
export function idempotencyKeyOf(runId: string, instance: InstanceState): string {
  return `${runId}/${unitOf(instance)}`;
}

export function stepOf(state: RunState, id: string): StepState {
  const step = state.steps[id];
  if (!step) throw new Error(`conductor invariant: unknown step ${id}`);
  return step;
}

export function planStepOf(state: RunState, id: string): Step {
  const step = state.plan.steps[id];
  if (!step) throw new Error(`conductor invariant: unknown step ${id}`);
  return step;
}

export function instanceOf(state: RunState, key: string): InstanceState {
  const instance = state.instances.get(key);
  if (!instance) throw new Error(`conductor invariant: unknown instance ${key}`);
  return instance;
}

export function createRunState(args: {
  runId: string;
  at: string;
  plan: Plan;
  planHash: string;
  inputs: JsonObject;
  registry: Record<string, CapabilityDescriptor>;
}): RunState {
  const steps: Record<string, StepState> = {};
  const ready = new Set<string>();
  for (const [id, step] of Object.entries(args.plan.steps)) {
    const join = joinRule(step.after);
    steps[id] = {
      id,
      status: join.of.length === 0 ? 'ready' : 'waiting',
      join,
      depsTerminal: 0,
      depsCompleted: 0,
      depsSkipped: 0,
      deadPath: null,
      capability: null,
      instances: [],
      running: 0,
      attempts: 0,
      succeededInstances: 0,
      output: null,
      error: null,
    };
    if (join.of.length === 0) ready.add(id);
  }
  return {
    runId: args.runId,
    name: args.plan.name,
    plan: args.plan,
    planHash: args.planHash,
    inputs: args.inputs,
    registry: args.registry,
    createdAt: args.at,
    endedAt: null,
    status: 'running',
    failure: null,
    steps,
    instances: new Map(),
    dependents: dependentsIndex(args.plan),
    stepCount: Object.keys(steps).length,
    terminalSteps: 0,
    ready,
    queued: new Set(),
    reported: new Set(),
    backoff: new Map(),
    inflight: new Map(),
    stale: [],
    cancelled: new Set(),
  };
}
