import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
afterEach(() => {
  fake.requests.length = 0;
  fake.reply();
});

/** A workspace whose planner is the fake server, and a `writer` that leaves a file when it runs. */
function workspace(): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'write.mjs'),
    "import { writeFileSync } from 'node:fs';\nwriteFileSync('written.txt', 'notes');\nprocess.stdout.write(JSON.stringify({ written: true }));\n",
  );
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
  writer:
    kind: command
    command: [node, write.mjs]
    skills: { write: 1 }
plans:
  may_declare: [human, llm]
`,
  );
  return dir;
}

const NOTES = { baton: 1, name: 'notes', steps: { draft: { skill: 'write' } } };
const answer = { text: JSON.stringify({ plan: NOTES, skills_needed: [] }) };

function eventsOf(home: string, runId: string): { type: string; data: Record<string, unknown> }[] {
  const db = new Database(join(home, 'baton.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT type, data FROM events WHERE run_id = ? ORDER BY seq').all(runId) as {
      type: string;
      data: string;
    }[];
    return rows.map((row) => ({ type: row.type, data: JSON.parse(row.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

async function draftRun(dir: string, home: string, runId: string) {
  fake.reply(answer);
  return batonSettled(['run', '--objective', 'Write the release notes', '--run-id', runId], {
    cwd: dir,
    home,
    env: { PLANNER_KEY: 'sk-test' },
  });
}

describe('baton run --objective: a drafted plan waits for approval', () => {
  it('denied, the run ends denied and nothing ran', async () => {
    const dir = workspace();
    const home = tempDir();
    const run = await draftRun(dir, home, 'notes-1');
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toContain('drafted by planner (openai-compatible planner-model) in 1 call');
    expect(run.stdout).toMatch(/\? plan +waiting \(plan:1\)/);
    expect(run.stdout).toContain('plan:1 (plan): revision 1 of the plan needs a person');
    expect(run.stdout).toMatch(/draft {2}skill write -> writer/);
    expect(run.stdout).toContain('baton approve notes-1 plan:1');

    const status = baton(['status', 'notes-1'], { cwd: dir, home });
    expect(status.stdout).toContain('plan:1 (plan)');
    expect(status.stdout).toMatch(/draft {2}skill write -> writer/);
    const state = baton(['state', 'notes-1'], { cwd: dir, home });
    expect(state.stdout).toContain('plan:1 (plan)');
    expect(state.stdout).toContain('pre-flight of "notes"');

    expect(baton(['deny', 'notes-1', 'plan:1', '--comment', 'not now', '--by', 'bob'], { cwd: dir, home }).code).toBe(
      0,
    );
    const resumed = baton(['resume', 'notes-1'], { cwd: dir, home });
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toContain('revision 1 of the plan was denied by bob: not now; nothing ran');
    expect(existsSync(join(dir, 'written.txt'))).toBe(false);
    const events = eventsOf(home, 'notes-1');
    expect(events.map((e) => e.type)).not.toContain('attempt.dispatched');
    expect(events[0]?.data.approval).toMatchObject({
      drafted: { objective: 'Write the release notes', planner: 'planner' },
    });
    expect(events.at(-1)).toMatchObject({ type: 'run.denied', data: { decision: 'plan:1', by: 'bob' } });
    expect(baton(['verify', 'notes-1'], { cwd: dir, home }).code).toBe(0);
  });

  it('approved, the approval binds the drafted revision and the run goes on', async () => {
    const dir = workspace();
    const home = tempDir();
    expect((await draftRun(dir, home, 'notes-2')).code).toBe(4);
    const approved = baton(['approve', 'notes-2', 'plan:1', '--by', 'alice'], { cwd: dir, home });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('plan:1 approved by alice');
    const resumed = baton(['resume', 'notes-2'], { cwd: dir, home });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(existsSync(join(dir, 'written.txt'))).toBe(true);
    const events = eventsOf(home, 'notes-2');
    const created = events[0]?.data as { planHash: string };
    const decision = events.find((e) => e.type === 'decision.made');
    expect(decision?.data).toMatchObject({
      id: 'plan:1',
      verdict: 'approved',
      evidence: { revision: 1, planHash: created.planHash },
    });
  });

  it('refuses a plan file and an objective together, or neither, writing nothing', () => {
    const home = tempDir();
    const both = baton(['run', 'examples/quickstart.yaml', '--objective', 'x'], { home });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give a plan file or --objective, not both');
    const neither = baton(['run'], { home });
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('baton run needs a plan file');
    expect(existsSync(join(home, 'baton.db'))).toBe(false);
  });
});
