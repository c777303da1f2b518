import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { filesUnder, tempDir } from '../support/temp.js';
import { baton, batonSettled, ROOT } from './cli.js';

const AI = join(ROOT, 'examples/ai');
const KEY_VARIABLE = 'LOCAL_LLM_PASSPHRASE';
const KEY = 'sk-local-9c2e7f1a6b3d';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});

describe('the AI examples', () => {
  it.each(readdirSync(AI).filter((file) => file.endsWith('.yaml')))('%s validates without a key', (file) => {
    const result = baton(['validate', join(AI, file)], {
      home: tempDir(),
      env: { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
    });
    expect(result.code, result.stderr).toBe(0);
  });

  it('the local example runs end to end against an OpenAI-compatible server, and its key is in no output or file', async () => {
    const dir = tempDir();
    // The example as written, pointed at the fake server and given a key, as a hosted vLLM would need.
    const plan = readFileSync(join(AI, 'local.yaml'), 'utf8')
      .replaceAll('http://127.0.0.1:11434/v1', fake.url)
      .replaceAll('    model: llama3.2\n', `    model: llama3.2\n    api_key_env: ${KEY_VARIABLE}\n`);
    writeFileSync(join(dir, 'local.yaml'), plan);
    fake.reply(
      { text: `WAL writes changes to a log first (key ${KEY}).`, usage: { prompt_tokens: 20, completion_tokens: 12 } },
      { text: '{"terms": ["write-ahead log", "checkpoint"]}', usage: { prompt_tokens: 30, completion_tokens: 9 } },
    );
    const home = tempDir();
    const run = await batonSettled(['run', join(dir, 'local.yaml'), '--json'], { home, env: { [KEY_VARIABLE]: KEY } });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { runId: string; outputs: Record<string, unknown>; tokens: unknown };
    expect(result.tokens).toEqual({ inputTokens: 50, outputTokens: 21 });
    expect(result.outputs).toEqual({
      explain: `WAL writes changes to a log first (key [redacted:${KEY_VARIABLE}]).`,
      key_terms: { terms: ['write-ahead log', 'checkpoint'] },
    });
    expect(fake.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);

    const status = baton(['status', result.runId, '--json'], { home });
    expect(JSON.parse(status.stdout)).toMatchObject({
      tokens: { inputTokens: 50, outputTokens: 21 },
      steps: [
        { step: 'explain', tokens: { inputTokens: 20, outputTokens: 12 } },
        { step: 'key_terms', tokens: { inputTokens: 30, outputTokens: 9 } },
      ],
    });
    const shown = baton(['status', result.runId], { home });
    expect(shown.stdout).toContain('model tokens: 50 in / 21 out tokens');
    const log = baton(['log', result.runId, '--json'], { home });
    expect(JSON.parse(log.stdout)).toMatchObject([
      { step: 'explain', attempts: [{ usage: { inputTokens: 20, outputTokens: 12 } }] },
      { step: 'key_terms', attempts: [{ usage: { inputTokens: 30, outputTokens: 9 } }] },
    ]);
    for (const output of [run, status, shown, log, baton(['log', result.runId], { home })])
      expect(output.stdout + output.stderr).not.toContain(KEY);
    for (const file of filesUnder(home)) expect(readFileSync(file).includes(KEY), file).toBe(false);
  });
});
