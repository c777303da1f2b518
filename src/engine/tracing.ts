import { randomBytes } from 'node:crypto';
import type * as OtelApiModule from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import { isCorrelationId } from '../core/index.js';
import type { WorkItem, WorkOutcome } from '../store/index.js';

/**
 * OpenTelemetry spans for runs and attempts, through `@opentelemetry/api` only: without an SDK
 * registered by the embedding application every call here is a no-op. A run's correlation id
 * is its trace id, set through a remote parent span context, so the spans of every process
 * that works on the run (the engine, workers) land in one trace whatever their parent.
 */
type OtelApi = typeof OtelApiModule;

let otel: OtelApi | undefined;
let loading: Promise<OtelApi> | undefined;

/**
 * Loads `@opentelemetry/api` the first time a run or an attempt is about to start a span, not
 * when the library is imported: a process that only reads the ledger (`baton status`, a library
 * user listing runs) never pays for it (about 7 MB of RSS and 25 ms of CPU at import).
 * Awaited by `RunDriver.drive` and `Executor.execute` before anything below is called.
 * @example await loadTracing(); startRunSpan(runId, correlationId);
 */
export async function loadTracing(): Promise<void> {
  if (otel) return;
  loading ??= import('@opentelemetry/api');
  otel = await loading;
}

function api(): OtelApi {
  if (!otel) throw new Error('tracing was used before loadTracing() resolved');
  return otel;
}

const tracer = () => api().trace.getTracer('baton');

/** A new correlation id: a random W3C trace id (the engine's, never the pure core's). */
export function newCorrelationId(): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (isCorrelationId(id)) return id; // all zeros is invalid; 1 in 2^128
  }
}

/**
 * The context a run's spans start under: a remote parent whose trace id is the correlation id.
 * Its span id is made here, per process, because the ledger keeps only the trace id. No id
 * (a run created before they were recorded): the active context, a trace of its own.
 */
export function runTraceContext(correlationId: string | undefined): Context {
  const { context, trace, TraceFlags } = api();
  const active = context.active();
  if (correlationId === undefined) return active;
  return trace.setSpanContext(active, {
    traceId: correlationId,
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** Starts the `baton.run` span of a run this process drives; end it with `span.end()`. */
export function startRunSpan(runId: string, correlationId: string | undefined): { span: Span; context: Context } {
  const { trace, SpanKind } = api();
  const parent = runTraceContext(correlationId);
  const span = tracer().startSpan(
    'baton.run',
    { kind: SpanKind.INTERNAL, attributes: { 'baton.run_id': runId } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Starts the `baton.attempt` span of one attempt under its run's context. */
export function startAttemptSpan(item: WorkItem, parent: Context): Span {
  const { SpanKind } = api();
  return tracer().startSpan(
    'baton.attempt',
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'baton.run_id': item.runId,
        'baton.step': item.step,
        'baton.attempt_id': item.attemptId,
        'baton.capability': item.capability,
      },
    },
    parent,
  );
}

/** Records an attempt's outcome on its span and ends it. */
export function endAttemptSpan(span: Span, outcome: WorkOutcome): void {
  if (outcome.type === 'attempt.succeeded') {
    span.setAttribute('baton.outcome', 'succeeded');
  } else {
    span.setAttribute('baton.outcome', 'failed');
    span.setAttribute('baton.error_type', outcome.data.error.type);
    span.setStatus({ code: api().SpanStatusCode.ERROR, message: outcome.data.error.type });
  }
  span.end();
}

/**
 * The W3C `traceparent` a capability is called with: the attempt span's ids, which without an
 * SDK are those of the run's remote parent, so the trace id is always the correlation id.
 */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}
