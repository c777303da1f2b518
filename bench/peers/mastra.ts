import { createStep, createWorkflow } from '@mastra/core/workflows';
import { z } from 'zod';
import type { Trial } from '../measure.js';
import { Shape, stepCount } from '../workloads.js';

const Value = z.object({ value: z.number() });

/**
 * Mastra's in-memory workflows on the bench's two shapes: a chain of `size` no-op steps
 * (`.then` after `.then`), and `.foreach` over `size` items with every item in flight at once
 * (`concurrency: size`, as Baton runs its fan-out with `concurrency: 1000`) into one join step.
 * The workflow is not registered with a `Mastra` instance, so it has no storage: nothing is
 * persisted, no snapshot is written. Building and committing the workflow is setup; timed:
 * `createRunAsync` and `start`. The trial throws unless the run succeeded and every step ran once.
 */
export async function mastraTrial(shape: Shape, size: number): Promise<Trial> {
  const setupStart = performance.now();
  let calls = 0;
  const noop = (id: string) =>
    createStep({
      id,
      inputSchema: Value,
      outputSchema: Value,
      execute: async ({ inputData }) => {
        calls += 1;
        return inputData;
      },
    });
  const join = createStep({
    id: 'join',
    inputSchema: z.array(Value),
    outputSchema: Value,
    execute: async ({ inputData }) => {
      calls += 1;
      return { value: inputData.length };
    },
  });
  let start: number;
  let result: { status: string };
  if (shape === Shape.chain) {
    let chain = createWorkflow({ id: 'bench-chain', inputSchema: Value, outputSchema: Value });
    for (let i = 0; i < size; i += 1) chain = chain.then(noop(`s${i}`));
    chain.commit();
    start = performance.now();
    result = await (await chain.createRunAsync()).start({ inputData: { value: 0 } });
  } else {
    const fanOut = createWorkflow({ id: 'bench-fan-out', inputSchema: z.array(Value), outputSchema: Value })
      .foreach(noop('branch'), { concurrency: size })
      .then(join)
      .commit();
    const items = Array.from({ length: size }, (_, value) => ({ value }));
    start = performance.now();
    result = await (await fanOut.createRunAsync()).start({ inputData: items });
  }
  const wallMs = performance.now() - start;
  const expected = stepCount(shape, size);
  if (result.status !== 'success' || calls !== expected)
    throw new Error(`mastra ${shape}: expected ${expected} step calls and success, got ${calls} and ${result.status}`);
  return { wallMs, setupMs: start - setupStart };
}
