import type { BatonEvent, ToolCallRecord } from './events.js';

/** An attempt's outcome as the ledger keeps it. */
type AttemptOutcome = Extract<BatonEvent, { type: 'attempt.succeeded' | 'attempt.failed' }>;

/**
 * An attempt's outcome as an executor reports it (to its engine, or through the work queue): with
 * the tool calls the attempt made, which the ledger keeps as events of their own, not in the outcome.
 */
export type ReportedOutcome = AttemptOutcome & { toolCalls?: ToolCallRecord[] };

/**
 * A reported signal as the events the ledger records for it: an outcome's tool calls, in call
 * order, as `attempt.tool_called` events, then the outcome without them; any other signal as it
 * is. Appended together, so a tool call is in the ledger exactly when its attempt's outcome is.
 * @example
 * toolCallEvents({ type: 'attempt.succeeded', data, toolCalls: [call] })
 * // [{ type: 'attempt.tool_called', data: { attemptId, ...call } }, { type: 'attempt.succeeded', data }]
 */
export function toolCallEvents(signal: BatonEvent | ReportedOutcome): BatonEvent[] {
  if (!('toolCalls' in signal) || signal.toolCalls === undefined) return [signal];
  const { toolCalls, ...outcome } = signal;
  const attemptId = outcome.data.attemptId;
  return [
    ...toolCalls.map((call): BatonEvent => ({ type: 'attempt.tool_called', data: { attemptId, ...call } })),
    outcome,
  ];
}
