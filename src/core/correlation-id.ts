import { BatonError, ErrorCode } from './errors.js';

/**
 * A run's correlation id is a W3C trace id: 32 lowercase hex digits, not all zeros (the W3C
 * "invalid" trace id). Being a trace id, it is also the OpenTelemetry trace of the run's spans
 * and the `traceparent` its capabilities are called with, so one id finds the run everywhere.
 */
const TRACE_ID = /^[0-9a-f]{32}$/;
const INVALID_TRACE_ID = '0'.repeat(32);

/** Whether `value` may be a run's correlation id. */
export function isCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value) && value !== INVALID_TRACE_ID;
}

/**
 * Throws a bad-input BatonError naming `where` unless `value` is a correlation id.
 * @example
 * checkCorrelationId('4bf92f3577b34da6a3ce929d0e0e4736', '--correlation-id');
 */
export function checkCorrelationId(value: unknown, where = 'correlationId'): string {
  if (isCorrelationId(value)) return value;
  throw new BatonError(
    ErrorCode.badInput,
    `${where}: ${JSON.stringify(value)} is not a correlation id; expected a W3C trace id, 32 lowercase hex digits, not all zeros (e.g. 4bf92f3577b34da6a3ce929d0e0e4736)`,
  );
}

/** The parts of a W3C `traceparent` header (version 00). */
export interface Traceparent {
  traceId: string;
  spanId: string;
  flags: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Reads a W3C `traceparent` header (`00-<trace id>-<span id>-<flags>`); a malformed one throws
 * a bad-input BatonError that says what a valid one looks like.
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01').traceId;
 */
export function parseTraceparent(header: string, where = 'traceparent'): Traceparent {
  const match = TRACEPARENT.exec(header.trim());
  if (!match || !isCorrelationId(match[1]) || match[2] === '0'.repeat(16)) {
    throw new BatonError(
      ErrorCode.badInput,
      `${where}: ${JSON.stringify(header)} is not a W3C traceparent; expected 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>, lowercase, ids not all zeros (e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01)`,
    );
  }
  return { traceId: match[1], spanId: match[2] as string, flags: Number.parseInt(match[3] as string, 16) };
}

/**
 * The trace id of a `traceparent`, or undefined when it is absent or malformed: for log lines,
 * which name the trace when they can and never refuse anything.
 * @example
 * traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'); // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  if (traceparent === undefined) return undefined;
  try {
    return parseTraceparent(traceparent).traceId;
  } catch {
    return undefined;
  }
}
