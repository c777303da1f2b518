import type Database from 'better-sqlite3';
import { admitLease, leaseIsSpent, limitLoads, type LeaseUse, type LimitLoad } from '../../core/index.js';
import type { ProviderLeases } from '../ports/provider-leases.js';

const SELECT_KEY_LEASES = `
  SELECT id, acquired_at AS acquiredAt, expires_at AS expiresAt, released_at AS releasedAt, tokens
  FROM provider_leases WHERE key = ?`;
const SELECT_ALL_LEASES = `
  SELECT key, acquired_at AS acquiredAt, expires_at AS expiresAt, released_at AS releasedAt, tokens
  FROM provider_leases`;
const DELETE_LEASE = `DELETE FROM provider_leases WHERE id = ?`;
const INSERT_LEASE = `
  INSERT INTO provider_leases (id, key, holder, acquired_at, expires_at, released_at, tokens)
  VALUES (?, ?, ?, ?, ?, NULL, ?)`;
const RENEW_LEASE = `UPDATE provider_leases SET expires_at = ? WHERE id = ? AND released_at IS NULL`;
const RELEASE_LEASE = `UPDATE provider_leases SET released_at = ?, tokens = ? WHERE id = ? AND released_at IS NULL`;

type LeaseRow = LeaseUse & { id: string };

/**
 * The SQLite half of the provider-limits port. Acquisition is one IMMEDIATE transaction: it
 * takes the file's write lock before reading the key's leases, so no other process (or
 * connection) can take a lease between the read and the insert.
 */
export class SqliteProviderLeases implements ProviderLeases {
  private readonly acquireNow: (
    args: Parameters<ProviderLeases['acquireProviderLease']>[0],
  ) => ReturnType<typeof admitLease>;
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    const prepare = (text: string) => db.prepare(text);
    this.statements = {
      selectKeyLeases: prepare(SELECT_KEY_LEASES),
      selectAllLeases: prepare(SELECT_ALL_LEASES),
      deleteLease: prepare(DELETE_LEASE),
      insertLease: prepare(INSERT_LEASE),
      renewLease: prepare(RENEW_LEASE),
      releaseLease: prepare(RELEASE_LEASE),
    };
    this.acquireNow = db.transaction((args: Parameters<ProviderLeases['acquireProviderLease']>[0]) => {
      const s = this.statements;
      const leases: LeaseRow[] = [];
      for (const row of s.selectKeyLeases.all(args.key) as LeaseRow[]) {
        if (leaseIsSpent(row, args.now, args.windowMs)) s.deleteLease.run(row.id);
        else leases.push(row);
      }
      const verdict = admitLease(args.limit, leases, args);
      if (verdict.admitted) s.insertLease.run(args.id, args.key, args.holder, args.now, args.expiresAt, args.tokens);
      return verdict;
    }).immediate;
  }

  async acquireProviderLease(args: Parameters<ProviderLeases['acquireProviderLease']>[0]) {
    return this.acquireNow(args);
  }

  async renewProviderLease(id: string, expiresAt: number): Promise<boolean> {
    return this.statements.renewLease.run(expiresAt, id).changes === 1;
  }

  async releaseProviderLease(args: { id: string; tokens: number; now: number }): Promise<void> {
    this.statements.releaseLease.run(args.now, args.tokens, args.id);
  }

  async providerLoads(now: number, windowMs: number): Promise<Record<string, LimitLoad>> {
    return limitLoads(this.statements.selectAllLeases.all() as (LeaseUse & { key: string })[], now, windowMs);
  }
}
