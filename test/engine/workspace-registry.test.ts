import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanError, type Plan } from '../../src/core/index.js';
import { createBaton, loadRegistryFile, type LoadedRegistry } from '../../src/engine/index.js';
import { replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

/** A registry whose one command, `say`, prints `word`; plans may declare only people. */
async function registryPrinting(dir: string, word: string): Promise<LoadedRegistry> {
  const file = join(dir, 'baton.yaml');
  writeFileSync(
    file,
    `capabilities:\n  say:\n    kind: command\n    command: [node, -e, "process.stdout.write('${word}')"]\n    skills: { say: 1 }\nplans:\n  may_declare: [human]\n`,
  );
  return loadRegistryFile(file);
}

/** A person reviews, then the registry's `say` runs: the run waits for the review in between. */
const REVIEW_THEN_SAY: Plan = {
  baton: 1,
  name: 'review-then-say',
  capabilities: { reviewer: { kind: 'human', skills: { review: 1 } } },
  steps: { review: { skill: 'review' }, say: { skill: 'say', after: ['review'] } },
};

describe('the workspace registry', () => {
  it("records the registry's capabilities and hash in run.created; the run replays from its ledger alone", async () => {
    const dir = tempDir();
    const registry = await registryPrinting(dir, 'v1');
    const baton = await createBaton({ home: dir, registry });
    const run = await baton.submit({ baton: 1, name: 'say', steps: { say: { skill: 'say' } } });
    expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { say: 'v1' } });
    const events = await baton.events(run.runId);
    const created = events[0];
    if (created?.type !== 'run.created') throw new Error('no run.created');
    expect(created.data).toMatchObject({
      registryHash: registry.hash,
      registryCapabilities: ['say'],
      mayDeclare: ['human'],
      plan: { capabilities: { say: { kind: 'command' } } },
      registry: { say: { kind: 'command', skills: { say: 1 } } },
    });
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('a registry changed after the run started does not change the resumed run', async () => {
    const dir = tempDir();
    const first = await createBaton({ home: dir, registry: await registryPrinting(dir, 'v1') });
    const run = await first.submit(REVIEW_THEN_SAY);
    expect((await run.result()).status).toBe('waiting');
    await first.close();

    // The operator edits baton.yaml; the run goes on as it was admitted.
    const second = await createBaton({ home: dir, registry: await registryPrinting(dir, 'v2') });
    await second.submitResult(run.runId, 'review', 'fine');
    const resumed = await second.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded', outputs: { say: 'v1' } });
    await second.close();
  });

  it('refuses a plan that declares a kind the policy does not allow, or redefines a registry id, writing nothing', async () => {
    const dir = tempDir();
    const baton = await createBaton({ home: dir, registry: await registryPrinting(dir, 'v1') });
    const declaring: Plan = {
      baton: 1,
      name: 'own-command',
      capabilities: { shell: { kind: 'command', command: ['true'], skills: { run: 1 } } },
      steps: { run: { skill: 'run' } },
    };
    const refusal = baton.submit(declaring);
    await expect(refusal).rejects.toThrow(PlanError);
    await expect(refusal).rejects.toMatchObject({
      issues: [{ path: ['capabilities', 'shell', 'kind'], message: expect.stringMatching(/kind human, not command/) }],
    });
    const redefining: Plan = {
      baton: 1,
      name: 'redefine',
      capabilities: { say: { kind: 'human', skills: { say: 1 } } },
      steps: { say: { skill: 'say' } },
    };
    await expect(baton.submit(redefining)).rejects.toMatchObject({
      issues: [{ path: ['capabilities', 'say'], message: expect.stringMatching(/declared by the workspace registry/) }],
    });
    expect(await baton.listRuns()).toEqual([]);
    await baton.close();
  });

  it('a plan file is refused with the line and column of the kind the policy forbids', async () => {
    const dir = tempDir();
    const baton = await createBaton({ home: dir, registry: await registryPrinting(dir, 'v1') });
    const file = join(dir, 'plan.yaml');
    writeFileSync(
      file,
      'baton: 1\nname: p\ncapabilities:\n  shell:\n    kind: command\n    command: [ls]\n    skills: { ls: 1 }\nsteps:\n  ls: { skill: ls }\n',
    );
    await expect(baton.loadPlan(file)).rejects.toMatchObject({
      issues: [{ file, line: 5, column: 11, path: ['capabilities', 'shell', 'kind'] }],
    });
    await baton.close();
  });

  it('revises a run against the registry it recorded: the new plan uses the recorded commands and is held to the recorded policy', async () => {
    const dir = tempDir();
    const first = await createBaton({ home: dir, registry: await registryPrinting(dir, 'v1') });
    const run = await first.submit(REVIEW_THEN_SAY);
    expect((await run.result()).status).toBe('waiting');
    await first.close();

    // A process without any workspace registry revises it.
    const second = await createBaton({ home: dir });
    const revised: Plan = {
      ...REVIEW_THEN_SAY,
      steps: { ...REVIEW_THEN_SAY.steps, again: { skill: 'say', after: ['say'] } },
    };
    await second.revise(run.runId, revised);
    await expect(
      second.revise(run.runId, {
        ...revised,
        capabilities: { ...revised.capabilities, shell: { kind: 'command', command: ['true'], skills: { x: 1 } } },
      }),
    ).rejects.toThrow(/lets plans declare capabilities of kind human, not command/);
    await second.submitResult(run.runId, 'review', 'fine');
    const resumed = await second.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded', outputs: { say: 'v1', again: 'v1' } });
    await second.close();
  });

  it('without a registry, run.created has no registry fields (only the correlation id every run gets)', async () => {
    const baton = await createBaton({ home: tempDir() });
    baton.register({ id: 'echo', skills: { echo: 1 }, run: (input: unknown) => input });
    const run = await baton.submit({ baton: 1, name: 'plain', steps: { echo: { skill: 'echo', input: 1 } } });
    await run.result();
    const [created] = await baton.events(run.runId);
    expect(Object.keys(created?.data ?? {}).sort()).toEqual([
      'by',
      'correlationId',
      'inputs',
      'plan',
      'planHash',
      'registry',
    ]);
    await baton.close();
  });

  it("checks a step's tools against a registry agent's tools at admission, which the plan as written does not show", async () => {
    const dir = tempDir();
    const file = join(dir, 'baton.yaml');
    writeFileSync(
      file,
      [
        'capabilities:',
        '  researcher:',
        '    kind: agent',
        '    provider: openai',
        '    model: gpt-4o-mini',
        '    skills: { research: 1 }',
        '    servers: { memory: { command: [mcp-server-memory] } }',
        '    tools: [memory/read_graph, memory/search_nodes]',
        '',
      ].join('\n'),
    );
    const baton = await createBaton({ home: dir, registry: await loadRegistryFile(file) });
    try {
      const refused = baton.submit({
        baton: 1,
        name: 'narrowed',
        steps: { research: { skill: 'research', tools: ['search_nodes', 'create_entities'] } },
      });
      await expect(refused).rejects.toThrow(PlanError);
      await expect(refused).rejects.toThrow(
        'agent "researcher" offers no tool "create_entities" (its tools: memory/read_graph, memory/search_nodes)',
      );
      expect(await baton.listRuns()).toEqual([]);
    } finally {
      await baton.close();
    }
  });
});
