import type { AttemptHold, LimitName } from './events.js';
import { agentModel } from './agent-worst-case.js';
import { llmTokenBounds } from './llm-worst-case.js';
import type { ZodPackage } from './deferred-packages.js';
import { planSchemas, type PlanCapability } from './plan/schema.js';

/**
 * Provider limits: how much of a provider every run in the store may use at once
 * (`concurrent` calls in flight), and per minute (`requests_per_minute`, `tokens_per_minute`).
 * A workspace registry declares them per limit key (`limits: { openai: {...} }`); an `llm` or
 * `agent` capability draws on the key its `limit:` names, else on its `provider`.
 */

/** How long a request and its tokens count against a per-minute limit after the call ends. */
export const LIMIT_WINDOW_MS = 60_000;

/** The names of the three limits, as a registry writes them. */
export const LIMIT_NAMES = [
  'concurrent',
  'requests_per_minute',
  'tokens_per_minute',
] as const satisfies readonly LimitName[];

/**
 * The schemas of a registry's `limits:` (one key's limits, and the map of them), for the
 * workspace registry's (workspace-registry.ts), built on first use.
 */
export function buildProviderLimitSchemas(z: ZodPackage['z']) {
  const { LimitKey } = planSchemas();
  const PositiveCount = (what: string) =>
    z.int(`${what} is a whole number, at least 1`).min(1, `${what} is a whole number, at least 1`);

  /** One key's limits; at least one of them. */
  const ProviderLimit = z
    .looseObject({
      concurrent: PositiveCount('concurrent (calls in flight at once)').optional(),
      requests_per_minute: PositiveCount('requests_per_minute').optional(),
      tokens_per_minute: PositiveCount('tokens_per_minute').optional(),
    })
    .superRefine((limit, context) => {
      const unknown = Object.keys(limit).filter((key) => !(LIMIT_NAMES as readonly string[]).includes(key));
      for (const key of unknown)
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown limit "${key}": a limit key takes ${LIMIT_NAMES.join(', ')}`,
        });
      if (unknown.length === 0 && LIMIT_NAMES.every((name) => limit[name] === undefined))
        context.addIssue({ code: 'custom', path: [], message: `give at least one of ${LIMIT_NAMES.join(', ')}` });
    });
  const ProviderLimits = z.record(LimitKey, ProviderLimit);

  return { ProviderLimit, ProviderLimits };
}

export type ProviderLimit = Partial<Record<LimitName, number>>;

export type ProviderLimits = Record<string, ProviderLimit>;

/** The limit key a capability draws on: `limit:`, else its provider; undefined for kinds that call no model. */
export function limitKeyOf(capability: PlanCapability): string | undefined {
  if (capability.kind !== 'llm' && capability.kind !== 'agent') return undefined;
  return capability.limit ?? capability.provider;
}

/**
 * The tokens one model call of a capability reserves: its `max_input_tokens` plus
 * `max_output_tokens`. The runner refuses a longer prompt and caps the answer, so the reserve
 * holds; the usage the provider reports replaces it when the call ends.
 */
export function reservedTokens(capability: PlanCapability): number {
  if (capability.kind !== 'llm' && capability.kind !== 'agent') return 0;
  const { maxInputTokens, maxOutputTokens } = llmTokenBounds(
    capability.kind === 'agent' ? agentModel(capability) : capability,
  );
  return maxInputTokens + maxOutputTokens;
}

/** One lease as the admission rule weighs it (times in ms since the epoch). */
export interface LeaseUse {
  acquiredAt: number;
  /** Until when a holder that never releases (it crashed) still counts as in flight. */
  expiresAt: number;
  releasedAt: number | null;
  /** Reserved while held; what the provider reported once released. */
  tokens: number;
}

/** Whether a call may start now, and if not which limit holds it and when to look again. */
export type LeaseVerdict =
  | { admitted: true }
  | { admitted: false; limit: LimitName; retryAt: number }
  /** The call alone needs more than the limit allows in a window: waiting would never help. */
  | { admitted: false; limit: LimitName; never: true };

/**
 * When a lease stops counting against a per-minute limit: a window after its call ended (after
 * its expiry for a holder that never said). Counting from the end rather than from the start
 * is what makes the limit hold as the provider measures it: two calls that count together
 * could have reached the provider within one window whatever their latency, and two that do not
 * cannot.
 */
function countsUntil(lease: LeaseUse, windowMs: number): number {
  return (lease.releasedAt ?? lease.expiresAt) + windowMs;
}

/**
 * The admission rule, pure so that every store applies the same one inside its own atomic
 * section: a call of `tokens` may start at `now` when it keeps the key's calls in flight under
 * `concurrent` and, counting every lease whose window is not over, its requests under
 * `requests_per_minute` and its tokens (reserved, or reported) under `tokens_per_minute`.
 * When held, `retryAt` is the earliest moment that limit could let it through (a release may
 * come sooner); with several limits full, the one that frees last is named.
 * @example
 * admitLease({ tokens_per_minute: 1000 }, [{ acquiredAt: 0, expiresAt: 60_000, releasedAt: 500, tokens: 800 }], { tokens: 300, now: 1000, windowMs: 60_000 })
 * // { admitted: false, limit: 'tokens_per_minute', retryAt: 60_500 }
 */
export function admitLease(
  limit: ProviderLimit,
  leases: readonly LeaseUse[],
  request: { tokens: number; now: number; windowMs: number },
): LeaseVerdict {
  const { tokens, now, windowMs } = request;
  if (limit.tokens_per_minute !== undefined && tokens > limit.tokens_per_minute)
    return { admitted: false, limit: 'tokens_per_minute', never: true };
  const held: { limit: LimitName; retryAt: number }[] = [];
  if (limit.concurrent !== undefined) {
    const live = leases.filter((lease) => lease.releasedAt === null && lease.expiresAt > now);
    if (live.length >= limit.concurrent)
      held.push({ limit: 'concurrent', retryAt: Math.min(...live.map((lease) => lease.expiresAt)) });
  }
  const counted = leases
    .map((lease) => ({ until: countsUntil(lease, windowMs), tokens: lease.tokens }))
    .filter((lease) => lease.until > now)
    .sort((a, b) => a.until - b.until);
  const rpm = limit.requests_per_minute;
  if (rpm !== undefined && counted.length >= rpm)
    held.push({ limit: 'requests_per_minute', retryAt: (counted[counted.length - rpm] as { until: number }).until });
  const tpm = limit.tokens_per_minute;
  if (tpm !== undefined) {
    let used = counted.reduce((sum, lease) => sum + lease.tokens, 0);
    if (used + tokens > tpm) {
      let retryAt = now;
      for (const lease of counted) {
        used -= lease.tokens;
        retryAt = lease.until;
        if (used + tokens <= tpm) break;
      }
      held.push({ limit: 'tokens_per_minute', retryAt });
    }
  }
  if (held.length === 0) return { admitted: true };
  const last = held.reduce((a, b) => (b.retryAt > a.retryAt ? b : a));
  return { admitted: false, ...last };
}

/** A key's load now: calls in flight, and the requests and tokens counting in its window. */
export interface LimitLoad {
  inFlight: number;
  requests: number;
  tokens: number;
}

/**
 * What a key's leases weigh at `now`, as `admitLease` counts them.
 * @example
 * limitLoad(leases, Date.now(), LIMIT_WINDOW_MS) // { inFlight: 2, requests: 40, tokens: 51_200 }
 */
export function limitLoad(leases: readonly LeaseUse[], now: number, windowMs: number): LimitLoad {
  const counted = leases.filter((lease) => countsUntil(lease, windowMs) > now);
  return {
    inFlight: leases.filter((lease) => lease.releasedAt === null && lease.expiresAt > now).length,
    requests: counted.length,
    tokens: counted.reduce((sum, lease) => sum + lease.tokens, 0),
  };
}

/**
 * Each key's load from every lease in the store, keys with nothing counting left out.
 * @example
 * limitLoads([{ key: 'openai', ...lease }], now, LIMIT_WINDOW_MS) // { openai: { inFlight: 1, requests: 1, tokens: 12_096 } }
 */
export function limitLoads(
  leases: readonly (LeaseUse & { key: string })[],
  now: number,
  windowMs: number,
): Record<string, LimitLoad> {
  const byKey = new Map<string, LeaseUse[]>();
  for (const lease of leases) byKey.set(lease.key, [...(byKey.get(lease.key) ?? []), lease]);
  const loads: Record<string, LimitLoad> = {};
  for (const [key, keyLeases] of byKey) {
    const load = limitLoad(keyLeases, now, windowMs);
    if (load.inFlight > 0 || load.requests > 0) loads[key] = load;
  }
  return loads;
}

/**
 * Whether a lease can be forgotten: it counts for nothing any more. Stores delete these so a
 * key's table stays the size of a window's traffic.
 */
export function leaseIsSpent(lease: LeaseUse, now: number, windowMs: number): boolean {
  return countsUntil(lease, windowMs) <= now && (lease.releasedAt !== null || lease.expiresAt <= now);
}

/**
 * A workspace registry's limit issues beyond their shape: a capability whose one call reserves
 * more tokens than its key allows in a window could never run.
 */
export function limitIssues(
  limits: ProviderLimits,
  capabilities: Record<string, PlanCapability>,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [id, capability] of Object.entries(capabilities)) {
    const key = limitKeyOf(capability);
    const tpm = key === undefined ? undefined : limits[key]?.tokens_per_minute;
    if (tpm === undefined) continue;
    const reserve = reservedTokens(capability);
    if (reserve > tpm)
      issues.push({
        path: ['capabilities', id],
        message: `one call reserves ${reserve} tokens (max_input_tokens + max_output_tokens), over limits.${key}.tokens_per_minute (${tpm}): lower the bounds or raise the limit`,
      });
  }
  return issues;
}

/**
 * A hold in a few words, as `baton status`, `baton log` and the routing log show it.
 * @example
 * describeHold({ key: 'openai', limit: 'tokens_per_minute', since, until, admitted: true })
 * // 'held 12.5 s by limits.openai.tokens_per_minute'
 */
export function describeHold(hold: AttemptHold): string {
  const seconds = Math.max(0, Date.parse(hold.until) - Date.parse(hold.since)) / 1000;
  return `held ${seconds.toFixed(1)} s by limits.${hold.key}.${hold.limit}${hold.admitted ? '' : ' (the attempt ended while held)'}`;
}
