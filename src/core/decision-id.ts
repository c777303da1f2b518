/**
 * Decision ids: what a pending decision is called in the ledger, in `baton status`, and in the
 * commands that answer it (`gate:execution`, `confirm:deploy`, `human:review[2]`). An id is its
 * kind, a colon, and its target: the phase of a gate, the step of a confirmation, escalation or
 * signal wait, the instance of a person's task. Built and read only here, so the format has one
 * definition.
 */

/** The kinds of decision the run waits on from outside. */
export const DecisionKind = {
  /** a phase's gate: its target is the phase id */
  gate: 'gate',
  /** a step that needs a person's yes before it is dispatched: its target is the step id */
  confirm: 'confirm',
  /** a step the conductor cannot take further by itself: its target is the step id */
  escalation: 'escalation',
  /** a person's task: its target is the instance key (`review`, `review[2]`) */
  human: 'human',
  /** a step waiting for a named signal: its target is the step id */
  signal: 'signal',
  /**
   * a plan revision that must be approved before anything of it runs (a plan drafted by a
   * model): its target is the revision number
   */
  plan: 'plan',
  /**
   * a handoff between agents that halted (`request_handoff`), raised for a governor: approving
   * it runs the handoff again, denying it closes it; its target is the halt's number in the run
   */
  handoff: 'handoff',
} as const;

export type DecisionKind = (typeof DecisionKind)[keyof typeof DecisionKind];

/** `kind:target`, as the ledger records it. */
export type DecisionId = `${DecisionKind}:${string}`;

const KINDS: ReadonlySet<string> = new Set(Object.values(DecisionKind));

/**
 * The id of the decision of `kind` about `target`.
 * @example decisionId('gate', 'execution') // 'gate:execution'
 */
export function decisionId(kind: DecisionKind, target: string): DecisionId {
  return `${kind}:${target}`;
}

/**
 * The kind and target of a decision id, or `undefined` when `id` is not one (no colon, or a
 * kind Baton does not know). It splits at the first colon: step, phase and instance ids hold
 * none, and whatever follows the first colon is the target as it was given.
 * @example parseDecisionId('human:review[2]') // { kind: 'human', target: 'review[2]' }
 */
export function parseDecisionId(id: string): { kind: DecisionKind; target: string } | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  const kind = id.slice(0, colon);
  return KINDS.has(kind) ? { kind: kind as DecisionKind, target: id.slice(colon + 1) } : undefined;
}
