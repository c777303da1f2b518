import type { Pool } from 'pg';
import { admitLease, leaseIsSpent, limitLoads, type LeaseUse, type LimitLoad } from '../../core/index.js';
import type { ProviderLeases } from '../ports/provider-leases.js';
import { prepared } from './prepared.js';
import { withTransaction } from './transaction.js';

/**
 * Serializes acquisitions of one key across every process on the database until the
 * transaction ends. A row lock would need a row per key to exist first; the advisory lock
 * needs none, and a hash collision between two keys only makes them wait for each other.
 */
const LOCK_KEY = `SELECT pg_advisory_xact_lock(hashtextextended('baton.provider_leases.' || current_schema() || '.' || $1, 0))`;
const SELECT_KEY_LEASES = `
  SELECT id, acquired_at, expires_at, released_at, tokens FROM provider_leases WHERE key = $1`;
const SELECT_ALL_LEASES = `SELECT key, acquired_at, expires_at, released_at, tokens FROM provider_leases`;
const DELETE_LEASES = `DELETE FROM provider_leases WHERE id = ANY($1::text[])`;
const INSERT_LEASE = `
  INSERT INTO provider_leases (id, key, holder, acquired_at, expires_at, released_at, tokens)
  VALUES ($1, $2, $3, $4, $5, NULL, $6)`;
const RENEW_LEASE = `UPDATE provider_leases SET expires_at = $2 WHERE id = $1 AND released_at IS NULL`;
const RELEASE_LEASE = `UPDATE provider_leases SET released_at = $2, tokens = $3 WHERE id = $1 AND released_at IS NULL`;

type Row = Record<string, unknown>;

/** A row's times and tokens: bigint columns come back from node-postgres as text. */
function toLease(row: Row): LeaseUse & { id: string; key: string } {
  return {
    id: row.id as string,
    key: row.key as string,
    acquiredAt: Number(row.acquired_at),
    expiresAt: Number(row.expires_at),
    releasedAt: row.released_at === null ? null : Number(row.released_at),
    tokens: Number(row.tokens),
  };
}

/**
 * The PostgreSQL half of the provider-limits port: acquisition is one READ COMMITTED
 * transaction that takes the key's advisory lock, then reads the key's leases (every lease
 * committed before it got the lock), applies the core's admission rule and inserts.
 */
export class PostgresProviderLeases implements ProviderLeases {
  constructor(private readonly pool: Pool) {}

  acquireProviderLease(args: Parameters<ProviderLeases['acquireProviderLease']>[0]) {
    return withTransaction(this.pool, async (client) => {
      await client.query(prepared(LOCK_KEY, [args.key]));
      const spent: string[] = [];
      const leases: LeaseUse[] = [];
      for (const lease of (await client.query<Row>(prepared(SELECT_KEY_LEASES, [args.key]))).rows.map(toLease)) {
        if (leaseIsSpent(lease, args.now, args.windowMs)) spent.push(lease.id);
        else leases.push(lease);
      }
      if (spent.length > 0) await client.query(prepared(DELETE_LEASES, [spent]));
      const verdict = admitLease(args.limit, leases, args);
      if (verdict.admitted)
        await client.query(
          prepared(INSERT_LEASE, [args.id, args.key, args.holder, args.now, args.expiresAt, args.tokens]),
        );
      return verdict;
    });
  }

  async renewProviderLease(id: string, expiresAt: number): Promise<boolean> {
    return ((await this.pool.query(prepared(RENEW_LEASE, [id, expiresAt]))).rowCount ?? 0) === 1;
  }

  async releaseProviderLease(args: { id: string; tokens: number; now: number }): Promise<void> {
    await this.pool.query(prepared(RELEASE_LEASE, [args.id, args.now, args.tokens]));
  }

  async providerLoads(now: number, windowMs: number): Promise<Record<string, LimitLoad>> {
    const { rows } = await this.pool.query<Row>(prepared(SELECT_ALL_LEASES, []));
    return limitLoads(rows.map(toLease), now, windowMs);
  }
}
