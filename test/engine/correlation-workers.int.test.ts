import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import { kill, startBaton, startWorker, waitUntil, type BatonProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

const ID = '5ce0e9a56015fec5aadfa328ae398115';

const started: BatonProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => kill(process)));
});

describePostgres('correlation ids on a worker of a shared PostgreSQL store', (url) => {
  it("reach a command a worker runs, read from the run's run.created", async () => {
    const schema = freshSchema();
    const dir = tempDir();
    const env = {
      BATON_DATABASE_URL: url,
      BATON_DATABASE_SCHEMA: schema,
      BATON_HOME: join(dir, 'home'),
      BATON_LEASE_MS: '1500',
    };
    const script = 'process.stdout.write(JSON.stringify([process.env.BATON_CORRELATION_ID, process.env.TRACEPARENT]))';
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify({
        baton: 1,
        name: 'worker-correlation',
        capabilities: { show: { kind: 'command', skills: { show: 1 }, command: [process.execPath, '-e', script] } },
        steps: { show: { skill: 'show' } },
      }),
    );
    // The engine runs nothing itself (--concurrency 0): the worker process takes the attempt from the queue.
    const worker = await startWorker(['--concurrency', '1'], env);
    started.push(worker);
    const engine = startBaton(
      ['run', join(dir, 'plan.json'), '--concurrency', '0', '--run-id', 'traced-w1', '--correlation-id', ID, '--json'],
      env,
    );
    started.push(engine);
    expect(await engine.exited, engine.stderr()).toBe(0);

    const rows = await adminQuery<{ type: string; data: string }>(
      `SELECT type, data FROM "${schema}".events WHERE run_id = $1 ORDER BY seq`,
      ['traced-w1'],
    );
    const succeeded = rows.find((row) => row.type === 'attempt.succeeded');
    const [id, parent] = (JSON.parse(succeeded?.data ?? '{}') as { output: [string, string] }).output;
    expect(id).toBe(ID);
    expect(parent).toMatch(new RegExp(`^00-${ID}-[0-9a-f]{16}-01$`));
    expect((JSON.parse(rows[0]?.data ?? '{}') as { correlationId?: string }).correlationId).toBe(ID);

    // The worker's log names the run's correlation id with each attempt it claimed.
    const claimed = () =>
      worker
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"event":"claimed"'))
        .map(
          (line) => JSON.parse(line) as { attempts: { runId: string; attemptId: string; correlationId?: string }[] },
        );
    await waitUntil(
      () => claimed().length > 0,
      'the claim in the log',
      10_000,
      () => worker.stderr(),
    );
    expect(claimed().flatMap((line) => line.attempts)).toEqual([
      { runId: 'traced-w1', attemptId: expect.any(String) as string, correlationId: ID },
    ]);
  });
});
