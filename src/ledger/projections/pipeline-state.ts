import {
  DecisionKind,
  decisionId,
  evolve,
  evaluateGate,
  phaseReadiness,
  riskRegister,
  type AgentHandoff,
  type AgentReport,
  type DecisionEvidence,
  type LedgerEvent,
  type PendingAbout,
  type PendingDecision,
  type PendingKind,
  type PhaseReadiness,
  type RunState,
  type RiskView,
} from '../../core/index.js';
import { answersFor } from './answers.js';
import { pendingAbout as aboutOf } from './pending-about.js';
import { bindsEvidence, decisionEvidence } from './decision-evidence.js';

/** How many routing events the pipeline state keeps: the latest ones. */
export const RECENT_ROUTING = 5;

export interface PipelinePhase {
  id: string;
  readiness: PhaseReadiness;
  /** `opened` once the conductor opened it; `current` for the latest opened. */
  opened: boolean;
  current: boolean;
  gate: 'none' | 'approval' | 'evidence' | 'policy' | 'all';
  steps: number;
  done: number;
  failed: number;
}

export interface PipelinePending {
  id: string;
  kind: PendingKind;
  step: string | null;
  phase: string | null;
  reason: string;
  since: string;
  answers: string[];
  /** A gate's, confirmation's or escalation's: what approving it now would bind (see `decisionEvidence`). */
  evidence?: DecisionEvidence;
  /** What it is about, by kind: a task's input, an escalation's error, instances and votes, a wait's signals, a plan's outline. */
  about?: PendingAbout;
}

/**
 * Pending decisions as people see them: each with the commands that answer it and, given the
 * run's state, what approving it would bind (the same digest `approve` records).
 */
export function pendingWithAnswers(
  runId: string,
  pending: readonly PendingDecision[],
  state?: RunState,
): PipelinePending[] {
  return pending.map((decision) => ({
    id: decision.id,
    kind: decision.kind,
    step: decision.step,
    phase: decision.phase,
    reason: liveReason(decision, state),
    since: decision.since,
    answers: answersFor(runId, decision, pending),
    ...(state !== undefined && bindsEvidence(decision) && { evidence: decisionEvidence(state, decision) }),
    ...(aboutOf(state, decision) !== undefined && { about: aboutOf(state, decision) }),
  }));
}

/**
 * A composed gate's decision stays pending while people approve it one by one: its reason is
 * the gate's verdict now ("1 of 2 approvals (alice)"), not the one recorded when it was asked.
 */
function liveReason(decision: PendingDecision, state: RunState | undefined): string {
  const phase = state?.phases.find((candidate) => candidate.id === decision.phase);
  if (!state || !phase || decision.kind !== 'gate' || phase.gate === null || !('all' in phase.gate))
    return decision.reason;
  const verdict = evaluateGate(state, phase);
  if (verdict.status === 'open') return decision.reason;
  return `the gate of "${phase.id}" is ${verdict.status === 'approval' ? 'waiting for approval' : 'closed'}: ${verdict.reason}`;
}

/** A routing event in one line: a route, a phase opened or refused, an escalation, a consensus. */
export interface RoutingEvent {
  seq: number;
  at: string;
  type: string;
  summary: string;
}

/**
 * A run's pipeline at a glance: what waits for a person (first), where the run is in its
 * phases, its budget, and the latest routing. `status` is `waiting` or `paused` while the run
 * is running but cannot go on by itself.
 */
export interface PipelineState {
  runId: string;
  name: string;
  status: string;
  failure: string | null;
  pending: PipelinePending[];
  currentPhase: string | null;
  phases: PipelinePhase[];
  budget: { limitUsd: number | null; spentUsd: number; reservedUsd: number; remainingUsd: number | null };
  recentRouting: RoutingEvent[];
  /** What agents outside the engine reported: the latest report per step or phase, in the order first reported. */
  reports: AgentReport[];
  /** Handoffs between agents, in order, each `queued` until its receiving agent reports on the step. */
  handoffs: AgentHandoff[];
  /** The plan's risk register (of the run's current plan revision), each control looked up in the plan. */
  risks: RiskView[];
  revision: number;
  events: number;
  updatedAt: string;
}

function routingSummary(event: LedgerEvent): string | null {
  switch (event.type) {
    case 'phase.opened':
      return `phase "${event.data.phase}" opened${event.data.from !== null ? ` after "${event.data.from}"` : ''}: ${event.data.reason}`;
    case 'phase.transition_denied':
      return `phase "${event.data.to}" refused after "${event.data.from}": ${event.data.reason}`;
    case 'decision.requested':
      return event.data.kind === 'escalation'
        ? `escalated ${event.data.step !== null ? `step "${event.data.step}"` : event.data.id}: ${event.data.reason}`
        : null;
    case 'step.routed':
      return event.data.role === 'judge'
        ? `judge of "${event.data.step}" → ${event.data.capability}: ${event.data.reason}`
        : `step "${event.data.step}" → ${event.data.capability}${event.data.voters ? ` (+ ${event.data.voters.length - 1} voters)` : ''}: ${event.data.reason}`;
    case 'consensus.judged':
      return `judge ${event.data.judge} on "${event.data.step}": ${event.data.agree ? 'the votes agree' : 'the votes disagree'}: ${event.data.reasons}`;
    case 'consensus.reached':
      return `consensus on "${event.data.step}" by ${event.data.agreeing.join(', ')}${event.data.dissenting.length > 0 ? ` (dissenting: ${event.data.dissenting.join(', ')})` : ''}`;
    case 'decision.made':
      return event.data.verdict === 'denied'
        ? `${event.data.id} denied by ${event.data.by}${event.data.comment ? `: ${event.data.comment}` : ''}`
        : null;
    case 'agent.routed':
      return `agent ${event.data.agent} routed step "${event.data.step}" → ${event.data.to}: ${event.data.reason}`;
    case 'handoff.queued': {
      const { id, from, to, reason } = event.data;
      return `${id} queued: ${from.agent}${from.step !== null ? ` (${from.step})` : ''} → ${to.agent} (${to.step}): ${reason}`;
    }
    default:
      return null;
  }
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

function shownStatus(state: RunState): string {
  if (state.status !== 'running') return state.status;
  if (state.paused) return 'paused';
  if (state.pending.size === 0) return 'running';
  for (const key of state.inflight.values())
    if (!state.pending.has(decisionId(DecisionKind.human, key))) return 'running';
  return 'waiting';
}

/**
 * The pipeline state of a run, projected from its ledger in one pass. It folds the events
 * with the conductor's own `evolve`, so phase readiness and pending decisions are exactly
 * what the conductor sees; besides that fold it keeps only the last few routing events.
 * @example pipelineState(await baton.events(runId)).pending[0]?.answers[0] // 'baton approve r1 execution'
 */
export function pipelineState(events: Iterable<LedgerEvent>): PipelineState {
  let state: RunState | undefined;
  const recent: RoutingEvent[] = [];
  let last: LedgerEvent | undefined;
  for (const event of events) {
    state = evolve(state, event);
    last = event;
    const summary = routingSummary(event);
    if (summary !== null) {
      recent.push({ seq: event.seq, at: event.at, type: event.type, summary });
      if (recent.length > RECENT_ROUTING) recent.shift();
    }
  }
  if (!state || !last) throw new Error('pipelineState needs the events of a run, run.created first');
  const run = state;
  const pending = [...run.pending.values()];
  const { limitUsd, spentUsd, reservedUsd } = run.budget;
  return {
    runId: run.runId,
    name: run.name,
    status: shownStatus(run),
    failure: run.failure,
    pending: pendingWithAnswers(run.runId, pending, run),
    currentPhase: run.phases[run.openPhase]?.id ?? null,
    phases: run.phases.map((phase, index) => ({
      id: phase.id,
      readiness: phaseReadiness(phase),
      opened: index <= run.openPhase,
      current: index === run.openPhase,
      gate:
        phase.gate === null
          ? 'none'
          : 'approval' in phase.gate
            ? 'approval'
            : 'evidence' in phase.gate
              ? 'evidence'
              : 'all' in phase.gate
                ? 'all'
                : 'policy',
      steps: phase.steps.length,
      done: phase.terminal,
      failed: phase.failed,
    })),
    budget: {
      limitUsd,
      spentUsd: round(spentUsd),
      reservedUsd: round(reservedUsd),
      remainingUsd: limitUsd === null ? null : round(limitUsd - spentUsd - reservedUsd),
    },
    recentRouting: recent.reverse(),
    reports: [...run.agentReports.values()].map((report) => ({ ...report })),
    handoffs: run.handoffs.map((handoff) => ({ ...handoff })),
    risks: riskRegister(run.plan),
    revision: run.revisions.length,
    events: last.seq,
    updatedAt: last.at,
  };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function usd(value: number | null): string {
  return value === null ? '—' : `$${value}`;
}

/**
 * The pipeline state as Markdown, for people and for tools (it is what the MCP server serves
 * as the run's pipeline resource). Pending decisions come first, each with its answer.
 */
export function renderPipelineStateMarkdown(view: PipelineState): string {
  const lines = [`# Pipeline state: ${view.name} (\`${view.runId}\`)`, ''];
  lines.push(`**Status:** ${view.status}${view.failure ? ` — ${cell(view.failure)}` : ''}  `);
  lines.push(`**Current phase:** ${view.currentPhase ?? '(none opened yet)'}  `);
  lines.push(`**Plan revision:** ${view.revision} · ${view.events} events · updated ${view.updatedAt}`, '');
  lines.push('## Pending decisions', '');
  if (view.pending.length === 0) lines.push('None.', '');
  else {
    lines.push('| id | kind | reason | answer |', '|---|---|---|---|');
    for (const p of view.pending)
      lines.push(
        `| \`${p.id}\` | ${p.kind} | ${cell(p.reason)} | ${p.answers.map((a) => `\`${cell(a)}\``).join('<br>')} |`,
      );
    lines.push('');
  }
  lines.push('## Phases', '', '| phase | readiness | gate | steps done | failed |', '|---|---|---|---|---|');
  for (const phase of view.phases) {
    const name = phase.current ? `**${phase.id}** (current)` : phase.opened ? phase.id : `${phase.id} (not open)`;
    lines.push(`| ${name} | ${phase.readiness} | ${phase.gate} | ${phase.done}/${phase.steps} | ${phase.failed} |`);
  }
  lines.push('', '## Budget', '', '| limit | spent | reserved | remaining |', '|---|---|---|---|');
  lines.push(
    `| ${view.budget.limitUsd === null ? 'none' : usd(view.budget.limitUsd)} | ${usd(view.budget.spentUsd)} | ${usd(view.budget.reservedUsd)} | ${usd(view.budget.remainingUsd)} |`,
    '',
  );
  lines.push(`## Recent routing (last ${RECENT_ROUTING}, newest first)`, '');
  if (view.recentRouting.length === 0) lines.push('None yet.');
  for (const event of view.recentRouting)
    lines.push(`- #${event.seq} ${event.at} \`${event.type}\`: ${cell(event.summary)}`);
  lines.push(...agentSections(view));
  lines.push(...riskSection(view));
  return `${lines.join('\n')}\n`;
}

/** The risk register, only when the plan declares one: a plan without risks reads as before. */
function riskSection(view: PipelineState): string[] {
  if (view.risks.length === 0) return [];
  const lines = ['', '## Risks', '', '| risk | mitigated | control | present | detail |', '|---|---|---|---|---|'];
  for (const risk of view.risks) {
    const name = `\`${risk.id}\`: ${cell(risk.description)}`;
    if (risk.controls.length === 0) lines.push(`| ${name} | no | none listed | — | — |`);
    for (const control of risk.controls)
      lines.push(
        `| ${name} | ${risk.mitigated ? 'yes' : 'no'} | \`{ ${control.kind}: ${control.target ?? 'true'} }\` | ${control.present ? 'yes' : 'no'} | ${cell(control.detail)} |`,
      );
  }
  return lines;
}

/** A handoff's brief as a list under its id; nothing for a handoff given without one. */
function briefLines(h: AgentHandoff): string[] {
  const items = [
    ...(h.role !== undefined ? [`- role \`${h.role.name}\`, constraints: ${h.role.constraints.trimEnd()}`] : []),
    ...(h.instruction !== undefined ? [`- instruction: ${h.instruction}`] : []),
    ...(h.completionCriteria ?? []).map((criterion) => `- done when: ${criterion}`),
    ...(h.knownRisks ?? []).map((risk) => `- known risk: ${risk}`),
  ];
  // Continuation lines indented, so a multi-line instruction stays inside its list item.
  return items.length === 0
    ? []
    : ['', `**\`${h.id}\` brief**`, '', ...items.map((item) => item.replace(/\n/g, '\n  '))];
}

/** Agents' reports and handoffs, only when there are some: a run no agent touched reads as before. */
function agentSections(view: PipelineState): string[] {
  const lines: string[] = [];
  if (view.reports.length > 0) {
    lines.push(
      '',
      '## Agent reports (latest per step or phase)',
      '',
      '| on | agent | status | note | by | at |',
      '|---|---|---|---|---|---|',
    );
    for (const r of view.reports)
      lines.push(
        `| ${r.step !== null ? `step \`${r.step}\`` : `phase \`${r.phase}\``} | ${cell(r.agent)} | ${r.status} | ${cell(r.note ?? '')} | ${cell(r.by)} | ${r.at} |`,
      );
  }
  if (view.handoffs.length > 0) {
    lines.push(
      '',
      '## Handoffs between agents',
      '',
      '| id | from | to | artifacts | status | reason |',
      '|---|---|---|---|---|---|',
    );
    for (const h of view.handoffs) {
      const from = `${cell(h.from.agent)}${h.from.step !== null ? ` (\`${h.from.step}\`)` : ''}`;
      const artifacts =
        h.artifacts.length === 0 ? '—' : h.artifacts.map((a) => `\`${a.name}\` ${a.sha256.slice(0, 12)}`).join('<br>');
      const status = h.status === 'accepted' ? `accepted ${h.acceptedAt ?? ''}` : 'queued';
      lines.push(
        `| \`${h.id}\` | ${from} | ${cell(h.to.agent)} (\`${h.to.step}\`) | ${artifacts} | ${status} | ${cell(h.reason)} |`,
      );
    }
    for (const h of view.handoffs) lines.push(...briefLines(h));
  }
  return lines;
}
