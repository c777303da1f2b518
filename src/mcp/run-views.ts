import type { z } from 'zod';
import { BatonError, ErrorCode, type BatonEvent, type LedgerEvent, type Plan } from '../core/index.js';
import { summarize, type Baton, type PlanSource, type RunHandle, type RunResult } from '../engine/index.js';
import { pendingWithAnswers, summarizeEvidence } from '../ledger/index.js';
import type { Recorded, RunOutcome } from './schemas.js';
import { requireScope, Scope } from './scopes.js';
import type { McpSession } from './session.js';

const DEFAULT_WAIT_SECONDS = 10;

/** A run's events once its chain verifies: no view is ever shown from a tampered ledger. */
export async function verifiedEvents(baton: Baton, runId: string): Promise<LedgerEvent[]> {
  const verdict = await baton.verify(runId);
  if (!verdict.ok)
    throw new BatonError(
      ErrorCode.integrity,
      `the ledger of run "${runId}" fails verification at seq ${verdict.seq}: ${verdict.reason}`,
    );
  return baton.events(runId);
}

/**
 * Where a tool's plan comes from: exactly one of `plan` (data), `source` (YAML or JSON text)
 * or `file` (a path on the server). Reading the server's disk needs `operate` even for a dry
 * run: what a plan error quotes of a file would otherwise show a read-only client any file
 * the server can read.
 */
export function planSource(
  session: McpSession,
  given: { plan?: Record<string, unknown> | undefined; source?: string | undefined; file?: string | undefined },
): PlanSource {
  const ways = (['plan', 'source', 'file'] as const).filter((key) => given[key] !== undefined);
  if (ways.length !== 1) {
    const got = ways.length === 0 ? 'none was given' : `got ${ways.join(' and ')}`;
    throw new BatonError(
      ErrorCode.badInput,
      `give the plan one way: \`plan\` (a JSON object), \`source\` (YAML or JSON text) or \`file\` (a path on the server); ${got}`,
    );
  }
  if (given.plan !== undefined) return { data: given.plan };
  if (given.source !== undefined) return { text: given.source, name: 'source' };
  requireScope(
    session.scopes,
    Scope.operate,
    "reading a plan file from the server's disk (give the plan as `plan` or `source` instead)",
  );
  return { file: given.file as string };
}

/** The plan a tool was given (see `planSource`), validated. */
export async function planArgument(
  session: McpSession,
  given: { plan?: Record<string, unknown> | undefined; source?: string | undefined; file?: string | undefined },
): Promise<Plan> {
  const source = planSource(session, given);
  const { baton } = session;
  if ('file' in source) return baton.loadPlan(source.file);
  if ('text' in source) return baton.parsePlan(source.text, source.name);
  return baton.validate(source.data);
}

/**
 * Where a run is: its result when it settled within `waitSeconds`, else as it stands (it goes on
 * in this process). While it waits, the partial output of the run's streamed model answers goes
 * to `progress` (throttled and redacted as on every surface: see `Baton.onPartialOutput`) as
 * `step attemptId: text so far`; nothing of it is recorded.
 */
export async function awaitOutcome(
  baton: Baton,
  handle: RunHandle,
  waitSeconds = DEFAULT_WAIT_SECONDS,
  progress?: (message: string) => void,
): Promise<z.output<typeof RunOutcome>> {
  const stopPartials =
    progress === undefined
      ? undefined
      : baton.onPartialOutput((partial) => {
          if (partial.runId === handle.runId) progress(`${partial.step} ${partial.attemptId}: ${partial.text}`);
        });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitSeconds * 1000);
    timer.unref();
  });
  const result = await Promise.race([handle.result(), timeout]).finally(() => stopPartials?.());
  clearTimeout(timer);
  const settled: RunResult = result ?? summarize(handle.state);
  const { correlationId } = handle.state;
  return {
    runId: handle.runId,
    ...(correlationId !== undefined && { correlationId }),
    status: settled.status,
    settled: result !== null,
    succeeded: settled.succeeded,
    skipped: settled.skipped,
    failed: settled.failed,
    failure: settled.failure,
    outputs: settled.outputs,
    pending: pendingWithAnswers(handle.runId, settled.pending, handle.state),
    budget: {
      limitUsd: settled.budget.limitUsd,
      spentUsd: settled.budget.spentUsd,
      reservedUsd: settled.budget.reservedUsd,
    },
  };
}

export function outcomeSummary(outcome: z.output<typeof RunOutcome>): string {
  if (!outcome.settled)
    return `run ${outcome.runId} is ${outcome.status} (still conducted by this server; follow it with get_run_state)`;
  if (outcome.status === 'waiting')
    return `run ${outcome.runId} waits for ${outcome.pending.map((p) => p.id).join(', ')}; answer, then call resume`;
  if (outcome.status === 'paused') return `run ${outcome.runId} is paused; resume lifts the pause`;
  return `run ${outcome.runId} ${outcome.status}${outcome.failure ? `: ${outcome.failure}` : ''} (${outcome.succeeded} steps done, ${outcome.skipped} skipped, ${outcome.failed} failed)`;
}

/** One line saying what an appended event records. */
export function describeEvent(event: BatonEvent): string {
  switch (event.type) {
    case 'decision.made': {
      const { id, verdict, by, comment, evidence } = event.data;
      return `${id} ${verdict} by ${by}${comment ? `: "${comment}"` : ''}${evidence ? ` (${summarizeEvidence(evidence)})` : ''}`;
    }
    case 'attempt.succeeded':
      return `the result of ${event.data.attemptId} submitted by ${event.data.by ?? 'a person'}`;
    case 'signal.received':
      return `signal "${event.data.name}" from ${event.data.by}`;
    case 'run.paused':
      return `pause by ${event.data.by} (running attempts finish; nothing new starts until resume)`;
    case 'run.abort_requested':
      return `abort by ${event.data.by}: "${event.data.reason}" (running attempts stop; completed steps are compensated, newest first)`;
    case 'agent.status_reported': {
      const { agent, step, phase, status, note } = event.data;
      return `${agent} is ${status} on ${step !== null ? `step "${step}"` : `phase "${phase}"`}${note ? `: ${note}` : ''}`;
    }
    case 'agent.routed':
      return `${event.data.agent} routed step "${event.data.step}" to ${event.data.to}: ${event.data.reason}`;
    default:
      return event.type;
  }
}

export function recorded(runId: string, event: BatonEvent): z.output<typeof Recorded> {
  return {
    runId,
    event: { type: event.type, data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown> },
    summary: describeEvent(event),
  };
}
