import { BatonError, ErrorCode } from '../core/index.js';
import type { Store } from '../store/index.js';

/** Where the shared store is, from `--db` or BATON_DATABASE_URL; undefined means the workspace's SQLite file. */
export function databaseUrl(explicit: string | undefined): string | undefined {
  const url = explicit || process.env.BATON_DATABASE_URL || undefined;
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new BatonError(
      ErrorCode.badInput,
      `--db expects a PostgreSQL URL like postgres://user@host:5432/baton, got "${redactUrl(url)}"`,
    );
  }
  return url;
}

/** A URL fit for a message or a log: the password, if any, is never shown. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/**
 * Opens the PostgreSQL store, saying what went wrong in the user's terms when it cannot
 * (an unreachable server is an environment problem, exit 3; a bad schema name is bad input).
 */
export async function openPostgres(url: string, schema: string | undefined): Promise<Store> {
  try {
    // Loaded here, not at start-up: a command on the embedded store never needs the pg driver.
    const { PostgresStore } = await import('../store/postgres/index.js');
    return await PostgresStore.connect(url, { ...(schema && { schema }) });
  } catch (error) {
    if (error instanceof BatonError) throw error;
    const reason = (error as Error).message || (error as NodeJS.ErrnoException).code || String(error);
    throw new BatonError(ErrorCode.internal, `cannot use the PostgreSQL database at ${redactUrl(url)}: ${reason}`);
  }
}

/** BATON_PAYLOAD_THRESHOLD_BYTES: above this size, payloads are stored apart from their events (default 16384). */
export function payloadThresholdFromEnvironment(): number | undefined {
  const raw = process.env.BATON_PAYLOAD_THRESHOLD_BYTES;
  if (raw === undefined || raw === '') return undefined;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < 1_024)
    throw new BatonError(
      ErrorCode.badInput,
      `BATON_PAYLOAD_THRESHOLD_BYTES must be a whole number of bytes, at least 1024 (got "${raw}")`,
    );
  return bytes;
}

/** BATON_LEASE_MS: how long conductor locks and work leases last without renewal (a tuning knob, default 15000). */
export function leaseFromEnvironment(): number | undefined {
  const raw = process.env.BATON_LEASE_MS;
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 300)
    throw new BatonError(
      ErrorCode.badInput,
      `BATON_LEASE_MS must be a whole number of milliseconds, at least 300 (got "${raw}")`,
    );
  return ms;
}
