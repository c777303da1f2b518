import {
  takesUpHandoff,
  type ArtifactRef,
  type HandoffBrief,
  type HandoffParty,
  type HandoffRole,
  type Json,
  type LedgerEvent,
  type Plan,
  type Step,
} from '../../core/index.js';
import { canonicalJson, sha256Hex } from '../canonical.js';

/** What one upstream step handed on: its output (by hash and size) and the artifacts it wrote. */
export interface HandedWork {
  step: string;
  capability: string | null;
  /** sha256 and size of the output's canonical JSON; null when the step has no output (skipped). */
  output: { sha256: string; bytes: number } | null;
  artifacts: ArtifactRef[];
}

/**
 * Where a handoff between agents stands, following its receiving step: `queued` until the
 * receiving agent reports on the step or the step starts running; `in_progress` then; `done`,
 * `failed`, `cancelled` or `skipped` when the step ends so; `closed` when the run ended with
 * the step unfinished (nobody will take it up any more).
 */
export type AgentHandoffStatus = 'queued' | 'in_progress' | 'done' | 'failed' | 'cancelled' | 'skipped' | 'closed';

/**
 * A handoff between agents outside the engine (MCP `request_handoff`), with its brief (when
 * given) and a status that follows the receiving step. `acceptedSeq`: the seq of the receiving
 * agent's first report on the step (null until it reports); `statusSeq`: the event that set
 * the current status.
 */
export interface AgentHandoffEntry extends HandoffBrief {
  kind: 'agent';
  seq: number;
  at: string;
  id: string;
  from: HandoffParty;
  to: { agent: string; step: string };
  artifacts: ArtifactRef[];
  reason: string;
  by: string;
  status: AgentHandoffStatus;
  acceptedSeq: number | null;
  statusSeq: number;
  /** The receiving role and the constraints injected for it, verbatim from the workspace registry. */
  role?: HandoffRole;
}

/**
 * Work passed on. `step`: an attempt of a step dispatched after the steps it depends on,
 * with what they handed it. `phase`: a phase opened after the one before, with the reason.
 * `agent`: one agent handing work to another.
 */
export type Handoff =
  | {
      kind: 'step';
      seq: number;
      at: string;
      from: HandedWork[];
      to: {
        step: string;
        capability: string;
        attemptId: string;
        role: string | null;
        input: { sha256: string; bytes: number };
      };
    }
  | { kind: 'phase'; seq: number; at: string; from: string | null; to: string; reason: string }
  | AgentHandoffEntry;

/** The statuses a handoff can still leave: its receiving step has not ended. */
const OPEN: readonly AgentHandoffStatus[] = ['queued', 'in_progress'];

function upstreamOf(after: Step['after']): string[] {
  if (after === undefined) return [];
  if (Array.isArray(after)) return after;
  return 'any' in after ? after.any : after.of;
}

function digest(value: Json): { sha256: string; bytes: number } {
  const text = canonicalJson(value);
  return { sha256: sha256Hex(text), bytes: Buffer.byteLength(text) };
}

/**
 * Every handoff of a run, projected from its ledger in one pass. It keeps, per step, only
 * the hash and size of its output, its capability and its artifacts' references, never the
 * outputs themselves.
 * @example handoffs(await baton.events(runId)).filter((h) => h.kind === 'step').map((h) => h.to.step)
 */
export function handoffs(events: Iterable<LedgerEvent>): Handoff[] {
  let plan: Plan | undefined;
  const capabilityOf = new Map<string, string>();
  const handed = new Map<string, HandedWork>();
  const artifactsOf = new Map<string, ArtifactRef[]>();
  const stepOfAttempt = new Map<string, string>();
  const found: Handoff[] = [];
  const agentHandoffs: AgentHandoffEntry[] = [];
  /** Moves every handoff of `step` whose status is one of `from` to `to`: a finished handoff stays as it ended. */
  const follow = (step: string, to: AgentHandoffStatus, seq: number, from: readonly AgentHandoffStatus[]): void => {
    for (const handoff of agentHandoffs)
      if (handoff.to.step === step && from.includes(handoff.status))
        Object.assign(handoff, { status: to, statusSeq: seq });
  };
  const workOf = (step: string): HandedWork =>
    handed.get(step) ?? {
      step,
      capability: capabilityOf.get(step) ?? null,
      output: null,
      artifacts: artifactsOf.get(step) ?? [],
    };
  for (const event of events) {
    switch (event.type) {
      case 'run.created':
      case 'plan.revised':
        plan = event.data.plan;
        break;
      case 'step.routed':
        capabilityOf.set(event.data.step, event.data.capability);
        break;
      case 'attempt.dispatched': {
        const { step, attemptId, capability, role, input } = event.data;
        stepOfAttempt.set(attemptId, step);
        follow(step, 'in_progress', event.seq, ['queued']);
        const upstream = upstreamOf(plan?.steps[step]?.after);
        if (upstream.length === 0 || role === 'compensate') break;
        found.push({
          kind: 'step',
          seq: event.seq,
          at: event.at,
          from: upstream.map(workOf),
          to: { step, capability, attemptId, role: role ?? null, input: digest(input) },
        });
        break;
      }
      case 'attempt.succeeded': {
        const step = stepOfAttempt.get(event.data.attemptId);
        stepOfAttempt.delete(event.data.attemptId);
        if (step !== undefined && event.data.artifacts && event.data.artifacts.length > 0)
          artifactsOf.set(step, [...(artifactsOf.get(step) ?? []), ...event.data.artifacts]);
        break;
      }
      case 'attempt.failed':
      case 'attempt.abandoned':
        stepOfAttempt.delete(event.data.attemptId);
        break;
      case 'step.succeeded':
        follow(event.data.step, 'done', event.seq, OPEN);
        handed.set(event.data.step, {
          step: event.data.step,
          capability: capabilityOf.get(event.data.step) ?? null,
          output: digest(event.data.output),
          artifacts: artifactsOf.get(event.data.step) ?? [],
        });
        break;
      case 'phase.opened':
        found.push({
          kind: 'phase',
          seq: event.seq,
          at: event.at,
          from: event.data.from,
          to: event.data.phase,
          reason: event.data.reason,
        });
        break;
      case 'handoff.queued': {
        const { id, from, to, artifacts, reason, by, instruction, completionCriteria, knownRisks, role } = event.data;
        const entry: AgentHandoffEntry = {
          kind: 'agent',
          seq: event.seq,
          at: event.at,
          id,
          from,
          to,
          artifacts,
          reason,
          ...(instruction !== undefined && { instruction }),
          ...(completionCriteria !== undefined && { completionCriteria }),
          ...(knownRisks !== undefined && { knownRisks }),
          ...(role !== undefined && { role }),
          by,
          status: 'queued',
          acceptedSeq: null,
          statusSeq: event.seq,
        };
        found.push(entry);
        agentHandoffs.push(entry);
        break;
      }
      case 'agent.status_reported':
        for (const handoff of agentHandoffs) {
          if (handoff.acceptedSeq !== null || !takesUpHandoff(event.data, handoff)) continue;
          handoff.acceptedSeq = event.seq;
          follow(handoff.to.step, 'in_progress', event.seq, ['queued']);
        }
        break;
      case 'step.failed':
        follow(event.data.step, 'failed', event.seq, OPEN);
        break;
      case 'step.cancelled':
        follow(event.data.step, 'cancelled', event.seq, OPEN);
        break;
      case 'step.skipped':
        follow(event.data.step, 'skipped', event.seq, OPEN);
        break;
      case 'run.succeeded':
      case 'run.failed':
      case 'run.denied':
      case 'run.aborted':
      case 'run.timed_out':
        for (const handoff of agentHandoffs)
          if (OPEN.includes(handoff.status)) Object.assign(handoff, { status: 'closed', statusSeq: event.seq });
        break;
      default:
        break;
    }
  }
  return found;
}
