import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterEach, describe } from 'vitest';

/** Where CI's and the dev machines' local server answers (trust auth, database `test`). */
const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database of the Postgres tier: BATON_TEST_DATABASE_URL when set (and then it must
 * answer: a CI that asked for the tier fails rather than skips it), else the local server
 * when one answers, else undefined.
 */
async function findTestDatabase(): Promise<string | undefined> {
  const configured = process.env.BATON_TEST_DATABASE_URL;
  if (configured) {
    if (!(await answers(configured)))
      throw new Error(`BATON_TEST_DATABASE_URL is set but no PostgreSQL answers there (${new URL(configured).host})`);
    return configured;
  }
  return (await answers(LOCAL_URL)) ? LOCAL_URL : undefined;
}

export const testDatabaseUrl = await findTestDatabase();

/**
 * `describe` for tests that need a real PostgreSQL; without one they are skipped, and loudly,
 * so that a green run without the tier is not mistaken for one with it.
 */
export function describePostgres(name: string, tests: (url: string) => void): void {
  if (testDatabaseUrl === undefined) {
    console.warn(
      [
        '',
        `!!! The PostgreSQL tier was SKIPPED (${name}): no server answered.`,
        `!!! Set BATON_TEST_DATABASE_URL (e.g. ${LOCAL_URL}) or start PostgreSQL on 127.0.0.1:5432 to run it.`,
        '',
      ].join('\n'),
    );
    describe.skip(name, () => tests(''));
    return;
  }
  describe(name, () => tests(testDatabaseUrl as string));
}

const made: string[] = [];

/** A schema name no other test uses; it is dropped, with everything in it, after the test. */
export function freshSchema(): string {
  const schema = `baton_test_${randomBytes(6).toString('hex')}`;
  made.push(schema);
  return schema;
}

/** Runs SQL on a connection of its own, outside any store (to inspect or tamper with a schema). */
export async function adminQuery<T extends Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function dropSchemas(): Promise<void> {
  const schemas = made.splice(0);
  if (schemas.length && testDatabaseUrl !== undefined)
    await adminQuery(`DROP SCHEMA IF EXISTS ${schemas.join(', ')} CASCADE`);
}

afterEach(dropSchemas);
