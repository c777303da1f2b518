import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatonError, ErrorCode } from '../core/index.js';
import { packageRoot } from '../package-root.js';

/** A numbered plain-SQL migration (STYLE.md 6): `migrations/<dialect>/NNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dialect: 'sqlite' | 'postgres'): Migration[] {
  const dir = join(packageRoot(), 'migrations', dialect);
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
