import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BatonError, ErrorCode } from '../core/index.js';

/** A numbered plain-SQL migration (STYLE.md 6): `migrations/<dialect>/NNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** `migrations/` sits at the package root; this file is at src/store/ or dist/store/, two levels down. */
const MIGRATIONS_ROOT = fileURLToPath(new URL('../../migrations/', import.meta.url));

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = `${MIGRATIONS_ROOT}${dialect}`;
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(`${dir}/${file}`, 'utf8'),
    }));
}

/** A process refuses a database migrated by a newer Baton rather than guess at its schema. */
export function assertSchemaKnown(current: number, migrations: readonly Migration[]): void {
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) {
    throw new BatonError(
      ErrorCode.conflict,
      `the database schema is at version ${current}, newer than this Baton knows (${known}); upgrade Baton to use this workspace`,
    );
  }
}
