import {
  approvalNeeds,
  approvalsRequired,
  BatonError,
  describeHolders,
  ConflictError,
  ErrorCode,
  evaluateGate,
  gateApprovalsOf,
  gateOverrideRule,
  holdsOverride,
  isRoleMember,
  type OverrideHolders,
  type PendingDecision,
  type PhaseState,
  type Principal,
  type RunState,
} from '../core/index.js';

/**
 * What a person's answer to a pending gate may do, checked before anything is written, so
 * that every surface (CLI, library, HTTP, MCP) refuses the same things with the same words.
 * Approving is approving: it counts towards the approvals a gate needs (each person once), and
 * lets through only the gates that have always been let through by it (none, `approval`,
 * `policy`). Letting a gate through while a requirement does not hold is overriding: a
 * distinct act (`baton override`), with its own reason, allowed only to the people the gate's
 * `override: { approval_by }` names (principals, or the pinned members of a role).
 */

function phaseOf(state: RunState, pending: PendingDecision): PhaseState {
  const phase = state.phases.find((candidate) => candidate.id === pending.phase);
  if (!phase) throw new ConflictError(`the gate decision "${pending.id}" names no phase of run "${state.runId}"`);
  return phase;
}

function approvers(state: RunState, phase: PhaseState): string {
  const needed = approvalsRequired(phase.gate);
  const by = gateApprovalsOf(state, phase.id).map((approval) => approval.by);
  return `${by.length} of ${needed} approval${needed === 1 ? '' : 's'}${by.length > 0 ? `: ${by.join(', ')}` : ''}`;
}

/**
 * Refuses an approval of a gate that would count for nothing: a second approval by the same
 * person, one by someone who is not a member of the role each approval still missing asks for,
 * or one that could only override a requirement the gate does not let anyone override.
 */
export function refuseGateApproval(state: RunState, pending: PendingDecision, by: Principal): void {
  if (pending.kind !== 'gate') return;
  const phase = phaseOf(state, pending);
  const gate = phase.gate;
  const rule = gateOverrideRule(gate);
  if (gate !== null && 'all' in gate) {
    const already = gateApprovalsOf(state, phase.id).map((approval) => approval.by);
    if (already.includes(by))
      throw new ConflictError(
        `${by} has already approved the gate of "${phase.id}" (${approvers(state, phase)}); it needs ${approvalsRequired(gate)} distinct people, and a second approval by the same person does not count`,
      );
    const short = approvalNeeds(gate).filter(
      (need) =>
        (need.role === null ? already : already.filter((who) => isRoleMember(state, need.role ?? '', who))).length <
        need.count,
    );
    if (short.length === 0) throw overrideRefusal(state, phase, rule.kind === 'override' ? rule.by : null);
    if (short.some((need) => need.role === null || isRoleMember(state, need.role, by))) return;
    const roles = short.map((need) => need.role ?? '');
    throw new BatonError(
      ErrorCode.forbidden,
      `${by} is not a member of ${roles.length === 1 ? 'role' : 'roles'} ${roles.join(', ')}, whose approval the gate of "${phase.id}" still needs (${roles.map((role) => `${role}: ${(state.roles[role] ?? []).join(', ') || 'no members pinned in this run'}`).join('; ')}); role members are the workspace registry's when the run was created`,
    );
  }
  if (rule.kind !== 'never') return;
  const verdict = evaluateGate(state, phase);
  if (verdict.status !== 'open')
    throw new BatonError(
      ErrorCode.forbidden,
      `approving the gate of "${phase.id}" cannot open it: ${verdict.reason}, and an evidence gate cannot be overridden; seal the artifacts or let the checks succeed, or deny it`,
    );
}

function overrideRefusal(state: RunState, phase: PhaseState, holders: OverrideHolders | null): BatonError {
  const verdict = evaluateGate(state, phase);
  if (verdict.status === 'open')
    return new ConflictError(
      `the gate of "${phase.id}" holds already (${verdict.reason}): the engine conducting the run opens it; if none is, baton resume ${state.runId} does`,
    );
  const closed = `the gate of "${phase.id}" has its approvals (${approvers(state, phase)}) and is closed: ${verdict.reason}`;
  return holders === null
    ? new BatonError(ErrorCode.forbidden, `${closed}; its override is never, so no approval can open it`)
    : new BatonError(
        ErrorCode.forbidden,
        `${closed}; approving does not override it: \`baton override ${state.runId} ${phase.id} --reason ...\` may, by ${describeHolders(state, holders)}`,
      );
}

/**
 * The override of a pending gate, as the event that records it; refused (nothing written) when
 * the gate's override is `never` (the default of a composed gate and of an evidence gate), when
 * `by` is not among the principals it names, or when there is nothing to override. The old
 * gate forms that are let through by approving them are overridden with `baton approve`.
 * @example override(state, gatePending, 'carol', 'flaky check, verified by hand') // decision.made, verdict 'overridden'
 */
export function overrideGate(
  state: RunState,
  pending: PendingDecision,
  by: Principal,
  reason: string,
): { type: 'decision.made'; data: { id: string; verdict: 'overridden'; by: Principal; comment: string } } {
  const phase = phaseOf(state, pending);
  if (reason.trim() === '')
    throw new BatonError(ErrorCode.badInput, `an override needs a reason: say why the gate of "${phase.id}" may open`);
  const rule = gateOverrideRule(phase.gate);
  if (rule.kind === 'never') {
    const verdict = evaluateGate(state, phase);
    throw new BatonError(
      ErrorCode.forbidden,
      `the gate of "${phase.id}" cannot be overridden (override: never): ${verdict.status === 'open' ? 'it is open' : verdict.reason}`,
    );
  }
  if (rule.kind === 'approve')
    throw new BatonError(
      ErrorCode.badInput,
      `the gate of "${phase.id}" is let through by approving it: use \`baton approve ${state.runId} ${phase.id}\``,
    );
  if (!holdsOverride(state, rule.by, by))
    throw new BatonError(
      ErrorCode.forbidden,
      `${by} may not override the gate of "${phase.id}": only ${describeHolders(state, rule.by)} may (its override.approval_by)`,
    );
  return { type: 'decision.made', data: { id: pending.id, verdict: 'overridden', by, comment: reason } };
}
