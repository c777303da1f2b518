import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { tempDir } from '../support/temp.js';
import { baton, batonSettled } from './cli.js';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});

/** `origin` always fails; `mirror` works; the planner is the fake server. */
function workspace(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'baton.yaml'),
    `baton: 1
capabilities:
  planner:
    kind: llm
    provider: openai-compatible
    base_url: ${fake.url}
    model: planner-model
    api_key_env: PLANNER_KEY
    max_input_tokens: 40000
    max_output_tokens: 4000
    skills: { plan: 1 }
  origin:
    kind: command
    command: [node, -e, "process.exit(3)"]
    skills: { fetch: 1 }
  mirror:
    kind: command
    command: [node, -e, "process.stdout.write(JSON.stringify('from the mirror'))"]
    skills: { mirror: 1 }
`,
  );
  writeFileSync(
    join(dir, 'fetch.yaml'),
    `baton: 1
name: fetch
objective: get the release notes
replan: { on: escalation, max: 1 }
steps:
  fetch: { skill: fetch, on_failure: escalate }
`,
  );
  return dir;
}

const REVISED = { baton: 1, name: 'fetch', objective: 'get the release notes', steps: { fetch: { skill: 'mirror' } } };

describe('replanning with the registry planner, through the CLI', () => {
  it('a step escalates, the planner proposes a revision, a person approves it, and the run succeeds', async () => {
    const dir = workspace();
    const home = tempDir();
    fake.reply({ text: JSON.stringify({ plan: REVISED, skills_needed: [] }) });
    const env = { PLANNER_KEY: 'sk-test' };
    const run = await batonSettled(['run', 'fetch.yaml', '--run-id', 'fetch-1'], { cwd: dir, home, env });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toContain('plan:2 (plan): the planner (planner) proposes a revision after an escalation');
    expect(run.stdout).toContain('escalation:fetch');
    expect(fake.requests).toHaveLength(1);
    const prompt = JSON.stringify(fake.requests[0]?.body.messages);
    expect(prompt).toContain('Step \\"fetch\\" escalated');
    // Nothing of a capability's configuration reaches the model: not the key, not a command's argv or directory.
    for (const secret of ['sk-test', 'PLANNER_KEY', 'process.exit(3)', dir]) expect(prompt).not.toContain(secret);

    expect(baton(['approve', 'fetch-1', 'plan:2', '--by', 'alice'], { cwd: dir, home, env }).code).toBe(0);
    const resumed = baton(['resume', 'fetch-1'], { cwd: dir, home, env });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);

    const db = new Database(join(home, 'baton.db'), { readonly: true });
    const types = (
      db.prepare('SELECT type FROM events WHERE run_id = ? ORDER BY seq').all('fetch-1') as { type: string }[]
    ).map((row) => row.type);
    const planning = db.prepare("SELECT count(*) AS n FROM workspace_ledger WHERE type = 'plan.drafted'").get() as {
      n: number;
    };
    db.close();
    expect(types).toEqual(
      expect.arrayContaining(['replan.requested', 'plan.proposed', 'decision.made', 'plan.revised', 'run.succeeded']),
    );
    expect(types.indexOf('plan.revised')).toBe(types.indexOf('decision.made') + 1);
    expect(planning.n).toBe(1);
    expect(baton(['verify', 'fetch-1'], { cwd: dir, home }).code).toBe(0);
  });
});
