import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { tempDir } from '../support/temp.js';
import { baton, batonSettled } from './cli.js';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.reply({ text: 'written', usage: { prompt_tokens: 30, completion_tokens: 20 }, latencyMs: 200 });
});
afterAll(async () => {
  await fake.close();
});

describe('provider limits through the CLI', () => {
  it('holds steps to one call at a time, says why in status and log, and lists the limit with its load', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'baton.yaml'),
      [
        'capabilities:',
        '  writer:',
        '    kind: llm',
        '    provider: openai-compatible',
        `    base_url: ${fake.url}`,
        '    model: fake-model',
        '    limit: local-model',
        '    skills: { write: 1 }',
        'limits:',
        '  local-model: { concurrent: 1, tokens_per_minute: 100000 }',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'plan.yaml'),
      'baton: 1\nname: three-at-once\nsteps:\n  a: { skill: write, input: one }\n  b: { skill: write, input: two }\n  c: { skill: write, input: three }\n',
    );
    const home = tempDir();
    const run = await batonSettled(['run', 'plan.yaml', '--json'], { home, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    // One call at a time: no request reached the provider while another was in flight.
    expect(fake.requests.length).toBe(3);
    const arrivals = fake.requests.map((request) => request.at);
    // Each call answers 200 ms after it arrives, and the next may only start once it has.
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(200);

    const status = baton(['status', runId], { home, cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/held \d+\.\d s by limits\.local-model\.concurrent/);
    const log = baton(['log', runId], { home, cwd: dir });
    expect(log.stdout).toMatch(
      /succeeded \d+ms 30 in \/ 20 out tokens \(held \d+\.\d s by limits\.local-model\.concurrent\)/,
    );

    const listed = baton(['capabilities', '--json'], { home, cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const view = JSON.parse(listed.stdout) as { capabilities: { limit?: string }[]; limits: unknown[] };
    expect(view.capabilities).toEqual([expect.objectContaining({ limit: 'local-model' })]);
    // The three calls ended within the minute: they still count against it, with the tokens they used.
    expect(view.limits).toEqual([
      {
        key: 'local-model',
        concurrent: 1,
        tokens_per_minute: 100_000,
        load: { inFlight: 0, requests: 3, tokens: 150 },
        capabilities: ['writer'],
      },
    ]);
    const table = baton(['capabilities'], { home, cwd: dir });
    expect(table.stdout).toContain('1 at once, 100000 tokens/min');
    expect(table.stdout).toContain('0 in flight, 3 requests and 150 tokens in the window');
  }, 60_000);
});
