import { randomUUID } from 'node:crypto';
import { LIMIT_WINDOW_MS, type AttemptHold, type LimitName, type ProviderLimits } from '../core/index.js';
import { CapabilityFailure, type ProviderLimitGate } from '../capabilities/index.js';
import type { ProviderLeases } from '../store/index.js';

/**
 * How often a held call asks the store again when nothing in this process woke it: a release
 * in another process (a worker on another machine) is seen within this.
 */
const POLL_MS = 200;

/**
 * How long a lease counts as in flight without renewal. A holder renews it every third of it
 * while its call runs, so only a holder that died lets it lapse, and its slot comes back then.
 */
const LEASE_TTL_MS = 30_000;

/** Where an engine or worker takes its provider leases, and (benchmarks only) a shorter window. */
export interface ProviderLimitOptions {
  leases: ProviderLeases;
  /** How long a call counts against per-minute limits after it ends; default one minute. */
  windowMs?: number;
}

/**
 * Wakes the calls this process holds back when one of its leases is released, so a freed slot
 * is taken at once rather than at the next poll.
 */
export class LeaseReleases {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next release, after `ms`, or when `signal` aborts, whichever is first. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * One attempt's gate to its run's provider limits: each model call takes a lease on its limit
 * key before it starts, waiting (and polling) while a limit holds it, and releases it with the
 * tokens it used. The waits are kept as the attempt's holds, which the executor reports with
 * its outcome (`attempt.held` events).
 */
export class AttemptLimitGate implements ProviderLimitGate {
  readonly holds: AttemptHold[] = [];

  constructor(
    private readonly options: ProviderLimitOptions & {
      limits: ProviderLimits;
      holder: string;
      signal: AbortSignal;
      releases: LeaseReleases;
      now(): number;
    },
  ) {}

  async admit(key: string, reservedTokens: number): Promise<(usedTokens: number | undefined) => Promise<void>> {
    const { leases, limits, holder, signal, releases, now } = this.options;
    const limit = limits[key];
    if (limit === undefined) return async () => {};
    const id = randomUUID();
    const windowMs = this.options.windowMs ?? LIMIT_WINDOW_MS;
    let held: { since: number; limit: LimitName } | undefined;
    for (;;) {
      if (signal.aborted) {
        if (held) this.recordHold(key, held, false);
        throw new Error(`held by limits.${key}.${held?.limit ?? 'concurrent'} until the attempt ended`);
      }
      const at = now();
      const verdict = await leases.acquireProviderLease({
        id,
        key,
        holder,
        tokens: reservedTokens,
        limit,
        now: at,
        expiresAt: at + LEASE_TTL_MS,
        windowMs,
      });
      if (verdict.admitted) break;
      if ('never' in verdict)
        throw new CapabilityFailure({
          type: 'limit_exceeded',
          message: `one model call reserves ${reservedTokens} tokens (max_input_tokens + max_output_tokens), over limits.${key}.tokens_per_minute (${limit.tokens_per_minute}): it could never start; lower the bounds or raise the limit`,
          retryable: false,
        });
      held ??= { since: at, limit: verdict.limit };
      await releases.wait(Math.min(verdict.retryAt - at, POLL_MS), signal);
    }
    if (held) this.recordHold(key, held, true);
    const renewal = setInterval(() => {
      leases.renewProviderLease(id, now() + LEASE_TTL_MS).catch(() => undefined);
    }, LEASE_TTL_MS / 3);
    renewal.unref();
    let released = false;
    return async (usedTokens) => {
      if (released) return;
      released = true;
      clearInterval(renewal);
      // A release that fails never fails the call: the lease lapses at its expiry instead.
      await leases
        .releaseProviderLease({ id, tokens: usedTokens ?? reservedTokens, now: now() })
        .catch(() => undefined);
      releases.notify();
    };
  }

  private recordHold(key: string, held: { since: number; limit: LimitName }, admitted: boolean): void {
    this.holds.push({
      key,
      limit: held.limit,
      since: new Date(held.since).toISOString(),
      until: new Date(this.options.now()).toISOString(),
      admitted,
    });
  }
}
