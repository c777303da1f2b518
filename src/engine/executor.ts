import type { Context, Span } from '@opentelemetry/api';
import {
  declaredSecrets,
  stepScope,
  stepToolsOf,
  type JsonObject,
  type AttemptHold,
  type Plan,
  type ProviderLimits,
  type StepError,
  type TokenUsage,
  type ToolCallRecord,
} from '../core/index.js';
import { AbortReason, CapabilityFailure, type CapabilityRunner } from '../capabilities/index.js';
import type { WorkItem, WorkKey, WorkOutcome } from '../store/index.js';
import { AttemptScratch, type ArtifactStore } from './artifacts/index.js';
import { redact, secretNames, secretValues, type Secret } from './secrets/index.js';
import { setLongTimeout } from './long-timeout.js';
import { PartialThrottle } from './partial-throttle.js';
import { AttemptLimitGate, KeyTurns, LeaseReleases, type ProviderLimitOptions } from './provider-gate.js';
import { endAttemptSpan, loadTracing, runTraceContext, startAttemptSpan, traceparentOf } from './tracing.js';

/**
 * What an attempt needs from its run: the plan revision it was dispatched under, the run's
 * inputs, the provider limits it was admitted under (`run.created`), if any, and its
 * correlation id (absent for runs created before it was recorded).
 */
export interface RunContext {
  plan: Plan;
  inputs: JsonObject;
  limits?: ProviderLimits | undefined;
  correlationId?: string | undefined;
  /** The OpenTelemetry context attempt spans start under (the run's span where this process drives it). */
  trace?: Context | undefined;
}

/** How attempts are run, by an engine's executor or a worker's alike: the options both pass through. */
export interface ExecutionOptions {
  /** Attempts running at once; the rest wait in claim order. */
  concurrency: number;
  runnerFor(capabilityId: string, plan: Plan): CapabilityRunner | undefined;
  /** Where attempts' artifacts are stored; each attempt gets its own directory under it. */
  artifacts: ArtifactStore;
  now(): number;
  /** Where model calls take their provider leases; absent: runs' `limits` are not enforced here (tests of other parts). */
  providerLimits?: ProviderLimitOptions;
}

export interface ExecutorOptions extends ExecutionOptions {
  /** The run an item belongs to (a worker serves many runs). */
  runOf(item: WorkItem): RunContext | Promise<RunContext>;
  /** Called with `attempt.succeeded` / `attempt.failed` once an attempt ends (never for a dropped one). */
  report(item: WorkItem, outcome: WorkOutcome): void;
  /**
   * Called with an attempt's output so far while it runs (a streamed answer): throttled
   * (PartialThrottle), redacted like outcomes, never after the attempt's outcome. Absent: the
   * capabilities are not offered the channel.
   */
  partial?(item: WorkItem, text: string): void;
}

/** Attempt ids are unique within a run only. */
function keyOf(item: WorkKey): string {
  return `${item.runId}\u0000${item.attemptId}`;
}

interface Running {
  item: WorkItem;
  controller: AbortController;
  /** Set when the engine stops listening: the outcome is dropped, not reported. */
  dropped: boolean;
}

/** The tokens an attempt reported, as the optional `usage` of its outcome: absent for attempts that called no model. */
function usageOf(files: AttemptScratch): { usage?: TokenUsage } {
  const usage = files.usage();
  return usage === undefined ? {} : { usage };
}

/** The tool calls an attempt reported, as the optional `toolCalls` of its outcome (written as events of their own). */
function toolCallsOf(files: AttemptScratch): { toolCalls?: ToolCallRecord[] } {
  const calls = files.toolCalls();
  return calls.length === 0 ? {} : { toolCalls: [...calls] };
}

/** The waits for provider limits an attempt's model calls went through, as the optional `holds` of its outcome. */
function holdsOf(gate: AttemptLimitGate | undefined): { holds?: AttemptHold[] } {
  return gate === undefined || gate.holds.length === 0 ? {} : { holds: [...gate.holds] };
}

function describeTimeout(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Runs claimed work on capabilities with a concurrency limit, a timeout per attempt and an
 * AbortSignal for cancellation. It only reports outcomes; the engine records them and the
 * conductor decides what they mean.
 */
export class Executor {
  private readonly waiting: WorkItem[] = [];
  private readonly running = new Map<string, Running>();
  private idleWaiters: (() => void)[] = [];
  /** The variables the secret patterns name, as the process was when this executor started. */
  private readonly secretNames = secretNames(process.env);
  /** Wakes this executor's attempts held by a provider limit when one of its leases is released. */
  private readonly leaseReleases = new LeaseReleases();
  /** This executor's model calls on each limit key, in the order they asked. */
  private readonly keyTurns = new KeyTurns();

  constructor(private readonly options: ExecutorOptions) {}

  get active(): number {
    return this.running.size + this.waiting.length;
  }

  submit(item: WorkItem): void {
    this.waiting.push(item);
    this.pump();
  }

  /** Aborts an attempt (killing its process group) or drops it if it has not started. */
  cancel(work: WorkKey, reason: AbortReason = AbortReason.cancelled): void {
    const index = this.waiting.findIndex((item) => item.runId === work.runId && item.attemptId === work.attemptId);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      this.notifyIdle();
      return;
    }
    this.running.get(keyOf(work))?.controller.abort(reason);
  }

  /** The items held, waiting or running. */
  held(): WorkItem[] {
    return [...this.waiting, ...[...this.running.values()].map((running) => running.item)];
  }

  /**
   * Stops without reporting and hands back what had not finished: used by a worker that stops
   * (its items go back to the queue) and an engine that shuts down (the ledger must not change).
   */
  async shutdown(): Promise<WorkItem[]> {
    const unfinished = this.held();
    this.waiting.length = 0;
    for (const running of this.running.values()) {
      running.dropped = true;
      running.controller.abort(AbortReason.shutdown);
    }
    await this.idle();
    return unfinished;
  }

  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.active !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const item = this.waiting.shift() as WorkItem;
      const running: Running = { item, controller: new AbortController(), dropped: false };
      this.running.set(keyOf(item), running);
      void this.execute(running);
    }
  }

  private async execute(running: Running): Promise<void> {
    const { item, controller } = running;
    const started = this.options.now();
    const files = new AttemptScratch(this.options.artifacts, item.runId, item.attemptId);
    const timer =
      item.timeoutMs === null ? undefined : setLongTimeout(() => controller.abort(AbortReason.timeout), item.timeoutMs);
    let outcome: WorkOutcome;
    let costUsd: number | undefined;
    let plan: Plan | undefined;
    let partials: PartialThrottle | undefined;
    let gate: AttemptLimitGate | undefined;
    let span: Span | undefined;
    try {
      await loadTracing(); // runOf may start the run's span
      const run = await this.options.runOf(item);
      plan = run.plan;
      span = startAttemptSpan(item, run.trace ?? runTraceContext(run.correlationId));
      const runner = this.options.runnerFor(item.capability, run.plan);
      if (!runner)
        throw new CapabilityFailure({
          type: 'unavailable',
          message: `capability "${item.capability}" is not available in this process`,
          retryable: false,
        });
      const throttle = this.partialThrottle(running, run.plan);
      partials = throttle;
      gate = this.limitGate(item, run, controller.signal);
      const output = await runner.invoke({
        runId: item.runId,
        step: item.step,
        attemptId: item.attemptId,
        idempotencyKey: item.idempotencyKey,
        input: item.input,
        inputs: run.inputs,
        // From the plan and the step, never from the work item: every process computes the same scope.
        scope: stepScope(run.plan, item.step),
        tools: stepToolsOf(run.plan, item.step, item.attemptId),
        signal: controller.signal,
        files,
        ...(run.correlationId !== undefined && { correlationId: run.correlationId, traceparent: traceparentOf(span) }),
        ...(throttle && { reportPartial: (text: string) => throttle.offer(text) }),
        ...(gate && { limits: gate }),
      });
      const durationMs = this.options.now() - started;
      costUsd = await files.cost();
      // Collected only on success: a failed attempt's files are not the step's work.
      const artifacts = await files.collect(item.step);
      outcome = {
        type: 'attempt.succeeded',
        data: {
          attemptId: item.attemptId,
          output,
          durationMs,
          ...(costUsd !== undefined && { costUsd }),
          ...usageOf(files),
          ...(artifacts.length > 0 && { artifacts }),
        },
        ...holdsOf(gate),
        ...toolCallsOf(files),
      };
    } catch (error) {
      let stepError: StepError =
        error instanceof CapabilityFailure
          ? error.error
          : { type: 'exception', message: error instanceof Error ? error.message : String(error), retryable: true };
      if (stepError.type === 'timeout' && item.timeoutMs !== null)
        stepError = { ...stepError, message: `timed out after ${describeTimeout(item.timeoutMs)}` };
      // What a failed attempt reported it spent still counts; an unreadable report leaves the declared worst case.
      costUsd ??= await files.cost().catch(() => undefined);
      outcome = {
        type: 'attempt.failed',
        data: {
          attemptId: item.attemptId,
          error: stepError,
          durationMs: this.options.now() - started,
          ...(costUsd !== undefined && { costUsd }),
          ...usageOf(files),
        },
        ...holdsOf(gate),
        ...toolCallsOf(files),
      };
    } finally {
      partials?.close(); // before the outcome is reported: no partial follows it
      timer?.cancel();
      await files.remove();
    }
    // The one place between a capability and anything that keeps or shows what it said: the
    // ledger, the work queue, logs and streams all get the outcome from here. The values are
    // read now, from this process's environment, which is what the capability ran with.
    outcome = redact(outcome, secretValues(process.env, this.secretNames, plan && declaredSecrets(plan)));
    if (span) endAttemptSpan(span, outcome);
    this.running.delete(keyOf(item));
    if (!running.dropped) this.options.report(item, outcome);
    this.pump();
    this.notifyIdle();
  }

  /** The attempt's gate to its run's provider limits; undefined when the run has none or this process enforces none. */
  private limitGate(item: WorkItem, run: RunContext, signal: AbortSignal): AttemptLimitGate | undefined {
    const { providerLimits, now } = this.options;
    if (run.limits === undefined || providerLimits === undefined) return undefined;
    return new AttemptLimitGate({
      ...providerLimits,
      limits: run.limits,
      holder: `${item.runId}/${item.attemptId}`,
      signal,
      releases: this.leaseReleases,
      turns: this.keyTurns,
      now,
    });
  }

  /** The attempt's partial-output channel, redacted as its outcome will be; undefined when no one follows. */
  private partialThrottle(running: Running, plan: Plan): PartialThrottle | undefined {
    const { partial } = this.options;
    if (!partial) return undefined;
    let secrets: Secret[] | undefined;
    return new PartialThrottle((text) => {
      if (running.dropped) return;
      secrets ??= secretValues(process.env, this.secretNames, declaredSecrets(plan));
      try {
        partial(running.item, redact(text, secrets));
      } catch {
        // A display that fails never fails the attempt (STYLE.md 10).
      }
    });
  }
}
