import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/index.js';
import type { WorkspaceRegistry } from '../../src/core/index.js';
import { draftPlan } from '../../src/engine/index.js';
import { isRunAnchor, verifyChain } from '../../src/ledger/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { tempDir } from '../support/temp.js';

// Its name matches no secret pattern: only `api_key_env` makes it a secret.
const KEY_VARIABLE = 'FAKE_PLANNER_PASSPHRASE';
const KEY = 'sk-planner-7d3e91c0';
const ARGV_SECRET = '--token=argv-secret-5b2f';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  delete process.env[KEY_VARIABLE];
  fake.requests.length = 0;
  fake.reply();
});

function registry(extra: Partial<WorkspaceRegistry> = {}): WorkspaceRegistry {
  return {
    capabilities: {
      planner: {
        kind: 'llm',
        provider: 'openai-compatible',
        base_url: fake.url,
        model: 'planner-model',
        api_key_env: KEY_VARIABLE,
        max_input_tokens: 40_000,
        max_output_tokens: 4_000,
        price: { input_per_mtok: 1, output_per_mtok: 2 },
        skills: { plan: 1 },
      },
      writer: { kind: 'command', command: ['node', 'write.mjs', ARGV_SECRET], skills: { write: 1 }, cost_usd: 0.01 },
      provisioner: { kind: 'command', command: ['node', 'provision.mjs'], skills: { provision: 1 } },
      smoke: { kind: 'command', command: ['node', 'smoke.mjs'], skills: { smoke: 1 } },
      reviewer: { kind: 'human', skills: { review: 1 } },
    },
    plans: { may_declare: ['human', 'llm', 'command'] },
    ...extra,
  } as WorkspaceRegistry;
}

const answer = (
  plan: unknown,
  skills: string[] = [],
): { text: string; usage: { prompt_tokens: number; completion_tokens: number } } => ({
  text: JSON.stringify({ plan, skills_needed: skills.map((skill) => ({ skill })) }),
  usage: { prompt_tokens: 9_000, completion_tokens: 400 },
});

const VALID = {
  baton: 1,
  name: 'release-notes',
  steps: {
    draft: { skill: 'write', input: 'notes' },
    review: { skill: 'review', after: ['draft'] },
  },
};

const INVALID = {
  baton: 1,
  name: 'release-notes',
  capabilities: { shell: { kind: 'command', command: ['rm', '-rf', '/'], skills: { wipe: 1 } } },
  steps: {
    draft: { skill: 'telepathy' },
    left: { skill: 'write', after: ['right'] },
    right: { skill: 'write', after: ['left'] },
  },
};

async function withBaton<T>(use: (baton: Baton) => Promise<T>): Promise<T> {
  const baton = await createBaton({ home: tempDir() });
  try {
    return await use(baton);
  } finally {
    await baton.close();
  }
}

/** Everything the fake received, as one text: what left this process for the model. */
function sent(): string {
  return fake.requests
    .map((request) => {
      const { authorization: _key, ...headers } = request.headers;
      return JSON.stringify(request.body) + JSON.stringify(headers);
    })
    .join('\n');
}

function promptOf(index: number): string {
  const messages = fake.requests[index]?.body.messages ?? [];
  return messages.map((message) => String(message.content)).join('\n');
}

describe('draftPlan against a fake OpenAI-compatible planner', () => {
  it('sends the issues of an invalid plan back and admits the repaired one, recording the planning', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer(INVALID), answer(VALID));
    await withBaton(async (baton) => {
      const result = await draftPlan(
        { objective: 'Publish release notes', registry: registry() },
        { store: baton.store },
      );
      expect(result.issues).toEqual([]);
      expect(result.plan?.name).toBe('release-notes');
      expect(result.record).toMatchObject({ result: 'admitted', calls: 2, repairs: 1, capability: 'planner' });
      expect(result.record.planHash).toMatch(/^[0-9a-f]{64}$/);
      expect(result.record.inputTokens).toBe(18_000);
      expect(result.record.costUsd).toBeCloseTo((18_000 * 1 + 800 * 2) / 1e6, 9);
      expect(result.outline?.phases.flatMap((phase) => phase.steps.map((step) => [step.step, step.route]))).toEqual([
        ['draft', 'writer'],
        ['review', 'reviewer'],
      ]);
      expect(fake.requests).toHaveLength(2);
      const repairPrompt = promptOf(1);
      expect(repairPrompt).toContain('your previous answer was refused');
      expect(repairPrompt).toContain('telepathy');
      expect(repairPrompt).toMatch(/cycle/i);
      expect(repairPrompt).toContain('a drafted plan declares no capability of kind command');
      expect(promptOf(0)).not.toContain('refused');
      const entries = await baton.store.readWorkspaceLedger();
      expect(entries.map((entry) => entry.type)).toEqual(['plan.drafted']);
      expect(entries[0]?.data).toEqual(result.record);
      expect(verifyChain(entries).ok).toBe(true);
    });
  });

  it('stops after max-repairs + 1 answers that never comply, runs nothing, and still records the planning', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer(INVALID));
    await withBaton(async (baton) => {
      const result = await draftPlan(
        { objective: 'Publish release notes', registry: registry(), maxRepairs: 2 },
        { store: baton.store },
      );
      expect(result.plan).toBeUndefined();
      expect(fake.requests).toHaveLength(3);
      expect(result.record).toMatchObject({ result: 'rejected', calls: 3, repairs: 2, planHash: null });
      expect(result.issues.join('\n')).toContain('telepathy');
      expect(await baton.store.listRuns()).toEqual([]);
      const entries = await baton.store.readWorkspaceLedger();
      expect(entries.filter(isRunAnchor)).toEqual([]);
      expect(entries.map((entry) => entry.data)).toEqual([result.record]);
    });
  });

  it('refuses a planning budget too small for one call before calling the model, and records it', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer(VALID));
    await withBaton(async (baton) => {
      // One call's worst case: 40,000 tokens in at $1/M + 4,000 out at $2/M = $0.048.
      const result = await draftPlan(
        { objective: 'Publish release notes', registry: registry(), budgetUsd: 0.04 },
        { store: baton.store },
      );
      expect(fake.requests).toHaveLength(0);
      expect(result.plan).toBeUndefined();
      expect(result.record).toMatchObject({ result: 'over_budget', calls: 0, costUsd: 0, budgetUsd: 0.04 });
      expect(result.issues[0]).toContain('less than the worst case of one more call to "planner" ($0.048)');
      expect((await baton.store.readWorkspaceLedger()).map((entry) => entry.type)).toEqual(['plan.drafted']);
    });
  });

  it('stops before a repair whose worst case would pass what is left of the budget', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer(INVALID), answer(VALID));
    const result = await draftPlan({ objective: 'Publish release notes', registry: registry(), budgetUsd: 0.055 });
    expect(fake.requests).toHaveLength(1);
    expect(result.record).toMatchObject({ result: 'over_budget', calls: 1 });
  });

  it('analyses the skills a design document needs and holds the plan to an infrastructure phase for the missing ones', async () => {
    process.env[KEY_VARIABLE] = KEY;
    const design = { name: 'design.md', text: '# Notes service\nWrite the notes, deploy them, review them.' };
    const withoutInfrastructure = { ...VALID, steps: { ...VALID.steps } };
    const withInfrastructure = {
      baton: 1,
      name: 'notes-service',
      capabilities: { deployer: { kind: 'human', skills: { deploy: 1 } } },
      steps: {
        build_deploy: {
          phase: 'infrastructure',
          skill: 'provision',
          builds: ['deploy'],
          check: { capability: 'smoke' },
        },
        draft: { phase: 'execution', skill: 'write' },
        ship: { phase: 'execution', skill: 'deploy', after: ['draft'] },
        review: { phase: 'execution', skill: 'review', after: ['ship'] },
      },
    };
    fake.reply(
      answer(withoutInfrastructure, ['write', 'deploy', 'review']),
      answer(withInfrastructure, ['write', 'deploy', 'review']),
    );
    const result = await draftPlan({ objective: 'Build the notes service', registry: registry(), design });
    expect(result.issues).toEqual([]);
    expect(result.readiness).toEqual({
      needed: ['write', 'deploy', 'review'],
      present: ['write', 'review'],
      missing: ['deploy'],
    });
    expect(result.record).toMatchObject({ result: 'admitted', repairs: 1 });
    expect(promptOf(0)).toContain('Write the notes, deploy them');
    expect(promptOf(1)).toContain('skill "deploy" is not in the registry');
    expect(result.outline?.readiness?.present).toEqual(['write', 'review']);
    expect(result.outline?.phases.map((phase) => [phase.id, phase.steps.map((step) => step.step)])).toEqual([
      ['infrastructure', ['build_deploy']],
      ['execution', ['draft', 'ship', 'review']],
    ]);
  });

  it("holds the planner's calls to the registry's provider limits, counted in the store like a step's", async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer(INVALID), answer(VALID));
    await withBaton(async (baton) => {
      const limited = registry({ limits: { 'openai-compatible': { requests_per_minute: 100 } } });
      const result = await draftPlan(
        { objective: 'Publish release notes', registry: limited },
        { store: baton.store, leases: baton.store },
      );
      expect(result.record.result).toBe('admitted');
      // Both calls counted against the key, with the tokens the provider reported (9,400 each).
      expect(await baton.store.providerLoads(Date.now(), 60_000)).toMatchObject({
        'openai-compatible': { inFlight: 0, requests: 2, tokens: 18_800 },
      });
    });
  });

  it('imposes the given constraints on the drafted plan, whatever the model wrote for them', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer({ ...VALID, constraints: { budget_usd: 100, max_parallel: 50 } }));
    const result = await draftPlan({
      objective: 'Publish release notes',
      registry: registry(),
      constraints: { budget_usd: 0.5, deadline: '2h' },
    });
    expect(result.plan?.constraints).toEqual({ budget_usd: 0.5, max_parallel: 50, deadline: '2h' });
    expect(result.outline?.budgetUsd).toBe(0.5);
    expect(promptOf(0)).toContain('## Constraints (the plan must declare these)\n{"budget_usd":0.5,"deadline":"2h"}');
  });

  it('ends the planning at a provider error, without repairs, and records it as failed', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply({ status: 401 });
    await withBaton(async (baton) => {
      const result = await draftPlan(
        { objective: 'Publish release notes', registry: registry() },
        { store: baton.store },
      );
      expect(fake.requests).toHaveLength(1);
      expect(result.record).toMatchObject({ result: 'failed', calls: 1, repairs: 0 });
      expect(result.issues).toEqual([expect.stringContaining('HTTP 401')]);
      expect((await baton.store.readWorkspaceLedger()).map((entry) => entry.data)).toEqual([result.record]);
    });
  });

  it('never sends a secret: not the API key value, not a command argv, not the key variable', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply(answer(INVALID), answer(VALID));
    await draftPlan({ objective: 'Publish release notes', registry: registry() });
    expect(fake.requests.length).toBeGreaterThan(0);
    const everything = sent();
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(ARGV_SECRET);
    expect(everything).not.toContain('write.mjs');
    expect(everything).not.toContain(KEY_VARIABLE);
    // The key reached the provider only as the Authorization header, as a provider needs it.
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
