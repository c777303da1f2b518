import type { AttemptHold, BatonEvent, ToolCallRecord } from './events.js';

/** An attempt's outcome as the ledger keeps it. */
type AttemptOutcome = Extract<BatonEvent, { type: 'attempt.succeeded' | 'attempt.failed' }>;

/**
 * An attempt's outcome as an executor reports it (to its engine, or through the work queue): with
 * the provider-limit holds its model calls waited through and the tool calls it made, which the
 * ledger keeps as events of their own, not in the outcome.
 */
export type ReportedOutcome = AttemptOutcome & { holds?: AttemptHold[]; toolCalls?: ToolCallRecord[] };

/**
 * A reported signal as the events the ledger records for it: an outcome's holds as
 * `attempt.held` events and its tool calls as `attempt.tool_called` events, each in the order
 * they happened, then the outcome without them; any other signal as it is. Appended together,
 * so a hold or a tool call is in the ledger exactly when its attempt's outcome is.
 * @example
 * outcomeEvents({ type: 'attempt.succeeded', data, toolCalls: [call] })
 * // [{ type: 'attempt.tool_called', data: { attemptId, ...call } }, { type: 'attempt.succeeded', data }]
 */
export function outcomeEvents(signal: BatonEvent | ReportedOutcome): BatonEvent[] {
  if (!('toolCalls' in signal) && !('holds' in signal)) return [signal];
  const { toolCalls, holds, ...outcome } = signal as ReportedOutcome;
  const attemptId = outcome.data.attemptId;
  return [
    ...(holds ?? []).map((hold): BatonEvent => ({ type: 'attempt.held', data: { attemptId, ...hold } })),
    ...(toolCalls ?? []).map((call): BatonEvent => ({ type: 'attempt.tool_called', data: { attemptId, ...call } })),
    outcome,
  ];
}
