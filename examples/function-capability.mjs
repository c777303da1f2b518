#!/usr/bin/env node
// Function capabilities: in-process functions registered from code, routed like any other
// capability. Run from the repository root after `npm run build`:
//   node examples/function-capability.mjs
// The workspace is BATON_HOME (or ./.baton), as for the CLI.
import { createBaton, NonRetryableError } from 'baton-engine';

const baton = await createBaton();
baton.register({
  id: 'scorer-fn',
  skills: { score: 0.9 }, // stronger than the plan's `scorer-cli` (0.5), so it wins the route
  timeout: '5s',
  run(input, context) {
    // input: the step's resolved `input`; context: runId, step, attemptId, idempotencyKey, signal
    if (input.word !== undefined) {
      if (typeof input.word !== 'string') throw new NonRetryableError('word must be a string'); // fails without retry
      return { word: input.word, score: new Set(input.word).size, attempt: context.attemptId };
    }
    // the `best` step: pick the highest score
    return input.candidates.reduce((best, next) => (next.score > best.score ? next : best));
  },
});

try {
  const run = await baton.submit('examples/patterns/function.yaml', {
    inputs: { words: ['conductor', 'ledger', 'baton'] },
  });
  const result = await run.result();
  console.log(JSON.stringify({ runId: result.runId, status: result.status, outputs: result.outputs }, null, 2));
  console.log('route of "score":', run.state.steps.score.capability);
  process.exitCode = result.status === 'succeeded' ? 0 : 1;
} finally {
  await baton.close();
}
