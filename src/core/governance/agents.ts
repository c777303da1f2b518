import { BatonError, ConflictError, ErrorCode, NotFoundError } from '../errors.js';
import type { AgentStatus, ArtifactRef, EventOf, Principal } from '../events.js';
import { isTerminal, type RunState, type StepState } from '../state.js';
import { gateOverrideOf } from './gate-state.js';
import { handoffBrief, type HandoffBriefInput } from './handoff-brief.js';
import type { HandoffRole } from './handoff-role.js';
import { transitionView } from './gates.js';
import { firstPhase } from './phase-advance.js';
import { phaseReadiness, validatePhaseTransition, type TransitionVerdict } from './phases.js';

/**
 * The rules for agents that orchestrate from outside the engine (the MCP tools): each check
 * reads the run's folded state and either returns the one event that records what the agent
 * said, or throws a BatonError saying what contradicts the run and what would be valid.
 * Nothing here writes, so a refused report changes nothing.
 */

/** Names of agents and steps are labels, not essays. */
const MAX_NAME = 200;
/** A reason or a note is a paragraph; longer is more likely something pasted by mistake. */
const MAX_TEXT = 10_000;

function requireText(what: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new BatonError(ErrorCode.badInput, `${what} is empty; give it as non-blank text`);
  if (trimmed.length > max)
    throw new BatonError(ErrorCode.badInput, `${what} is ${trimmed.length} characters long; at most ${max} are kept`);
  return trimmed;
}

function ensureRunning(state: RunState, what: string): void {
  if (state.status !== 'running')
    throw new ConflictError(
      `cannot ${what}: run "${state.runId}" has already ${state.status === 'timed_out' ? 'timed out' : state.status}`,
    );
}

function knownStep(state: RunState, id: string): StepState {
  const step = state.steps[id];
  if (!step)
    throw new NotFoundError(
      `step "${id}" in run "${state.runId}" (steps: ${Object.keys(state.steps).slice(0, 20).join(', ')})`,
    );
  return step;
}

function knownPhase(state: RunState, id: string): number {
  const index = state.phases.findIndex((phase) => phase.id === id);
  if (index < 0)
    throw new NotFoundError(
      `phase "${id}" in run "${state.runId}" (phases: ${state.phases.map((phase) => phase.id).join(', ')})`,
    );
  return index;
}

/**
 * Whether the conductor would open phase `to` now, coming from `from` (default: the phase
 * open now). The same rule and the same override as the conductor's: a person's recorded
 * approval of the gate counts as an escalation. Reads the state only.
 * @example checkPhaseTransition(state, null, 'execution') // { allowed: false, reason: 'the gate of "execution" is waiting for approval: ...' }
 */
export function checkPhaseTransition(state: RunState, from: string | null, to: string): TransitionVerdict {
  if (state.status !== 'running')
    return { allowed: false, reason: `run "${state.runId}" has already ${state.status}: no phase opens any more` };
  const target = state.phases.findIndex((phase) => phase.id === to);
  // The table compares positions only; whether the phase has opened is the run's to say.
  if (target >= 0 && target <= state.openPhase)
    return {
      allowed: false,
      reason: `"${to}" is already open: a phase opens once; to redo work, revise or revert the plan`,
    };
  const source = from ?? state.phases[state.openPhase]?.id ?? null;
  const phase = state.phases.find((candidate) => candidate.id === to);
  const escalation = phase ? gateOverrideOf(state, phase) : undefined;
  if (source !== null) return validatePhaseTransition(transitionView(state), source, to, escalation);
  // No phase has opened yet: only the first can, when its gate passes.
  const ids = state.phases.map((phase) => phase.id);
  if (!ids.includes(to)) return { allowed: false, reason: `unknown phase "${to}"; phases: ${ids.join(', ')}` };
  if (to !== ids[0])
    return {
      allowed: false,
      reason: `"${to}" cannot open before "${ids[0]}": phases open in order (${ids.join(' -> ')})`,
    };
  return firstPhase(state, escalation !== undefined);
}

/** Null when work may go to the phase at `index` (it is open, or may open now); else why not. */
function phaseClosedReason(state: RunState, index: number): string | null {
  if (index <= state.openPhase) return null;
  const id = state.phases[index]?.id ?? '';
  const verdict = checkPhaseTransition(state, null, id);
  return verdict.allowed ? null : `phase "${id}" is not open and cannot open now: ${verdict.reason}`;
}

export interface StatusReportInput {
  agent: string;
  step?: string | null;
  phase?: string | null;
  status: AgentStatus;
  note?: string | null;
}

function checkStepReport(state: RunState, step: StepState, status: AgentStatus): void {
  if (status === 'done') {
    if (step.status === 'succeeded') return;
    if (isTerminal(step.status))
      throw new ConflictError(
        `step "${step.id}" did not succeed (it ${step.status === 'failed' ? 'failed' : `was ${step.status}`}): "done" must agree with the ledger`,
      );
    const task = [...state.pending.values()].some((pending) => pending.kind === 'human' && pending.step === step.id);
    const hint = task
      ? `; it waits for a person's result: submit it with submit_result, then report "done"`
      : '; report "working" or "blocked" until it has';
    throw new ConflictError(
      `step "${step.id}" has not succeeded (it is ${step.status}): "done" must agree with the ledger, where a step is done once the conductor accepts its result${hint}`,
    );
  }
  if (isTerminal(step.status)) {
    const instead =
      step.status === 'succeeded' ? ' (report "done" to acknowledge it)' : ' (revise the plan to redo it)';
    throw new ConflictError(
      `step "${step.id}" has already ${step.status === 'cancelled' ? 'been cancelled' : step.status}: no agent can be ${status} on it${instead}`,
    );
  }
  if (status === 'blocked') return;
  const closed = phaseClosedReason(state, step.phase);
  if (closed !== null) throw new ConflictError(`step "${step.id}" cannot be ${status}: ${closed}`);
}

function checkPhaseReport(state: RunState, index: number, status: AgentStatus): void {
  const phase = state.phases[index];
  if (!phase) return;
  const readiness = phaseReadiness(phase);
  const complete = readiness === 'ready' || readiness === 'partial' || readiness === 'failed';
  if (status === 'done') {
    if (readiness === 'ready' || readiness === 'partial') return;
    throw new ConflictError(
      `phase "${phase.id}" is not done: it is ${readiness} (${phase.terminal} of ${phase.steps.length} steps finished, ${phase.failed} failed)`,
    );
  }
  if (complete)
    throw new ConflictError(
      `phase "${phase.id}" is already complete (${readiness}): no agent can be ${status} on it (report "done" to acknowledge it)`,
    );
  if (status === 'blocked') return;
  const closed = phaseClosedReason(state, index);
  if (closed !== null) throw new ConflictError(`cannot be ${status} on phase "${phase.id}": ${closed}`);
}

/**
 * An agent's status for one step or one phase, refused when it contradicts the run: `done` on
 * a step that has not succeeded (or a phase not complete), any work on a step that has
 * finished or in a run that has ended, `assigned` or `working` where the phase is not open
 * and cannot open now.
 */
export function reportStatus(
  state: RunState,
  input: StatusReportInput,
  by: Principal,
): EventOf<'agent.status_reported'> {
  // The last step's "done" comes after the run has ended with it: acknowledging is still true then.
  if (input.status !== 'done' && state.status !== 'running') {
    throw new ConflictError(
      `cannot report "${input.status}": run "${state.runId}" has already ${state.status === 'timed_out' ? 'timed out' : state.status} (only "done" can still be reported, for a step that succeeded)`,
    );
  }
  const agent = requireText('agent', input.agent, MAX_NAME);
  const note = input.note == null || input.note.trim() === '' ? null : requireText('note', input.note, MAX_TEXT);
  const step = input.step ?? null;
  const phase = input.phase ?? null;
  if ((step === null) === (phase === null))
    throw new BatonError(
      ErrorCode.badInput,
      'a status report is about one step or one phase: give `step` or `phase`, not both and not neither',
    );
  if (step !== null) checkStepReport(state, knownStep(state, step), input.status);
  else checkPhaseReport(state, knownPhase(state, phase as string), input.status);
  return { type: 'agent.status_reported', data: { agent, step, phase, status: input.status, note, by } };
}

export interface RouteInput {
  agent: string;
  step: string;
  to: string;
  reason: string;
  candidates?: { name: string; score?: number | null; reason?: string | null }[];
}

/**
 * An agent's routing decision for a step's work: refused when the step has finished, when a
 * candidate is listed twice, or when the one chosen (`to`) is not among the candidates given.
 */
export function recordRoute(state: RunState, input: RouteInput, by: Principal): EventOf<'agent.routed'> {
  ensureRunning(state, 'record a routing decision');
  const agent = requireText('agent', input.agent, MAX_NAME);
  const to = requireText('to', input.to, MAX_NAME);
  const reason = requireText('reason', input.reason, MAX_TEXT);
  const step = knownStep(state, input.step);
  if (isTerminal(step.status))
    throw new ConflictError(
      `step "${step.id}" has already ${step.status === 'cancelled' ? 'been cancelled' : step.status}: there is no work left to route`,
    );
  const names = (input.candidates ?? []).map((candidate, i) =>
    requireText(`candidates[${i}].name`, candidate.name, MAX_NAME),
  );
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined)
    throw new BatonError(ErrorCode.badInput, `candidate "${twice}" is listed more than once; list each option once`);
  if (names.length > 0 && !names.includes(to)) {
    throw new BatonError(
      ErrorCode.badInput,
      `\`to\` is "${to}", which is not among the candidates (${names.join(', ')}): list the chosen one among them, or give no candidates`,
    );
  }
  const candidates = (input.candidates ?? []).map((candidate, i) => {
    const name = names[i] as string;
    const score = candidate.score ?? null;
    if (score !== null && !Number.isFinite(score))
      throw new BatonError(ErrorCode.badInput, `candidates[${i}].score must be a finite number, got ${score}`);
    return { name, score, chosen: name === to, reason: candidate.reason?.trim() ?? '' };
  });
  return { type: 'agent.routed', data: { agent, step: step.id, to, reason, candidates, by } };
}

export interface HandoffInput extends HandoffBriefInput {
  from: { agent: string; step?: string | null };
  /** `role`: a role of the workspace registry, whose constraints the engine looks up and injects. */
  to: { agent: string; step: string; role?: string | null };
  artifacts: readonly string[];
  reason: string;
}

/**
 * The artifacts a handoff names, as the run's ledger recorded them (name, sha256, size).
 * Whether their content is still in the artifact store is the engine's to check.
 */
export function handoffArtifacts(state: RunState, names: readonly string[]): ArtifactRef[] {
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new BatonError(ErrorCode.badInput, `artifact "${twice}" is listed more than once`);
  return names.map((name) => {
    const artifact = state.artifacts.get(name);
    if (!artifact) {
      const known = [...state.artifacts.keys()];
      throw new NotFoundError(
        `artifact "${name}" in run "${state.runId}" (${known.length === 0 ? 'the run has no artifacts' : `artifacts: ${known.slice(0, 20).join(', ')}`})`,
      );
    }
    return { name: artifact.name, sha256: artifact.sha256, bytes: artifact.bytes };
  });
}

/**
 * Whether work may move from the handing step to the receiving one: the handing step has
 * succeeded (unless an agent hands its own step to another), phases move forward only, and
 * the receiving step's phase is open or may open now (`validatePhaseTransition` from the
 * phase open now). Returns why it may; throws ConflictError with why not.
 */
export function checkHandoffTransition(state: RunState, input: Pick<HandoffInput, 'from' | 'to'>): string {
  ensureRunning(state, 'hand off work');
  const to = knownStep(state, input.to.step);
  const fromId = input.from.step ?? null;
  const from = fromId === null ? null : knownStep(state, fromId);
  if (from !== null && from.id !== to.id && from.status !== 'succeeded') {
    throw new ConflictError(
      `step "${from.id}" has not succeeded (it is ${from.status}): only finished work is handed on (to give a step's own work to another agent, hand off from and to the same step)`,
    );
  }
  const toPhase = state.phases[to.phase]?.id ?? '';
  if (from !== null && from.phase > to.phase) {
    throw new ConflictError(
      `phases only move forward: step "${from.id}" is in "${state.phases[from.phase]?.id}", which comes after "${toPhase}" of step "${to.id}"`,
    );
  }
  if (to.phase <= state.openPhase) return `phase "${toPhase}" of step "${to.id}" is open`;
  const verdict = checkPhaseTransition(state, null, toPhase);
  if (!verdict.allowed)
    throw new ConflictError(
      `cannot hand off to step "${to.id}": phase "${toPhase}" is not open and cannot open now: ${verdict.reason}`,
    );
  return `phase "${toPhase}" of step "${to.id}" may open now: ${verdict.reason}`;
}

/**
 * Queues a handoff (`handoff-N`, numbered in the run). Refused when the same step is already
 * handed to the same agent and not yet taken up: a second copy would never be told apart.
 * `role`: the receiving role as the engine looked it up in the workspace registry; required
 * when `to.role` names one, so no handoff claims a role without its constraints.
 */
export function queueHandoff(
  state: RunState,
  input: HandoffInput,
  artifacts: ArtifactRef[],
  by: Principal,
  role?: HandoffRole,
): EventOf<'handoff.queued'> {
  const roleName = input.to.role ?? null;
  if (roleName !== (role?.name ?? null))
    throw new BatonError(
      ErrorCode.badInput,
      roleName === null
        ? `role "${role?.name}" was looked up, but the handoff names no to.role`
        : `to.role "${roleName}" has not been looked up in the workspace registry; its constraints must be injected with it`,
    );
  ensureRunning(state, 'queue a handoff');
  const reason = requireText('reason', input.reason, MAX_TEXT);
  const brief = handoffBrief(input);
  const to = { agent: requireText('to.agent', input.to.agent, MAX_NAME), step: knownStep(state, input.to.step).id };
  const from = {
    agent: requireText('from.agent', input.from.agent, MAX_NAME),
    step: input.from.step == null ? null : knownStep(state, input.from.step).id,
  };
  const queued = state.handoffs.find(
    (handoff) => handoff.status === 'queued' && handoff.to.step === to.step && handoff.to.agent === to.agent,
  );
  if (queued) {
    throw new ConflictError(
      `${queued.id} already hands step "${to.step}" to "${to.agent}" and is still queued (since ${queued.at}); it is taken up when "${to.agent}" reports on "${to.step}"`,
    );
  }
  return {
    type: 'handoff.queued',
    data: {
      id: `handoff-${state.handoffs.length + 1}`,
      from,
      to,
      artifacts,
      reason,
      ...brief,
      ...(role && { role: { name: role.name, constraints: role.constraints } }),
      by,
    },
  };
}
