import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { verifyChain } from '../../src/ledger/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import { kill, startBaton, startWorker, waitUntil, type BatonProcess } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

const CHAINS = 100;
const LENGTH = 20;
const STEPS = CHAINS * LENGTH;

const started: BatonProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((process) => kill(process)));
});

/** 100 chains of 20 steps: each step appends `STEP ATTEMPT` to the side-effect file. */
function chainsPlan(file: string): string {
  const steps: Record<string, object> = {};
  for (let chain = 0; chain < CHAINS; chain++) {
    for (let link = 0; link < LENGTH; link++)
      steps[`c${chain}_${link}`] = { skill: 'shell', ...(link > 0 && { after: [`c${chain}_${link - 1}`] }) };
  }
  return JSON.stringify({
    baton: 1,
    name: 'chaos',
    capabilities: {
      sh: {
        kind: 'command',
        skills: { shell: 1 },
        command: ['sh', '-c', `echo "$BATON_STEP $BATON_ATTEMPT_ID" >> ${file}`],
      },
    },
    steps,
  });
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

describePostgres('chaos: workers and engines killed mid-run', (url) => {
  it(`runs ${STEPS} steps on 3 workers and 2 engines, one of each SIGKILLed, with every step accepted exactly once and every chain intact`, async () => {
    const schema = freshSchema();
    const dir = tempDir();
    const effects = join(dir, 'effects.txt');
    const env = {
      BATON_DATABASE_URL: url,
      BATON_DATABASE_SCHEMA: schema,
      BATON_HOME: join(dir, 'home'),
      BATON_LEASE_MS: '2000',
    };
    writeFileSync(join(dir, 'plan.json'), chainsPlan(effects));
    const workers = await Promise.all([0, 1, 2].map(() => startWorker(['--concurrency', '6'], env)));
    const engines = [0, 1].map(() => startBaton(['serve', '--port', '0'], env));
    started.push(...workers, ...engines);
    const submit = startBaton(['run', join(dir, 'plan.json'), '--detach', '--json'], env);
    expect(await submit.exited, submit.stderr()).toBe(0);
    const { runId } = JSON.parse(submit.stdout()) as { runId: string };
    const status = async () =>
      (
        await adminQuery<{ status: string; lock_pid: number | null }>(
          `SELECT status, lock_pid FROM ${schema}.runs WHERE run_id = $1`,
          [runId],
        )
      )[0];

    await waitUntil(() => lines(effects).length >= STEPS / 4, 'a quarter of the steps', 120_000);
    await kill(workers[0]!);
    await waitUntil(() => lines(effects).length >= STEPS / 2, 'half of the steps', 120_000);
    const holderPid = (await status())?.lock_pid;
    const holder = engines.find((engine) => engine.child.pid === holderPid);
    expect(holder, `the run's lock is held by pid ${holderPid}, not one of the engines`).toBeDefined();
    await kill(holder!);
    await waitUntil(
      async () => (await status())?.status === 'succeeded',
      'the run to succeed under the other engine',
      240_000,
      () => engines.map((e) => e.stderr()).join('\n'),
    );

    const store = await PostgresStore.connect(url, { schema });
    let events: LedgerEvent[];
    try {
      events = await store.readEvents(runId);
    } finally {
      await store.close();
    }
    expect(verifyChain(events).ok).toBe(true);
    const rejected = new Set(events.filter((e) => e.type === 'attempt.rejected').map((e) => e.data.attemptId));
    const accepted = events
      .filter((e) => e.type === 'attempt.succeeded' && !rejected.has(e.data.attemptId))
      .map((e) => (e.type === 'attempt.succeeded' ? e.data.attemptId : ''));
    const acceptedByStep = new Map<string, string[]>();
    for (const attemptId of accepted) {
      const step = attemptId.split('/')[0]!;
      acceptedByStep.set(step, [...(acceptedByStep.get(step) ?? []), attemptId]);
    }
    expect(acceptedByStep.size).toBe(STEPS);
    for (const [step, attempts] of acceptedByStep) expect(attempts, step).toHaveLength(1);
    expect(events.filter((e) => e.type === 'step.succeeded')).toHaveLength(STEPS);
    // Side effects: every step's accepted attempt ran; no step has two accepted attempts in the file.
    const ran = new Map<string, Set<string>>();
    for (const line of lines(effects)) {
      const [step, attemptId] = line.split(' ') as [string, string];
      ran.set(step, (ran.get(step) ?? new Set()).add(attemptId));
    }
    for (const [step, [attemptId]] of acceptedByStep)
      expect(ran.get(step)?.has(attemptId!), `${step}: ${attemptId} ran`).toBe(true);
    const acceptedSet = new Set(accepted);
    for (const [step, attempts] of ran)
      expect(
        [...attempts].filter((a) => acceptedSet.has(a)),
        step,
      ).toHaveLength(1);
    // The killed worker's attempts were given up, and the second engine took the run over.
    expect(events.some((e) => e.type === 'attempt.abandoned')).toBe(true);
    expect(events.filter((e) => e.type === 'run.resumed').length).toBeGreaterThanOrEqual(2);
    // Every chain in the database verifies, through the CLI as a user would check.
    const verify = startBaton(['verify', '--json'], env);
    expect(await verify.exited, verify.stdout()).toBe(0);
  }, 360_000);
});
