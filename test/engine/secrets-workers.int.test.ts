import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import { kill, startBaton, startWorker, type BatonProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'sk-worker-5e6f7a8b9c0d1e2f';

const started: BatonProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => kill(process)));
});

describePostgres('secrets on a worker of a shared PostgreSQL store', (url) => {
  it('are redacted by the worker that ran the command, from its own environment, before the outcome reaches the queue or the ledger', async () => {
    const schema = freshSchema();
    const dir = tempDir();
    const env = {
      BATON_DATABASE_URL: url,
      BATON_DATABASE_SCHEMA: schema,
      BATON_HOME: join(dir, 'home'),
      BATON_LEASE_MS: '1500',
    };
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify({
        baton: 1,
        name: 'worker-secrets',
        capabilities: {
          show: {
            kind: 'command',
            skills: { show: 1 },
            command: [process.execPath, '-e', 'console.log(JSON.stringify({ key: process.env.MY_API_KEY }))'],
          },
          fail: {
            kind: 'command',
            skills: { fail: 1 },
            command: [
              process.execPath,
              '-e',
              "console.error('error: refused ' + process.env.MY_API_KEY); process.exit(1)",
            ],
          },
        },
        steps: { show: { skill: 'show' }, fail: { skill: 'fail', after: ['show'] } },
      }),
    );
    // Only the worker has the secret: the engine that conducts the run never sees the value.
    const worker = await startWorker(['--concurrency', '2'], { ...env, MY_API_KEY: SECRET });
    started.push(worker);
    const engine = startBaton(
      ['run', join(dir, 'plan.json'), '--concurrency', '0', '--run-id', 'secrets-w1', '--json'],
      env,
    );
    started.push(engine);
    expect(await engine.exited, engine.stderr()).toBe(1);

    const rows = await adminQuery<{ type: string; data: string }>(
      `SELECT type, data FROM "${schema}".events WHERE run_id = $1 ORDER BY seq`,
      ['secrets-w1'],
    );
    const events = rows.map((row) => ({ type: row.type, data: JSON.parse(row.data) as unknown }));
    const work = await adminQuery(`SELECT * FROM "${schema}".work`);
    const kept = JSON.stringify({ rows, work }) + engine.stdout() + worker.stdout() + worker.stderr();
    expect(kept).not.toContain(SECRET);
    expect(events.find((event) => event.type === 'attempt.succeeded')?.data).toMatchObject({
      output: { key: '[redacted:MY_API_KEY]' },
    });
    expect(events.find((event) => event.type === 'step.failed')?.data).toMatchObject({
      error: { message: `${process.execPath} exited with code 1: error: refused [redacted:MY_API_KEY]` },
    });
  });
});
