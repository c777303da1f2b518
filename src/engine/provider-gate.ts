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
 * Wakes the call this process holds back when one of its leases is released, so a freed slot
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

interface Turn {
  start(): void;
}

/**
 * This process's calls on one limit key, first come first served: only the call at the head
 * asks the store, and the others wait their turn. Without it every held call polled the store,
 * and each slot that freed woke them all into one write transaction each: on SQLite, 1,000 held
 * steps ran at an eighth of the limit's rate. A call that waited behind a held head was held
 * by the same limit, which the head leaves here for it.
 */
export class KeyTurns {
  private readonly queues = new Map<string, Turn[]>();
  private readonly heldBy = new Map<string, { limit: LimitName; count: number }>();

  /** Resolves with the function that passes the turn on, once it is this call's turn; rejects if `signal` aborts first. */
  take(key: string, signal: AbortSignal): Promise<() => void> {
    const queue = this.queues.get(key) ?? [];
    this.queues.set(key, queue);
    return new Promise((resolve, reject) => {
      const passOn = (): void => {
        queue.shift();
        const next = queue[0];
        if (next) next.start();
        else this.queues.delete(key);
      };
      const onAbort = (): void => {
        const at = queue.indexOf(turn);
        if (at <= 0) return; // its turn has come already
        queue.splice(at, 1);
        reject(new Error('aborted while waiting for its turn'));
      };
      const turn: Turn = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(passOn);
        },
      };
      queue.push(turn);
      if (queue.length === 1) turn.start();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The head was held by `limit`. */
  markHeld(key: string, limit: LimitName): void {
    this.heldBy.set(key, { limit, count: (this.heldBy.get(key)?.count ?? 0) + 1 });
  }

  /** How often heads of `key` were held so far, and by what last: compare before and after a wait. */
  holds(key: string): { limit: LimitName; count: number } | undefined {
    return this.heldBy.get(key);
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
      turns: KeyTurns;
      now(): number;
    },
  ) {}

  async admit(key: string, reservedTokens: number): Promise<(usedTokens: number | undefined) => Promise<void>> {
    const { leases, limits, holder, signal, releases, turns, now } = this.options;
    const limit = limits[key];
    if (limit === undefined) return async () => {};
    const id = randomUUID();
    const windowMs = this.options.windowMs ?? LIMIT_WINDOW_MS;
    const asked = now();
    const before = turns.holds(key)?.count ?? 0;
    let held: { since: number; limit: LimitName } | undefined;
    const passOn = await turns.take(key, signal).catch((error: unknown) => {
      const last = turns.holds(key);
      if (last !== undefined && last.count > before) this.recordHold(key, { since: asked, limit: last.limit }, false);
      throw error;
    });
    try {
      // Waited behind a call the limit held: this call was held by it too, from when it asked.
      const last = turns.holds(key);
      if (last !== undefined && last.count > before) held = { since: asked, limit: last.limit };
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
        turns.markHeld(key, verdict.limit);
        await releases.wait(Math.min(verdict.retryAt - at, POLL_MS), signal);
      }
    } finally {
      passOn();
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
