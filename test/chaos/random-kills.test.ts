import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { verifyChain } from '../../src/ledger/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import { kill, startBaton, startWorker, type BatonProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

const RUNS = 3;
const WIDTH = 25;
const DEPTH = 20;

const started: BatonProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => kill(process)));
});

/** Deterministic choices (which process dies next, and when), so that a failure can be replayed: mulberry32. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 25 chains of 20 steps (500): each step appends `RUN STEP ATTEMPT` to the side-effect file. */
function planFile(dir: string, effects: string, run: number): string {
  const steps: Record<string, object> = {};
  for (let chain = 0; chain < WIDTH; chain++) {
    for (let link = 0; link < DEPTH; link++)
      steps[`c${chain}_${link}`] = { skill: 'shell', ...(link > 0 && { after: [`c${chain}_${link - 1}`] }) };
  }
  const plan = {
    baton: 1,
    name: `chaos-${run}`,
    capabilities: {
      sh: {
        kind: 'command',
        skills: { shell: 1 },
        command: ['sh', '-c', `echo "$BATON_RUN_ID $BATON_STEP $BATON_ATTEMPT_ID" >> ${effects}`],
      },
    },
    steps,
  };
  const file = join(dir, `plan-${run}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

describePostgres('chaos: workers and engines killed and restarted at random', (url) => {
  const seed = Number(process.env.BATON_CHAOS_SEED ?? Date.now() % 100_000);

  it(`completes ${RUNS} runs of ${WIDTH * DEPTH} steps while random workers and engines are SIGKILLed and restarted (seed ${seed}; BATON_CHAOS_SEED replays it)`, async () => {
    const random = prng(seed);
    const schema = freshSchema();
    const dir = tempDir();
    const effects = join(dir, 'effects.txt');
    const env = {
      BATON_DATABASE_URL: url,
      BATON_DATABASE_SCHEMA: schema,
      BATON_HOME: join(dir, 'home'),
      BATON_LEASE_MS: '1500',
    };
    const workers: BatonProcess[] = await Promise.all([0, 1, 2].map(() => startWorker(['--concurrency', '6'], env)));
    const engines: BatonProcess[] = [0, 1].map(() => startBaton(['serve', '--port', '0', '--concurrency', '0'], env));
    started.push(...workers, ...engines);
    const runIds: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const submit = startBaton(['run', planFile(dir, effects, run), '--detach', '--json'], env);
      expect(await submit.exited, submit.stderr()).toBe(0);
      runIds.push((JSON.parse(submit.stdout()) as { runId: string }).runId);
    }
    const statuses = async () =>
      adminQuery<{ run_id: string; status: string }>(`SELECT run_id, status FROM ${schema}.runs`);
    const allDone = async () => (await statuses()).every((row) => row.status !== 'running');

    // Every 0.3–1 s kill a random engine (first, then every third time) or worker (the other
    // times), and start a fresh one in its place.
    const kills = { worker: 0, engine: 0 };
    const deadline = Date.now() + 240_000;
    while (!(await allDone())) {
      if (Date.now() > deadline)
        throw new Error(`seed ${seed}: runs still running after 240 s: ${JSON.stringify(await statuses())}`);
      await new Promise((resolve) => setTimeout(resolve, 300 + random() * 700));
      if (await allDone()) break;
      if ((kills.worker + kills.engine) % 3 !== 0) {
        const index = Math.floor(random() * workers.length);
        await kill(workers[index]!);
        kills.worker += 1;
        workers[index] = await startWorker(['--concurrency', '6'], env);
        started.push(workers[index]!);
      } else {
        const index = Math.floor(random() * engines.length);
        await kill(engines[index]!);
        kills.engine += 1;
        engines[index] = startBaton(['serve', '--port', '0', '--concurrency', '0'], env);
        started.push(engines[index]!);
      }
    }
    expect(kills.engine, `seed ${seed}: the runs ended before an engine was killed`).toBeGreaterThan(0);
    expect(kills.worker, `seed ${seed}: the runs ended before a worker was killed`).toBeGreaterThan(0);
    console.info(`chaos seed ${seed}: ${kills.worker} workers and ${kills.engine} engines SIGKILLed and restarted`);

    const store = await PostgresStore.connect(url, { schema });
    const lines = existsSync(effects) ? readFileSync(effects, 'utf8').trim().split('\n') : [];
    try {
      for (const runId of runIds) {
        const events: LedgerEvent[] = await store.readEvents(runId);
        expect(verifyChain(events).ok, `${runId}: chain`).toBe(true);
        expect(events.at(-1)?.type, `${runId}: ends succeeded`).toBe('run.succeeded');
        const rejected = new Set(events.filter((e) => e.type === 'attempt.rejected').map((e) => e.data.attemptId));
        const accepted = events.flatMap((e) =>
          e.type === 'attempt.succeeded' && !rejected.has(e.data.attemptId) ? [e.data.attemptId] : [],
        );
        const steps = new Set(accepted.map((attemptId) => attemptId.split('/')[0]));
        expect(steps.size, `${runId}: every step accepted`).toBe(WIDTH * DEPTH);
        expect(accepted.length, `${runId}: no step accepted twice`).toBe(WIDTH * DEPTH);
        // Every accepted attempt's side effect happened, exactly once.
        const ran = lines.filter((line) => line.startsWith(`${runId} `)).map((line) => line.split(' ')[2]);
        for (const attemptId of accepted)
          expect(
            ran.filter((id) => id === attemptId),
            `${runId} ${attemptId}`,
          ).toHaveLength(1);
      }
    } finally {
      await store.close();
    }
    // What `baton status` says is the truth the ledgers hold.
    const status = startBaton(['status', '--json'], env);
    expect(await status.exited).toBe(0);
    const listed = JSON.parse(status.stdout()) as { runId: string; status: string }[];
    for (const runId of runIds) expect(listed.find((run) => run.runId === runId)?.status).toBe('succeeded');
  }, 360_000);
});
