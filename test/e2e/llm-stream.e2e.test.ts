import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { tempDir } from '../support/temp.js';
import { createBaton } from '../../src/index.js';
import { batonSettled } from './cli.js';

const KEY_VARIABLE = 'STREAM_LLM_PASSPHRASE';
const KEY = 'sk-stream-5e8a1d3c7f';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});

describe('baton run with a streamed model answer', () => {
  it('shows the text so far on the progress lines, redacted, and records only the final answer', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'stream.yaml'),
      [
        'baton: 1',
        'name: streamed',
        'capabilities:',
        '  writer:',
        '    kind: llm',
        '    provider: openai-compatible',
        `    base_url: ${fake.url}`,
        '    model: slow-writer',
        `    api_key_env: ${KEY_VARIABLE}`,
        '    stream: true',
        '    skills: { write: 1 }',
        'steps:',
        '  answer: { skill: write, input: "Tell me slowly" }',
        '',
      ].join('\n'),
    );
    fake.reply({
      deltas: ['Once upon ', 'a time ', `the key ${KEY} `, 'was kept ', 'secret ', 'forever.'],
      delayMs: 450,
      usage: { prompt_tokens: 7, completion_tokens: 11 },
    });
    const home = tempDir();
    const run = await batonSettled(['run', join(dir, 'stream.yaml')], { home, env: { [KEY_VARIABLE]: KEY } });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const partialLines = lines.filter((line) => /^… answer\s+/.test(line));
    // About 2.2 s of writing, shown at most once a second: two or three lines, each the text so far.
    expect(partialLines.length, run.stdout).toBeGreaterThanOrEqual(2);
    expect(partialLines[0]).toContain('Once upon');
    expect(run.stdout).toContain(`[redacted:${KEY_VARIABLE}]`);
    expect(run.stdout + run.stderr).not.toContain(KEY);
    const succeeded = lines.findIndex((line) => /^✓ answer\s+succeeded/.test(line));
    expect(succeeded).toBeGreaterThan(lines.indexOf(partialLines.at(-1)!));

    // The ledger: the final answer, redacted, and nothing of the partials.
    const runId = /run (run-[\w-]+)/.exec(run.stdout)![1]!;
    const workspace = await createBaton({ home });
    try {
      const events = await workspace.events(runId);
      expect(events.filter((event) => event.type.includes('partial'))).toEqual([]);
      expect(events.find((event) => event.type === 'attempt.succeeded')?.data).toMatchObject({
        output: `Once upon a time the key [redacted:${KEY_VARIABLE}] was kept secret forever.`,
        usage: { inputTokens: 7, outputTokens: 11 },
      });
    } finally {
      await workspace.close();
    }
  });
});
