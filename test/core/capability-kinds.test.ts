import { describe, expect, it } from 'vitest';
import { awaitsPerson, buildRegistry, planSchemas, checkPlan, runsOnlyWhereRegistered } from '../../src/core/index.js';
import { canonicalJson } from '../../src/ledger/index.js';
import { given } from './given.js';

const { CapabilityKind } = planSchemas();

const plan = {
  baton: 1,
  name: 'kinds',
  inputs: { target: { type: 'string', default: 'all' } },
  capabilities: {
    build: {
      kind: 'command',
      description: 'runs make',
      command: ['make', '{{ inputs.target }}'],
      skills: { build: 0.9 },
      cost_usd: 0.25,
      permissions: ['fs:write'],
      timeout: '2m',
      cwd: 'src',
    },
    reviewer: { kind: 'human', skills: { review: 1 }, cost_usd: 3 },
  },
  constraints: { permissions: ['fs:write'] },
  steps: { build: { skill: 'build' }, review: { skill: 'review', after: ['build'] } },
};

describe('capability kinds as a table', () => {
  it('records the same registry in run.created as before kinds were a table, so old ledgers keep their hashes', () => {
    const registry = buildRegistry(
      checkPlan(plan, (p) => buildRegistry(p)),
      [{ id: 'fn', kind: 'function', skills: { work: 0.5 }, timeoutMs: 1000 }],
    );
    // Insertion order too: the store keeps the event as written.
    expect(JSON.stringify(registry)).toBe(
      '{"build":{"id":"build","kind":"command","skills":{"build":0.9},"description":"runs make","costUsd":0.25,' +
        '"permissions":["fs:write"],"timeoutMs":120000},' +
        '"reviewer":{"id":"reviewer","kind":"human","skills":{"review":1},"costUsd":3},' +
        '"fn":{"id":"fn","kind":"function","skills":{"work":0.5},"timeoutMs":1000}}',
    );
    expect(canonicalJson(registry)).toContain('"timeoutMs":120000');
  });

  it('says a person performs human work and a machine every other kind, the unknown included', () => {
    const performers = CapabilityKind.options.map((kind) => [kind, awaitsPerson({ kind })]);
    expect(performers).toEqual([
      ['command', false],
      ['function', false],
      ['human', true],
      ['http', false],
      ['mcp', false],
      ['llm', false],
      ['agent', false],
      ['plan', false],
    ]);
    expect(awaitsPerson(undefined)).toBe(false);
    expect(awaitsPerson({ kind: 'teleport' })).toBe(false);
    expect(awaitsPerson({ kind: 'toString' })).toBe(false);
  });

  it('sends only functions to the lane of workers that registered them', () => {
    expect(CapabilityKind.options.filter((kind) => runsOnlyWhereRegistered({ kind }))).toEqual(['function']);
    expect(runsOnlyWhereRegistered({ kind: 'mcp' })).toBe(false);
  });

  it('asks a person for human work and queues machine work, by the kind table alone', () => {
    const run = given(plan);
    const [build] = run.inflight();
    expect(run.types()).toEqual(['step.routed', 'attempt.dispatched']);
    const made = run.succeed(build as string, 'built');
    expect(run.types(made).slice(-2)).toEqual(['attempt.dispatched', 'decision.requested']);
    expect(made.at(-1)).toMatchObject({ data: { id: 'human:review', kind: 'human', step: 'review' } });
  });

  it('checks the templates a kind renders from its config against the declared inputs', () => {
    const bad = {
      ...plan,
      capabilities: {
        ...plan.capabilities,
        build: { ...plan.capabilities.build, command: ['make', '{{ inputs.tagret }}'] },
      },
    };
    expect(() => checkPlan(bad, (p) => buildRegistry(p))).toThrow(/capabilities\.build\.command\[1\].*inputs\.tagret/s);
  });
});
