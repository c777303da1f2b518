import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { baton as batonCli } from '../e2e/cli.js';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import { kill, startBaton, startWorker, type BatonProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';
import {
  BIG_BODY,
  BIG_HASH,
  expectRealValues,
  firstReferencing,
  runWithLargeOutputs,
} from '../support/large-payloads.js';

const started: BatonProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => kill(process)));
});

describePostgres('large step outputs on PostgreSQL', (url) => {
  it('stay out of event rows, are stored once, every reader sees the values, and verify catches a changed payload', async () => {
    const schema = freshSchema();
    const store = await PostgresStore.connect(url, { schema });
    const { server, baton, runId } = await runWithLargeOutputs(store);

    const [sizes] = await adminQuery<{ largest: number }>(
      `SELECT MAX(octet_length(data))::int AS largest FROM ${schema}.events WHERE run_id = $1`,
      [runId],
    );
    expect(sizes?.largest).toBeLessThan(4_000);
    expect(await adminQuery(`SELECT hash, body FROM ${schema}.payloads`)).toEqual([{ hash: BIG_HASH, body: BIG_BODY }]);
    await expectRealValues(server, runId);
    expect(await baton.verify(runId)).toMatchObject({ ok: true });

    // Another process (a worker, a resumed engine) reads the same values from the database alone.
    const elsewhere = await PostgresStore.connect(url, { schema });
    const events = await elsewhere.readEvents(runId);
    expect(events.filter((e) => e.type === 'attempt.succeeded').map((e) => e.data.output)).toEqual([
      JSON.parse(BIG_BODY),
      JSON.parse(BIG_BODY),
      { length: 99_997, same: true },
    ]);
    await elsewhere.close();

    const first = await firstReferencing(store, runId);
    await adminQuery(`UPDATE ${schema}.payloads SET body = replace(body, 'xxxx', 'xxxy') WHERE hash = $1`, [BIG_HASH]);
    const verdict = await baton.verify(runId);
    expect(verdict).toMatchObject({ ok: false, seq: first.seq });
    expect(verdict.ok || verdict.reason).toBe(
      `payload sha256:${BIG_HASH} (${Buffer.byteLength(BIG_BODY)} bytes) of event seq ${first.seq} (${first.type}) no longer matches its hash: its stored bytes were changed after it was written`,
    );
    await adminQuery(`DELETE FROM ${schema}.payloads WHERE hash = $1`, [BIG_HASH]);
    const missing = await baton.verify(runId);
    expect(missing.ok || missing.reason).toContain(
      `of event seq ${first.seq} (${first.type}) is missing from the store`,
    );
    await baton.close();
  });

  it('reach the next step and every reader across processes that share only the database', async () => {
    const schema = freshSchema();
    // Each process has a workspace directory of its own: the payloads can only travel through PostgreSQL.
    const env = (name: string) => ({
      BATON_DATABASE_URL: url,
      BATON_DATABASE_SCHEMA: schema,
      BATON_HOME: join(tempDir(), name),
      BATON_LEASE_MS: '1500',
    });
    const plan = join(tempDir(), 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        baton: 1,
        name: 'large-on-workers',
        capabilities: {
          big: {
            kind: 'command',
            skills: { big: 1 },
            command: ['node', '-e', "process.stdout.write(JSON.stringify({ text: 'y'.repeat(100000) }))"],
          },
          echo: {
            kind: 'command',
            skills: { echo: 1 },
            command: [
              'node',
              '-e',
              "let s = ''; process.stdin.on('data', (c) => (s += c)).on('end', () => process.stdout.write(s))",
            ],
          },
        },
        steps: {
          a: { skill: 'big' },
          b: { skill: 'echo', after: ['a'], input: { length: '{{ size(steps.a.output.text) }}' } },
        },
      }),
    );
    const worker = await startWorker(['--concurrency', '2'], env('worker'));
    started.push(worker);
    const engine = startBaton(['run', plan, '--concurrency', '0', '--json'], env('engine'));
    started.push(engine);
    expect(await engine.exited, engine.stderr()).toBe(0);
    const { runId, outputs } = JSON.parse(engine.stdout()) as { runId: string; outputs: Record<string, unknown> };
    expect(outputs.b).toEqual({ length: 100_000 });

    const reader = env('reader');
    const status = JSON.parse(
      batonCli(['status', runId, '--json'], { home: reader.BATON_HOME, env: reader }).stdout,
    ) as {
      steps: { step: string; output: unknown }[];
    };
    expect(status.steps.find((s) => s.step === 'a')?.output).toEqual({ text: 'y'.repeat(100_000) });
    expect(batonCli(['verify', runId], { home: reader.BATON_HOME, env: reader }).code).toBe(0);
    const [row] = await adminQuery<{ largest: number; payloads: number }>(
      `SELECT (SELECT MAX(octet_length(data))::int FROM ${schema}.events) AS largest, (SELECT COUNT(*)::int FROM ${schema}.payloads) AS payloads`,
    );
    expect(row?.largest).toBeLessThan(4_000);
    expect(row?.payloads).toBe(1);
  });
});
