import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createBaton } from '../../src/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { filesUnder, tempDir } from '../support/temp.js';
import { baton, batonSettled } from './cli.js';

// Its name matches no secret pattern: only `api_key_env` makes it a secret.
const KEY_VARIABLE = 'PLANNER_PASSPHRASE';
const KEY = 'sk-plan-e2e-31f6a0d9';
const ARGV_SECRET = 'argv-secret-e2e-88c1';

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

/** A workspace directory with a baton.yaml whose planner is the fake server. */
function workspace(planner = true): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'baton.yaml'),
    `baton: 1
capabilities:
${
  planner
    ? `  planner:
    kind: llm
    provider: openai-compatible
    base_url: ${fake.url}
    model: planner-model
    api_key_env: ${KEY_VARIABLE}
    max_input_tokens: 40000
    max_output_tokens: 4000
    price: { input_per_mtok: 1, output_per_mtok: 2 }
    skills: { plan: 1 }
`
    : ''
}  writer:
    kind: command
    command: [node, write.mjs, --token, ${ARGV_SECRET}]
    skills: { write: 1 }
  provisioner:
    kind: command
    command: [node, provision.mjs]
    skills: { provision: 1 }
  smoke:
    kind: command
    command: [node, smoke.mjs]
    skills: { smoke: 1 }
  reviewer: { kind: human, skills: { review: 1 } }
plans:
  may_declare: [human, llm]
`,
  );
  return dir;
}

const answer = (plan: unknown, skills: string[] = []) => ({
  text: JSON.stringify({
    plan,
    skills_needed: skills.map((skill) => ({ skill, why: `the design asks for ${skill}` })),
  }),
  usage: { prompt_tokens: 8_000, completion_tokens: 300 },
});

const UNROUTABLE = { baton: 1, name: 'notes', steps: { draft: { skill: 'telepathy' } } };

const SERVICE = {
  baton: 1,
  name: 'notes-service',
  capabilities: { deployer: { kind: 'human', skills: { deploy: 1 } } },
  steps: {
    build_deploy: { phase: 'infrastructure', skill: 'provision', builds: ['deploy'], check: { capability: 'smoke' } },
    draft: { phase: 'execution', skill: 'write' },
    ship: { phase: 'execution', skill: 'deploy', after: ['draft'] },
  },
};

describe('baton plan', () => {
  it('analyses a design document, drafts the infrastructure phase, shows readiness, writes the plan and runs nothing', async () => {
    const dir = workspace();
    const home = tempDir();
    writeFileSync(join(dir, 'design.md'), '# Notes service\nWrite the notes and deploy them.\n');
    fake.reply(
      answer({ ...SERVICE, steps: { draft: SERVICE.steps.draft } }, ['write', 'deploy']),
      answer(SERVICE, ['write', 'deploy']),
    );
    const result = await batonSettled(
      ['plan', 'Build the notes service', '--from', 'design.md', '--out', 'plan.yaml'],
      {
        cwd: dir,
        home,
        env: { [KEY_VARIABLE]: KEY },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('readiness at start: 1/2 skills present (to build: deploy)');
    expect(result.stdout).toContain('phase infrastructure');
    expect(result.stdout).toMatch(/build_deploy {2}skill provision -> provisioner .*builds deploy; checked by smoke/);
    expect(result.stdout).toMatch(/ship {2}skill deploy -> deployer/);
    expect(result.stdout).toContain('wrote plan.yaml');
    expect(result.stdout).toMatch(/planning draft-[0-9a-f-]+: admitted, 2 calls, 1 repair, 16600 tokens/);
    expect(parse(readFileSync(join(dir, 'plan.yaml'), 'utf8'))).toMatchObject({ name: 'notes-service' });
    expect(JSON.stringify(fake.requests[1]?.body.messages)).toContain('skill \\"deploy\\" is not in the registry');
    // What left for the model: never the key, never a command's argv.
    const sent = JSON.stringify(fake.requests.map((request) => request.body));
    expect(sent).not.toContain(KEY);
    expect(sent).not.toContain(ARGV_SECRET);
    expect(result.stdout + result.stderr).not.toContain(KEY);
    for (const file of filesUnder(home)) expect(readFileSync(file).includes(KEY), file).toBe(false);

    const validated = baton(['validate', 'plan.yaml'], { cwd: dir, home });
    expect(validated.code, validated.stderr).toBe(0);
  });

  it('gives up after --max-repairs with the last issues, exit 2, no run, and the planning recorded', async () => {
    const dir = workspace();
    const home = tempDir();
    fake.reply(answer(UNROUTABLE));
    const result = await batonSettled(['plan', 'Write the notes', '--max-repairs', '1', '--out', 'plan.yaml'], {
      cwd: dir,
      home,
      env: { [KEY_VARIABLE]: KEY },
    });
    expect(result.code).toBe(2);
    expect(fake.requests).toHaveLength(2);
    expect(result.stderr).toContain(
      'no plan drafted: the planner did not answer with an admissible plan in 2 calls (1 repair); nothing was run',
    );
    expect(result.stderr).toContain('no capability offers skill "telepathy"');
    expect(existsSync(join(dir, 'plan.yaml'))).toBe(false);
    const store = await createBaton({ home });
    try {
      expect(await store.store.listRuns()).toEqual([]);
      const entries = await store.store.readWorkspaceLedger();
      expect(entries.map((entry) => [entry.type, entry.data])).toEqual([
        ['plan.drafted', expect.objectContaining({ result: 'rejected', calls: 2, repairs: 1, planHash: null })],
      ]);
    } finally {
      await store.close();
    }
    const verified = baton(['verify', '--json'], { cwd: dir, home });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it('refuses a --budget too small for one call before calling the model, and prints one JSON document', async () => {
    const dir = workspace();
    fake.reply(answer(SERVICE));
    const result = await batonSettled(['plan', 'Write the notes', '--budget', '0.01', '--json'], {
      cwd: dir,
      home: tempDir(),
      env: { [KEY_VARIABLE]: KEY },
    });
    expect(result.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
    const document = JSON.parse(result.stdout) as { record: Record<string, unknown>; issues: string[]; error: object };
    expect(document.record).toMatchObject({ result: 'over_budget', calls: 0, budgetUsd: 0.01 });
    expect(document.issues[0]).toContain('less than the worst case of one more call to "planner" ($0.048)');
    expect(document.error).toMatchObject({ code: 'plan_invalid' });
  });

  it('gives the planner the workspace context with --context, and only then, and imposes --run-budget and --deadline', async () => {
    const dir = workspace();
    const home = tempDir();
    const recorded = baton(['context', 'insight', 'The changelog script needs Node 20'], { cwd: dir, home });
    expect(recorded.code, recorded.stderr).toBe(0);
    fake.reply(answer({ baton: 1, name: 'notes', steps: { draft: { skill: 'write' } } }));
    const env = { [KEY_VARIABLE]: KEY };
    const without = await batonSettled(['plan', 'Write the notes', '--json'], { cwd: dir, home, env });
    expect(without.code, without.stderr).toBe(0);
    const withContext = await batonSettled(
      ['plan', 'Write the notes', '--context', '--run-budget', '0.25', '--deadline', '2h', '--json'],
      { cwd: dir, home, env },
    );
    expect(withContext.code, withContext.stderr).toBe(0);
    const prompts = fake.requests.map((request) => JSON.stringify(request.body.messages));
    expect(prompts[0]).not.toContain('Node 20');
    expect(prompts[1]).toContain('## Workspace context');
    expect(prompts[1]).toContain('The changelog script needs Node 20');
    const document = JSON.parse(withContext.stdout) as { plan: { name: string }; record: { result: string } };
    expect(document).toMatchObject({
      plan: { name: 'notes', constraints: { budget_usd: 0.25, deadline: '2h' } },
      record: { result: 'admitted' },
    });
  });

  it('says how to add a planner when the registry has none, and writes nothing', () => {
    const dir = workspace(false);
    const home = tempDir();
    const result = baton(['plan', 'Write the notes'], { cwd: dir, home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no capability of the workspace registry has skill "plan"');
    expect(result.stderr).toContain('skills: { plan: 1 }');
    expect(filesUnder(home)).toEqual([]);
  });
});
