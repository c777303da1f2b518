import type { EscalationRetry, EventPayloads } from '../events.js';

type DecisionRequest = EventPayloads['decision.requested'];

/**
 * What approving an escalation runs again. Ledgers written before `decision.requested` had its
 * own `retry` field kept the list only in the `detail` shown to people (`detail.retry`); such a
 * ledger still folds as it did then. `undefined` for a request that is not an escalation.
 */
export function escalationRetryOf(request: DecisionRequest): EscalationRetry | undefined {
  if (request.kind !== 'escalation') return undefined;
  if (request.retry !== undefined) return request.retry;
  const legacy = (request.detail as { retry?: unknown } | null | undefined)?.retry;
  return { instances: Array.isArray(legacy) ? legacy.filter((key): key is string => typeof key === 'string') : [] };
}

/**
 * A recorded request as the conductor writes it today: an escalation from an older ledger gains
 * the `retry` field its `detail` implied. Replay compares recorded decisions in this form, so old
 * ledgers replay as they always did.
 * @example upgradeDecisionRequest({ id: 'escalation:a', kind: 'escalation', step: 'a', phase: 'main', reason: 'r', detail: { retry: ['a'] } }).retry // { instances: ['a'] }
 */
export function upgradeDecisionRequest(request: DecisionRequest): DecisionRequest {
  const retry = escalationRetryOf(request);
  return retry === undefined || request.retry !== undefined ? request : { ...request, retry };
}
