import { join } from 'node:path';
import { createBaton, type Plan } from '../src/index.js';
import type { Trial } from './measure.js';
import { branchStepId, chainStepId, JOIN_STEP_ID, Shape, stepCount, SUBMIT_WORKLOAD } from './workloads.js';

/** Plan data for a chain (each step after the previous one) or a fan-out into one join. */
export function batonPlan(shape: Shape, size: number): Plan {
  const steps: Record<string, { skill: string; after?: string[] }> = {};
  if (shape === Shape.chain) {
    for (let i = 0; i < size; i += 1)
      steps[chainStepId(i)] = i === 0 ? { skill: 'noop' } : { skill: 'noop', after: [chainStepId(i - 1)] };
  } else {
    const branches: string[] = [];
    for (let i = 0; i < size; i += 1) {
      steps[branchStepId(i)] = { skill: 'noop' };
      branches.push(branchStepId(i));
    }
    steps[JOIN_STEP_ID] = { skill: 'noop', after: branches };
  }
  // Plain data; `submit` validates it against the schema, inside the timed region.
  return { baton: 1, name: `bench-${shape}`, steps } as unknown as Plan;
}

/**
 * One Baton run in a fresh workspace (its own SQLite file, WAL). Timed from just before
 * `submit` (so plan validation and pre-flight are included) to `result()` resolving. Opening
 * the workspace and building the plan object are setup. The run must succeed with every step
 * and its ledger must verify, or the trial throws: a fast wrong answer is not a result.
 */
export async function batonTrial(shape: Shape, size: number, workspace: string): Promise<Trial> {
  const setupStart = performance.now();
  // concurrency 1000: every fan-out branch may run at once, as LangGraph runs a superstep.
  const baton = await createBaton({ home: join(workspace, '.baton'), concurrency: 1_000 });
  try {
    baton.register({ id: 'noop', skills: { noop: 1 }, run: (input: unknown) => input });
    const plan = batonPlan(shape, size);
    const start = performance.now();
    const run = await baton.submit(plan);
    const result = await run.result();
    const wallMs = performance.now() - start;
    const expected = stepCount(shape, size);
    if (result.status !== 'succeeded' || result.succeeded !== expected) {
      throw new Error(
        `baton ${shape}: expected ${expected} steps to succeed, got status ${result.status} with ${result.succeeded} succeeded (${result.failure ?? 'no failure recorded'})`,
      );
    }
    const verdict = await baton.verify(run.runId);
    if (!verdict.ok)
      throw new Error(`baton ${shape}: ledger verification failed at seq ${verdict.seq}: ${verdict.reason}`);
    return { wallMs, setupMs: start - setupStart, ledgerEvents: verdict.events };
  } finally {
    await baton.close();
  }
}

/**
 * The submit of a `size`-step chain in a fresh workspace: timed from just before `submit` to its
 * return, when the plan has been validated and pre-flighted and `run.created` with the first
 * round's decisions is committed (durable before anything is dispatched). The run is then
 * aborted, untimed, and must end aborted with a ledger that verifies, or the trial throws.
 */
export async function batonSubmitTrial(size: number, workspace: string): Promise<Trial> {
  const setupStart = performance.now();
  const baton = await createBaton({ home: join(workspace, '.baton'), concurrency: 1_000 });
  try {
    baton.register({ id: 'noop', skills: { noop: 1 }, run: (input: unknown) => input });
    const plan = batonPlan(Shape.chain, size);
    const start = performance.now();
    const run = await baton.submit(plan);
    const wallMs = performance.now() - start;
    await baton.abort(run.runId, { reason: 'the submit bench measures the submit only' });
    const result = await run.result();
    if (result.status !== 'aborted')
      throw new Error(`baton ${SUBMIT_WORKLOAD}: expected the run to end aborted, got ${result.status}`);
    const verdict = await baton.verify(run.runId);
    if (!verdict.ok)
      throw new Error(`baton ${SUBMIT_WORKLOAD}: ledger verification failed at seq ${verdict.seq}: ${verdict.reason}`);
    return { wallMs, setupMs: start - setupStart, ledgerEvents: verdict.events };
  } finally {
    await baton.close();
  }
}
