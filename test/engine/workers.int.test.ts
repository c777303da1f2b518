import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { verifyChain } from '../../src/ledger/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres, freshSchema } from '../support/postgres.js';
import { kill, startBaton, startWorker, waitUntil, type BatonProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

const started: BatonProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => kill(process)));
});

/** Each step appends `STEP ATTEMPT` to the side-effect file, after sleeping `sleep` seconds. */
function plan(
  steps: Record<string, { after?: string[]; sleep?: number; skill?: string; input?: object }>,
  file: string,
): string {
  return JSON.stringify({
    baton: 1,
    name: 'workers',
    capabilities: {
      sh: {
        kind: 'command',
        skills: { shell: 1 },
        command: [
          'sh',
          '-c',
          `sleep {{ input.sleep }}; echo "$BATON_STEP $BATON_ATTEMPT_ID" >> ${file}; echo '{"pid": '$PPID'}'`,
        ],
      },
    },
    steps: Object.fromEntries(
      Object.entries(steps).map(([id, { after, sleep, skill, input }]) => [
        id,
        { skill: skill ?? 'shell', input: input ?? { sleep: sleep ?? 0 }, ...(after && { after }) },
      ]),
    ),
  });
}

describePostgres('baton worker processes on a shared PostgreSQL store', (url) => {
  async function ledgerOf(schema: string, runId: string): Promise<LedgerEvent[]> {
    const store = await PostgresStore.connect(url, { schema });
    try {
      return await store.readEvents(runId);
    } finally {
      await store.close();
    }
  }

  function environment(schema: string, home: string): Record<string, string> {
    return { BATON_DATABASE_URL: url, BATON_DATABASE_SCHEMA: schema, BATON_HOME: home, BATON_LEASE_MS: '1500' };
  }

  it('runs a run conducted by another process: commands on any worker, functions only where registered', async () => {
    const schema = freshSchema();
    const dir = tempDir();
    const env = environment(schema, join(dir, 'home'));
    const effects = join(dir, 'effects.txt');
    writeFileSync(
      join(dir, 'caps.mjs'),
      `export default [{ id: 'tag', skills: { tag: 1 }, run: (input) => ({ tagged: input.word, pid: process.pid }) }];\n`,
    );
    const steps: Record<string, { after?: string[]; skill?: string; input?: object }> = {};
    for (let i = 0; i < 12; i++) steps[`c${i}`] = {};
    for (let i = 0; i < 4; i++) steps[`f${i}`] = { skill: 'tag', input: { word: `w${i}` }, after: ['c0'] };
    writeFileSync(join(dir, 'plan.json'), plan(steps, effects));
    const plain = await startWorker(['--concurrency', '4'], env);
    const tagger = await startWorker(['--concurrency', '4', '--capabilities', join(dir, 'caps.mjs')], env);
    started.push(plain, tagger);
    const engine = startBaton(
      ['run', join(dir, 'plan.json'), '--concurrency', '0', '--capabilities', join(dir, 'caps.mjs'), '--json'],
      env,
    );
    started.push(engine);
    expect(await engine.exited, engine.stderr()).toBe(0);
    const result = JSON.parse(engine.stdout()) as {
      runId: string;
      status: string;
      outputs: Record<string, { pid: number; tagged?: string }>;
    };
    expect(result.status).toBe('succeeded');
    // The functions ran only in the worker that has them; the engine ran nothing itself.
    for (let i = 0; i < 4; i++) expect(result.outputs[`f${i}`]).toEqual({ tagged: `w${i}`, pid: tagger.child.pid });
    const lines = readFileSync(effects, 'utf8').trim().split('\n');
    expect(lines.map((line) => line.split(' ')[0]).sort()).toEqual(
      Object.keys(steps)
        .filter((id) => id.startsWith('c'))
        .sort(),
    );
    const events = await ledgerOf(schema, result.runId);
    expect(verifyChain(events).ok).toBe(true);
    expect(events.filter((e) => e.type === 'attempt.succeeded')).toHaveLength(16);
  });

  it('gives up the attempt of a worker that stopped renewing its lease, and records its late result as stale, never accepted', async () => {
    const schema = freshSchema();
    const dir = tempDir();
    const env = environment(schema, join(dir, 'home'));
    const effects = join(dir, 'effects.txt');
    // `hold` keeps the run going long enough for the frozen worker's late report to arrive.
    writeFileSync(join(dir, 'plan.json'), plan({ slow: { sleep: 1 }, hold: { sleep: 4, after: ['slow'] } }, effects));
    const frozen = await startWorker(['--concurrency', '1'], env);
    started.push(frozen);
    const engine = startBaton(['run', join(dir, 'plan.json'), '--concurrency', '0', '--json'], env);
    started.push(engine);
    // Once the first attempt has started, freeze its worker: no heartbeats, no report.
    await waitUntil(
      async () => (await ledgerTypes()).includes('attempt.dispatched'),
      'the first dispatch',
      30_000,
      engine.stderr,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    frozen.child.kill('SIGSTOP');
    const rescuer = await startWorker(['--concurrency', '2'], env);
    started.push(rescuer);
    await waitUntil(
      () => readFileSync(effects, { encoding: 'utf8', flag: 'a+' }).includes('slow slow/a2'),
      'the second attempt to finish',
      30_000,
      engine.stderr,
    );
    frozen.child.kill('SIGCONT');
    expect(await engine.exited, engine.stderr()).toBe(0);
    const { runId } = JSON.parse(engine.stdout()) as { runId: string };
    const events = await ledgerOf(schema, runId);
    expect(verifyChain(events).ok).toBe(true);
    const abandoned = events.find((e) => e.type === 'attempt.abandoned');
    expect(abandoned?.data).toMatchObject({ attemptId: 'slow/a1', reason: expect.stringContaining('lease expired') });
    // The late outcome is in the ledger, followed by its rejection; the step's result is the second attempt's.
    expect(
      events.some(
        (e) => (e.type === 'attempt.succeeded' || e.type === 'attempt.failed') && e.data.attemptId === 'slow/a1',
      ),
    ).toBe(true);
    expect(events.find((e) => e.type === 'attempt.rejected')?.data).toMatchObject({ attemptId: 'slow/a1' });
    expect(events.find((e) => e.type === 'step.succeeded' && e.data.step === 'slow')?.data).toMatchObject({
      output: { pid: rescuer.child.pid },
    });
    expect(events.filter((e) => e.type === 'step.succeeded' && e.data.step === 'slow')).toHaveLength(1);

    async function ledgerTypes(): Promise<string[]> {
      const store = await PostgresStore.connect(url, { schema });
      try {
        const [run] = await store.listRuns();
        return run ? (await store.readEvents(run.runId)).map((e) => e.type) : [];
      } finally {
        await store.close();
      }
    }
  });

  it('on SIGTERM finishes running attempts within the grace period, or hands them back for another worker', async () => {
    const schema = freshSchema();
    const dir = tempDir();
    const env = environment(schema, join(dir, 'home'));
    const effects = join(dir, 'effects.txt');
    writeFileSync(join(dir, 'plan.json'), plan({ quick: { sleep: 1 }, long: { sleep: 3, after: ['quick'] } }, effects));
    const first = await startWorker(['--concurrency', '1', '--grace', '10s'], env);
    started.push(first);
    const engine = startBaton(['run', join(dir, 'plan.json'), '--concurrency', '0', '--json'], env);
    started.push(engine);
    await waitUntil(() => first.stdout().includes('"event":"claimed"'), 'the first claim', 30_000, first.stderr);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // It finished `quick` (within its grace) and claimed nothing more after SIGTERM.
    expect(first.stdout()).toContain('"finished":true');
    expect(readFileSync(effects, 'utf8')).toBe('quick quick/a1\n');
    const impatient = await startWorker(['--concurrency', '1', '--grace', '200ms'], env);
    started.push(impatient);
    await waitUntil(
      () => impatient.stdout().includes('"event":"claimed"'),
      'the claim of `long`',
      30_000,
      impatient.stderr,
    );
    impatient.child.kill('SIGTERM');
    expect(await impatient.exited).toBe(0);
    expect(impatient.stdout()).toContain('"released":1');
    // Handed back, the same attempt (same id, same idempotency key) runs on the next worker.
    const last = await startWorker(['--concurrency', '1'], env);
    started.push(last);
    expect(await engine.exited, engine.stderr()).toBe(0);
    expect(readFileSync(effects, 'utf8')).toBe('quick quick/a1\nlong long/a1\n');
  });
});
