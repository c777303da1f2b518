import type { EventOf, Json, PendingAbout, PendingDecision, RunState, StepError } from '../../core/index.js';

type Detail =
  | {
      capability?: unknown;
      input?: Json;
      signals?: unknown;
      error?: unknown;
      outline?: unknown;
      revision?: unknown;
      planHash?: unknown;
    }
  | undefined;

function errorView(error: unknown): { type: string; message: string; retryable: boolean } | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, message, retryable } = error as Partial<StepError>;
  return typeof type === 'string' && typeof message === 'string'
    ? { type, message, retryable: retryable === true }
    : null;
}

/**
 * What a pending decision is about, from the run's state and the question's detail (see
 * `PendingAboutSchema`); undefined for a gate, which says it in its reason and evidence.
 */
export function pendingAbout(state: RunState | undefined, decision: PendingDecision): PendingAbout | undefined {
  const detail = decision.detail as Detail;
  const capability = typeof detail?.capability === 'string' ? detail.capability : null;
  switch (decision.kind) {
    case 'human':
      return { kind: 'task', capability, input: detail?.input ?? null };
    case 'confirm':
      return { kind: 'confirm', capability };
    case 'signal':
      return {
        kind: 'signal',
        signals: Array.isArray(detail?.signals) ? detail.signals.filter((s) => typeof s === 'string') : [],
      };
    case 'escalation': {
      const step = decision.step === null ? undefined : state?.steps[decision.step];
      const instances = (step?.instances ?? []).flatMap((key) => {
        const instance = state?.instances.get(key);
        return instance === undefined
          ? []
          : [
              {
                key,
                capability: instance.capability ?? step?.capability ?? null,
                status: instance.status,
                // An outcome the conductor held for the person is still the instance's report.
                error: errorView(instance.error ?? (instance.report?.ok === false ? instance.report.error : null)),
              },
            ];
      });
      const votes = (step?.instances ?? [])
        .map((key) => state?.instances.get(key))
        .filter((instance) => instance?.role === 'vote' && instance.status === 'succeeded')
        .map((instance) => ({ capability: instance?.capability ?? '', output: instance?.output ?? null }));
      return {
        kind: 'escalation',
        error: errorView(detail?.error) ?? errorView(step?.error),
        attempts: step?.attempts ?? 0,
        instances,
        ...(votes.length > 0 && { votes }),
      };
    }
    case 'plan':
      return {
        kind: 'plan',
        revision: typeof detail?.revision === 'number' ? detail.revision : (state?.revision ?? 1),
        planHash: typeof detail?.planHash === 'string' ? detail.planHash : (state?.planHash ?? ''),
        outline: typeof detail?.outline === 'string' ? detail.outline : null,
      };
    case 'handoff':
      return haltedHandoffView(decision.detail);
    default:
      return undefined;
  }
}

/** A halted handoff's view: the request as it was asked for, and where and why it halted. */
function haltedHandoffView(detail: unknown): PendingAbout | undefined {
  if (typeof detail !== 'object' || detail === null || !('request' in detail)) return undefined;
  const { request, failedAt, error, by } = detail as unknown as EventOf<'handoff.halted'>['data'];
  return {
    kind: 'handoff',
    from: { agent: request.from.agent, step: request.from.step },
    to: { agent: request.to.agent, step: request.to.step, ...(request.to.role != null && { role: request.to.role }) },
    artifacts: request.artifacts,
    reason: request.reason,
    ...(request.instruction !== undefined && { instruction: request.instruction }),
    ...(request.completionCriteria !== undefined && { completionCriteria: request.completionCriteria }),
    ...(request.knownRisks !== undefined && { knownRisks: request.knownRisks }),
    failedAt,
    error,
    by,
  };
}
