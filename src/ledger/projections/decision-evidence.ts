import type {
  DecisionEvidence,
  EvidenceArtifact,
  EvidenceCheck,
  EvidenceVote,
  Json,
  PendingDecision,
  RunState,
} from '../../core/index.js';
import { gateRequirements } from '../../core/index.js';
import { canonicalJson, sha256Hex } from '../canonical.js';

/** The decisions a person approves or denies; the others (a task's result, a signal) bind no evidence. */
const BINDING_KINDS: ReadonlySet<PendingDecision['kind']> = new Set(['gate', 'confirm', 'escalation', 'plan']);

/** Whether answering this decision records what it was about (a gate, a confirmation or an escalation). */
export function bindsEvidence(pending: PendingDecision): boolean {
  return BINDING_KINDS.has(pending.kind);
}

/**
 * What a pending gate, confirmation or escalation is about, from the run's state now: the
 * plan revision in force; for a gate, what its evidence requires, and the artifacts and
 * results of those steps and of the phase before it (the work being let through); for a
 * confirmation or an escalation, the artifacts and results of the step's dependencies; for a
 * contradiction, its votes. The pending view shows it before the decision and the approval
 * records it, so the two are the same function of the same state.
 * @example decisionEvidence(state, state.pending.get('gate:ship')!).artifacts // [{ name: 'build/report.txt', sha256, sealed: true }]
 */
export function decisionEvidence(state: RunState, pending: PendingDecision): DecisionEvidence {
  const steps: string[] = [];
  const artifactNames: string[] = [];
  let requires: DecisionEvidence['requires'];
  if (pending.kind === 'gate' && pending.phase !== null) {
    const index = state.phases.findIndex((phase) => phase.id === pending.phase);
    const gate = state.phases[index]?.gate;
    const evidence = gate ? gateRequirements(gate).flatMap((r) => ('evidence' in r ? [r.evidence] : [])) : [];
    if (evidence.length > 0) {
      requires = {
        artifacts: evidence.flatMap((e) => e.artifacts ?? []),
        checks: evidence.flatMap((e) => e.checks ?? []),
      };
      artifactNames.push(...requires.artifacts);
      steps.push(...requires.checks);
    }
    steps.push(...(state.phases[index - 1]?.steps ?? []));
  } else if (pending.step !== null) {
    steps.push(...dependenciesOf(state, pending.step));
  }
  const stepSet = new Set(steps);
  for (const [name, artifact] of state.artifacts) if (stepSet.has(artifact.step)) artifactNames.push(name);
  const votes = pending.kind === 'escalation' && pending.step !== null ? votesOf(state, pending.step) : [];
  return {
    revision: state.revisions.length,
    planHash: state.planHash,
    ...(requires !== undefined && { requires }),
    artifacts: unique(artifactNames).map((name) => artifactOf(state, name)),
    checks: unique(steps).map((step) => checkOf(state, step)),
    ...(votes.length > 0 && { votes }),
  };
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

function artifactOf(state: RunState, name: string): EvidenceArtifact {
  const artifact = state.artifacts.get(name);
  return artifact ? { name, sha256: artifact.sha256, sealed: artifact.sealed } : { name, sha256: null, sealed: false };
}

function checkOf(state: RunState, stepId: string): EvidenceCheck {
  const step = state.steps[stepId];
  const status = step?.status ?? 'unknown';
  const passed = status === 'succeeded';
  return { step: stepId, status, passed, outputHash: passed ? outputHash(step?.output ?? null) : null };
}

function outputHash(output: Json): string {
  return sha256Hex(canonicalJson(output));
}

/** The steps a step runs after: those that list it among their dependents. */
function dependenciesOf(state: RunState, stepId: string): string[] {
  const deps: string[] = [];
  for (const [dep, dependents] of state.dependents) if (dependents.includes(stepId)) deps.push(dep);
  return deps;
}

/** A consensus step's votes that reported an output, in voter order. */
function votesOf(state: RunState, stepId: string): EvidenceVote[] {
  const votes: EvidenceVote[] = [];
  for (const key of state.steps[stepId]?.instances ?? []) {
    const vote = state.instances.get(key);
    if (vote?.role !== 'vote' || vote.capability === null) continue;
    const output = vote.report?.ok ? vote.report.output : vote.output;
    votes.push({ capability: vote.capability, outputHash: outputHash(output) });
  }
  return votes;
}

/**
 * An approval's evidence in a few words, for the line that says what was recorded.
 * @example summarizeEvidence(evidence) // 'bound plan revision 1, 1 artifact (1 sealed), 2 checks'
 */
export function summarizeEvidence(evidence: DecisionEvidence): string {
  const sealed = evidence.artifacts.filter((artifact) => artifact.sealed).length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const votes = evidence.votes ? `, ${plural(evidence.votes.length, 'vote')}` : '';
  return `bound plan revision ${evidence.revision}, ${plural(evidence.artifacts.length, 'artifact')} (${sealed} sealed), ${plural(evidence.checks.length, 'check')}${votes}`;
}
