import { describe, expect, it } from 'vitest';
import { expectDocumented, expectError, startServer } from './harness.js';

const team = { baton: 1, name: 'team', steps: { echo: { skill: 'work', input: 'hi' } } };

describe('sub-plans over HTTP', () => {
  it('GET /v1/runs/{id} has the child runs (subPlans), and a child its parent, as the schema documents', async () => {
    const s = await startServer();
    const run = await s.baton.submit({ baton: 1, name: 'parent', steps: { team: { plan: team } } });
    expect((await run.result()).status).toBe('succeeded');
    const view = (await expectDocumented(
      s,
      'getRun',
      await s.call('GET', `/v1/runs/${run.runId}`, { token: s.tokens.read }),
      200,
    )) as { subPlans: { step: string; runId: string; status: string; children: unknown[] }[] };
    const childId = `${run.runId}.team-a1`;
    expect(view.subPlans).toEqual([
      { step: 'team', attemptId: 'team/a1', runId: childId, name: 'team', status: 'succeeded', children: [] },
    ]);
    const child = (await expectDocumented(
      s,
      'getRun',
      await s.call('GET', `/v1/runs/${childId}`, { token: s.tokens.read }),
      200,
    )) as { parent: { runId: string; step: string } };
    expect(child.parent).toMatchObject({ runId: run.runId, step: 'team', attemptId: 'team/a1' });
    await s.baton.close();
  });

  it('refuses a submitted plan that names a sub-plan file, and one whose inline child runs commands without admin', async () => {
    const s = await startServer();
    const named = await expectError(
      await s.call('POST', '/v1/runs', {
        body: { plan: { baton: 1, name: 'p', steps: { team: { plan: './team.yaml' } } } },
      }),
      400,
      'plan_invalid',
    );
    expect(named.issues?.[0]).toMatchObject({ path: ['body', 'plan', 'steps', 'team', 'plan'] });
    expect(named.issues?.[0]?.message).toMatch(/names a file, and this plan was given as text or data/);
    const commands = {
      ...team,
      capabilities: { sh: { kind: 'command', command: ['touch', 'x'], skills: { run: 1 } } },
      steps: { a: { skill: 'run' } },
    };
    const forbidden = await expectError(
      await s.call('POST', '/v1/runs', {
        token: s.tokens.operate,
        body: { plan: { baton: 1, name: 'p', steps: { team: { plan: commands } } } },
      }),
      403,
      'forbidden',
    );
    expect(forbidden.message).toContain('sh (command) in the sub-plan of team');
    expect(await s.baton.listRuns()).toEqual([]);
    await s.baton.close();
  });
});
