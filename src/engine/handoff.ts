import {
  BatonError,
  checkHandoffTransition,
  ErrorCode,
  handoffArtifacts,
  handoffBrief,
  handoffRole,
  queueHandoff,
  recordRoute,
  reportStatus,
  type ArtifactRef,
  type BatonEvent,
  type HandoffInput,
  type Principal,
  type Roles,
  type RunState,
} from '../core/index.js';
import type { ArtifactStore } from './artifacts/index.js';

/** The protocol's steps, in the order they run. */
export const HANDOFF_STEPS = ['artifacts', 'transition', 'state', 'routing', 'queue'] as const;
export type HandoffStep = (typeof HANDOFF_STEPS)[number];

export interface HandoffStepReport {
  step: HandoffStep;
  /** `not_run`: an earlier step failed, so this one was not tried. */
  status: 'done' | 'failed' | 'not_run';
  detail: string;
}

/**
 * What a handoff request came to. When `ok` is false, `failedAt` names the step that failed;
 * the steps before it stay done (their events are in the ledger: nothing is rolled back).
 */
export interface HandoffReport {
  runId: string;
  ok: boolean;
  handoffId: string | null;
  failedAt: HandoffStep | null;
  error: string | null;
  steps: HandoffStepReport[];
  /** A halted handoff raised for a governor: its pending decision (`handoff:1`); null otherwise. */
  pending: string | null;
}

export interface HandoffRequest extends HandoffInput {
  /** The options the handing agent weighed for the receiving one (recorded with its routing decision). */
  candidates?: { name: string; score?: number | null; reason?: string | null }[];
}

/** What the protocol needs from the engine: the run's state, a checked append, the artifact store. */
export interface HandoffPorts {
  runId: string;
  by: Principal;
  load(): Promise<RunState>;
  /** Checks the command against the run's latest state and appends the one event it returns. */
  append(build: (state: RunState) => BatonEvent): Promise<BatonEvent>;
  artifacts: ArtifactStore;
  /** The workspace registry's `roles:` (undefined: it declares none), where `to.role` is looked up. */
  roles: Roles | undefined;
}

/** The artifacts exist: recorded in the run's ledger, and their content still in the store with that hash. */
async function checkArtifacts(
  ports: HandoffPorts,
  names: readonly string[],
): Promise<{ refs: ArtifactRef[]; detail: string }> {
  const refs = handoffArtifacts(await ports.load(), names);
  for (const ref of refs) {
    const found = await ports.artifacts.verify(ref);
    if (found === 'missing')
      throw new BatonError(
        ErrorCode.notFound,
        `the content of artifact "${ref.name}" (sha256 ${ref.sha256.slice(0, 12)}) is missing from the workspace's artifact store`,
      );
    if (found === 'changed')
      throw new BatonError(
        ErrorCode.integrity,
        `the content of artifact "${ref.name}" no longer matches its recorded sha256 ${ref.sha256.slice(0, 12)}`,
      );
  }
  const detail =
    refs.length === 0
      ? 'no artifacts handed on'
      : `${refs.map((ref) => `${ref.name} (${ref.sha256.slice(0, 12)}, ${ref.bytes} B)`).join(', ')} exist${refs.length === 1 ? 's' : ''} with ${refs.length === 1 ? 'its' : 'their'} recorded content`;
  return { refs, detail };
}

/**
 * Hands work from one agent (and step) to another, in five steps, each checked against the
 * run as it is then: the artifacts exist; the transition is allowed; the receiving step is
 * recorded as `assigned` to the receiving agent; the routing decision is logged; the handoff
 * is queued, with its brief (instruction, completion criteria, known risks) when given. It halts at the first step that fails and reports which steps were done. What
 * was done stays done: every step is a fact in the ledger, and a ledger is never rewritten.
 * @example
 * const report = await runHandoff(ports, { from: { agent: 'builder', step: 'build' }, to: { agent: 'reviewer', step: 'review' }, artifacts: ['build/app.tar'], reason: 'built' });
 * if (!report.ok) console.error(`${report.failedAt}: ${report.error}`);
 */
export async function runHandoff(ports: HandoffPorts, request: HandoffRequest): Promise<HandoffReport> {
  // Bad input in the brief is the caller's mistake, not a step of the protocol: refuse it
  // before the first step, so nothing is written (queueHandoff checks it again, in the core).
  handoffBrief(request);
  const role = request.to.role == null ? undefined : handoffRole(ports.roles, request.to.role);
  const steps: HandoffStepReport[] = HANDOFF_STEPS.map((step) => ({ step, status: 'not_run', detail: '' }));
  const report: HandoffReport = {
    runId: ports.runId,
    ok: false,
    handoffId: null,
    failedAt: null,
    error: null,
    steps,
    pending: null,
  };
  let artifacts: ArtifactRef[] = [];
  const from = `${request.from.agent}${request.from.step ? ` (step "${request.from.step}")` : ''}`;
  const run: Record<HandoffStep, () => Promise<string>> = {
    artifacts: async () => {
      const checked = await checkArtifacts(ports, request.artifacts);
      artifacts = checked.refs;
      return checked.detail;
    },
    transition: async () => checkHandoffTransition(await ports.load(), request),
    state: async () => {
      const note = `handed off by ${from}: ${request.reason}`;
      await ports.append((state) =>
        reportStatus(state, { agent: request.to.agent, step: request.to.step, status: 'assigned', note }, ports.by),
      );
      return `step "${request.to.step}" recorded as assigned to ${request.to.agent}`;
    },
    routing: async () => {
      const route = {
        agent: request.from.agent,
        step: request.to.step,
        to: request.to.agent,
        reason: request.reason,
        ...(request.candidates && { candidates: request.candidates }),
      };
      await ports.append((state) => recordRoute(state, route, ports.by));
      return `routing decision logged: ${request.from.agent} gave step "${request.to.step}" to ${request.to.agent}`;
    },
    queue: async () => {
      const event = await ports.append((state) => queueHandoff(state, request, artifacts, ports.by, role));
      if (event.type === 'handoff.queued') report.handoffId = event.data.id;
      return `${report.handoffId ?? 'the handoff'} queued until ${request.to.agent} reports on step "${request.to.step}"`;
    },
  };
  for (const entry of steps) {
    try {
      entry.detail = await run[entry.step]();
      entry.status = 'done';
    } catch (error) {
      // A refusal is the protocol's answer; anything else is a bug or the environment, and is thrown.
      if (!(error instanceof BatonError)) throw error;
      Object.assign(entry, { status: 'failed', detail: error.message });
      Object.assign(report, { failedAt: entry.step, error: error.message });
      return report;
    }
  }
  report.ok = true;
  return report;
}
