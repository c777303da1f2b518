import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';
import { call, connect, ok, refused, textOf } from './mcp-client.js';

/** Infrastructure builds and leaves an artifact; execution, behind a person's approval, is a person's review. */
const PLAN = {
  baton: 1,
  name: 'handoff',
  phases: ['infrastructure', { id: 'execution', gate: { approval: true } }],
  capabilities: {
    builder: {
      kind: 'command',
      command: [
        'node',
        '-e',
        "require('fs').writeFileSync(process.env.BATON_ARTIFACTS_DIR + '/app.txt', 'built'); process.stdout.write(JSON.stringify({ ok: true }))",
      ],
      skills: { build: 1 },
    },
    reviewer: { kind: 'human', skills: { review: 1 } },
  },
  steps: {
    build: { phase: 'infrastructure', skill: 'build' },
    review: { phase: 'execution', skill: 'review', after: ['build'] },
  },
};

const TOOLS = [
  'abort',
  'act_statement',
  'append_routing_event',
  'approve',
  'cancel_step',
  'complete_context_entry',
  'context_resume',
  'defer_step',
  'deny',
  'dry_run',
  'get_run_state',
  'list_pending_decisions',
  'list_runs',
  'override_gate',
  'pause',
  'record_insight',
  'record_task',
  'request_handoff',
  'resume',
  'revert_plan',
  'revise_plan',
  'signal',
  'submit_plan',
  'submit_result',
  'update_pipeline_state',
  'validate_phase_transition',
];

interface HandoffReport {
  ok: boolean;
  handoffId: string | null;
  failedAt: string | null;
  error: string | null;
  steps: { step: string; status: string; detail: string }[];
  pending: string | null;
}

interface RunState {
  status: string;
  events: number;
  pending: { id: string }[];
  reports: { agent: string; step: string | null; status: string; by: string }[];
  handoffs: { id: string; status: string; artifacts: { name: string }[]; by: string }[];
  artifacts: { name: string; step: string }[];
  recentRouting: { summary: string }[];
}

/** The building agent hands the review to alice, a person (the `review` step runs on a `human` capability). */
const HANDOFF = {
  runId: 'release-1',
  from: { agent: 'builder-agent', step: 'build' },
  to: { agent: 'alice', step: 'review' },
  artifacts: ['build/app.txt'],
  reason: 'built; please review',
  instruction: '  Review the build for the release notes.  ',
  completionCriteria: ['the notes match the changelog'],
  knownRisks: ['the build was made without the cache'],
};

describe('baton mcp over stdio, with the SDK’s own client', () => {
  it('lists every tool with its input and output schemas, and the run resources as templates', async () => {
    const { client, errors } = await connect(tempDir());
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(40);
    }
    const handoff = tools.find((tool) => tool.name === 'request_handoff');
    expect(handoff?.inputSchema.required).toEqual(['runId', 'from', 'to', 'reason']);
    expect(Object.keys(handoff?.outputSchema?.properties ?? {})).toEqual([
      'runId',
      'ok',
      'handoffId',
      'failedAt',
      'error',
      'steps',
      'pending',
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => [t.uriTemplate, t.mimeType])).toEqual([
      ['baton://runs/{runId}/pipeline-state', 'text/markdown'],
      ['baton://runs/{runId}/routing-log', 'text/markdown'],
    ]);
    expect(errors).toEqual([]);
  });

  it('bad input gets a clear error result saying what, where and what is valid, and writes nothing', async () => {
    const home = tempDir();
    // Admin: the plan declares a command capability, and the input check below comes after the scope check.
    const { client } = await connect(home, ['--scope', 'admin']);
    expect(await refused(client, 'get_run_state', { run_id: 'x' })).toContain(
      'unknown argument "run_id"; this tool takes: runId',
    );
    expect(
      await refused(client, 'update_pipeline_state', { runId: 'r', agent: 'a', step: 's', status: 'finished' }),
    ).toMatch(/Invalid option: expected one of "assigned"\|"working"\|"blocked"\|"done" at status/);
    expect(await refused(client, 'get_run_state', { runId: 'nope' })).toBe('not_found: run "nope" not found');
    const badPlan = { ...PLAN, steps: { build: { phase: 'infrastructure', skill: 'biuld' } } };
    expect(await refused(client, 'submit_plan', { plan: badPlan })).toMatch(
      /^plan_invalid: invalid plan:\n {2}steps\.build\.skill: no capability offers skill "biuld" \(did you mean "build"\?\)/,
    );
    expect(await refused(client, 'submit_plan', { source: 'baton: 1\nname: [' })).toMatch(
      /^plan_invalid: invalid plan:\n {2}source:2:8 \(plan\): not valid YAML or JSON: /,
    );
    expect(await refused(client, 'submit_plan', { plan: PLAN, source: 'x' })).toBe(
      'bad_input: give the plan one way: `plan` (a JSON object), `source` (YAML or JSON text) or `file` (a path on the server); got plan and source',
    );
    expect(await refused(client, 'dry_run', { file: 'nope.yaml' })).toBe(
      'bad_input: cannot read plan file nope.yaml: no such file',
    );
    expect(await refused(client, 'submit_plan', { plan: { ...PLAN, inputs: { who: { type: 'string' } } } })).toContain(
      'inputs.who: input "who" (string) is required',
    );
    expect(await ok(client, 'list_runs', {})).toEqual({ runs: [] });
  });

  it('runs the whole request_handoff protocol on a real run: halts on a gate, passes once a person approves, reports partial state, and is taken up by the receiving person', async () => {
    const home = tempDir();
    const agent = await connect(home, ['--by', 'agent-1']);
    const person = await connect(home, ['--by', 'alice', '--scope', 'read,operate,approve']);
    const operator = await connect(home, ['--by', 'ops', '--scope', 'admin']);
    const state = (): Promise<RunState> => ok<RunState>(agent.client, 'get_run_state', { runId: 'release-1' });

    const preflight = await ok<{ runnable: boolean; text: string }>(agent.client, 'dry_run', { plan: PLAN });
    expect(preflight.runnable).toBe(true);
    expect(preflight.text).toMatch(/execution +gate: approval by a person/);
    // The plan runs a program on the server: the agent (read, operate) may not submit it, whatever else it may do.
    expect(await refused(agent.client, 'submit_plan', { plan: PLAN, runId: 'release-1' })).toMatch(
      /^forbidden: plan "handoff" declares capabilities that act as the server's user, on its machine and network \(builder \(command\)\): to submit it needs the admin scope; agent-1 has read, operate\./,
    );
    expect(await ok(agent.client, 'list_runs', {})).toEqual({ runs: [] });
    // An operator submits it, and leaves once it waits at the gate: the run stays for the agent to resume.
    const submitted = await ok<{
      status: string;
      settled: boolean;
      succeeded: number;
      pending: { id: string; answers: string[] }[];
    }>(operator.client, 'submit_plan', { plan: PLAN, runId: 'release-1', waitSeconds: 60 });
    await operator.client.close();
    expect(submitted).toMatchObject({
      status: 'waiting',
      settled: true,
      succeeded: 1,
      pending: [
        { id: 'gate:execution', answers: ['baton approve release-1 execution', 'baton deny release-1 execution'] },
      ],
    });
    const waiting = await state();
    expect(waiting.artifacts).toEqual([expect.objectContaining({ name: 'build/app.txt', step: 'build' })]);

    // The gate is closed: the protocol halts at the transition, after checking the artifacts, and writes none
    // of the handoff; the halt is raised as a pending decision for a governor.
    const gated = await call(agent.client, 'request_handoff', HANDOFF);
    expect(gated.isError).toBe(true);
    const halted = gated.structuredContent as unknown as HandoffReport;
    expect(halted).toMatchObject({ ok: false, handoffId: null, failedAt: 'transition' });
    expect(halted.steps.map((s) => [s.step, s.status])).toEqual([
      ['artifacts', 'done'],
      ['transition', 'failed'],
      ['state', 'not_run'],
      ['routing', 'not_run'],
      ['queue', 'not_run'],
    ]);
    expect(halted.error).toBe(
      'cannot hand off to step "review": phase "execution" is not open and cannot open now: the gate of "execution" is waiting for approval: "execution" needs a person\'s approval',
    );
    expect(textOf(gated)).toContain('handoff halted at transition');
    expect(textOf(gated)).toContain('raised for a governor as handoff:1');
    expect(halted.pending).toBe('handoff:1');
    expect((await state()).events).toBe(waiting.events + 1);

    // An agent cannot pass its own gate; a person's session can.
    expect(await refused(agent.client, 'approve', { runId: 'release-1', target: 'execution' })).toMatch(
      /^forbidden: the tool approve needs the "approve" scope, which this MCP session does not have \(it has: read, operate\)/,
    );
    expect((await state()).events).toBe(waiting.events + 1);
    const before = await ok<{ allowed: boolean; reason: string }>(agent.client, 'validate_phase_transition', {
      runId: 'release-1',
      to: 'execution',
    });
    expect(before).toMatchObject({
      allowed: false,
      reason: 'the gate of "execution" is waiting for approval: "execution" needs a person\'s approval',
    });
    const approved = await ok<{ event: { type: string; data: Record<string, unknown> } }>(person.client, 'approve', {
      runId: 'release-1',
      target: 'execution',
      comment: 'ship it',
    });
    expect(approved.event).toEqual({
      type: 'decision.made',
      data: {
        id: 'gate:execution',
        verdict: 'approved',
        by: 'alice',
        comment: 'ship it',
        // What alice was shown: the build's unsealed artifact (recorded, not enforced) and its result.
        evidence: {
          revision: 1,
          planHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          artifacts: [{ name: 'build/app.txt', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sealed: false }],
          checks: [
            { step: 'build', status: 'succeeded', passed: true, outputHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
          ],
        },
      },
    });
    const after = await ok<{ allowed: boolean; reason: string; from: string }>(
      agent.client,
      'validate_phase_transition',
      { runId: 'release-1', to: 'execution' },
    );
    expect(after).toMatchObject({
      allowed: true,
      from: 'infrastructure',
      reason: '"infrastructure" is ready; approved by alice: ship it',
    });

    // Now every step passes.
    const handed = await ok<HandoffReport>(agent.client, 'request_handoff', HANDOFF);
    expect(handed).toMatchObject({ ok: true, handoffId: 'handoff-1', failedAt: null, error: null });
    expect(handed.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(handed.steps[0]?.detail).toMatch(/^build\/app\.txt \([0-9a-f]{12}, 5 B\) exists with its recorded content$/);
    const queued = await state();
    // The halt, the approval, then the report, the route and the handoff (which withdraws the halt's question).
    expect(queued.events).toBe(waiting.events + 5);
    expect(queued.reports).toEqual([
      expect.objectContaining({ agent: 'alice', step: 'review', status: 'assigned', by: 'agent-1' }),
    ]);
    expect(queued.handoffs).toEqual([
      expect.objectContaining({
        id: 'handoff-1',
        status: 'queued',
        artifacts: [expect.objectContaining({ name: 'build/app.txt' })],
        instruction: 'Review the build for the release notes.',
        completionCriteria: ['the notes match the changelog'],
        knownRisks: ['the build was made without the cache'],
        by: 'agent-1',
      }),
    ]);
    expect(queued.recentRouting[0]?.summary).toBe(
      'handoff-1 queued: builder-agent (build) → alice (review): built; please review',
    );

    // The same handoff again: the first four steps are done again and stay done; the queue refuses a second copy.
    const again = await call(agent.client, 'request_handoff', HANDOFF);
    const partial = again.structuredContent as unknown as HandoffReport;
    expect(again.isError).toBe(true);
    expect(partial.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'failed']);
    expect(partial.error).toMatch(/^handoff-1 already hands step "review" to "alice" and is still queued/);
    expect((await state()).events).toBe(queued.events + 2);

    // The conductor opens execution and gives the review to a person's task, which only a person's session may answer.
    const resumed = await ok<{ status: string; pending: { id: string }[] }>(agent.client, 'resume', {
      runId: 'release-1',
      waitSeconds: 60,
    });
    expect(resumed).toMatchObject({ status: 'waiting', pending: [{ id: 'human:review' }] });
    expect(
      await refused(person.client, 'update_pipeline_state', {
        runId: 'release-1',
        agent: 'alice',
        step: 'review',
        status: 'done',
      }),
    ).toBe(
      'conflict: step "review" has not succeeded (it is running): "done" must agree with the ledger, where a step is done once the conductor accepts its result; it waits for a person\'s result: submit it with submit_result, then report "done"',
    );
    await ok(person.client, 'update_pipeline_state', {
      runId: 'release-1',
      agent: 'alice',
      step: 'review',
      status: 'working',
      note: 'reading the build',
    });
    expect((await state()).handoffs[0]?.status).toBe('accepted');
    const pending = await ok<{ decisions: { id: string; tools: string[]; scope: string }[] }>(
      agent.client,
      'list_pending_decisions',
      { runId: 'release-1' },
    );
    expect(pending.decisions).toEqual([
      expect.objectContaining({ id: 'human:review', tools: ['submit_result'], scope: 'perform' }),
    ]);
    expect(
      await refused(agent.client, 'submit_result', {
        runId: 'release-1',
        step: 'review',
        output: { verdict: 'approved' },
      }),
    ).toMatch(/^forbidden: the tool submit_result needs the "perform" scope/);
    const submitted2 = await ok<{ event: { type: string; data: { by: string } } }>(person.client, 'submit_result', {
      runId: 'release-1',
      step: 'review',
      output: { verdict: 'approved' },
    });
    expect(submitted2.event).toMatchObject({ type: 'attempt.succeeded', data: { by: 'alice' } });
    expect(await ok(agent.client, 'resume', { runId: 'release-1', waitSeconds: 60 })).toMatchObject({
      status: 'succeeded',
      settled: true,
      outputs: { build: { ok: true }, review: { verdict: 'approved' } },
    });
    // The last step's "done" comes after the run ended with it; work on an ended run does not.
    await ok(person.client, 'update_pipeline_state', {
      runId: 'release-1',
      agent: 'alice',
      step: 'review',
      status: 'done',
    });
    expect(
      await refused(agent.client, 'update_pipeline_state', {
        runId: 'release-1',
        agent: 'x',
        step: 'review',
        status: 'working',
      }),
    ).toBe(
      'conflict: cannot report "working": run "release-1" has already succeeded (only "done" can still be reported, for a step that succeeded)',
    );

    // The ledger verifies, and the CLI's projections show what the agents did, with who recorded it.
    expect(baton(['verify', 'release-1'], { home }).code).toBe(0);
    const handoffs = JSON.parse(baton(['handoffs', 'release-1', '--json'], { home }).stdout) as {
      kind: string;
      status?: string;
    }[];
    expect(handoffs.filter((h) => h.kind === 'agent')).toEqual([
      // The handoff followed its receiving step: the review succeeded, so the handoff is done.
      expect.objectContaining({
        id: 'handoff-1',
        status: 'done',
        by: 'agent-1',
        instruction: 'Review the build for the release notes.',
        completionCriteria: ['the notes match the changelog'],
        knownRisks: ['the build was made without the cache'],
      }),
    ]);
    const handoffText = baton(['handoffs', 'release-1'], { home }).stdout;
    expect(handoffText).toMatch(/handoff-1 builder-agent \(build\) → alice \(review\) done at #\d+ /);
    expect(handoffText).toMatch(/taken up by alice at #\d+\n/);
    expect(handoffText).toContain('    instruction: Review the build for the release notes.\n');
    expect(handoffText).toContain('    done when: the notes match the changelog\n');
    expect(handoffText).toContain('    known risk: the build was made without the cache\n');
    const stateText = baton(['state', 'release-1'], { home }).stdout;
    expect(stateText).toContain('  handoff-1 builder-agent (build) → alice (review) accepted ');
    expect(stateText).toContain('    instruction: Review the build for the release notes.\n');
    expect(baton(['log', 'release-1'], { home }).stdout).toContain(
      '↳ builder-agent → alice: built; please review (recorded by agent-1)',
    );
    expect(agent.errors).toEqual([]);
    expect(person.errors).toEqual([]);
  });

  it('resources read as Markdown: the pipeline state and the routing log of a run', async () => {
    const home = tempDir();
    const { client } = await connect(home, ['--scope', 'admin']);
    // Submitted without waiting, then resumed while this server still conducts it: resume waits for it rather than refusing.
    expect(await ok(client, 'submit_plan', { plan: PLAN, runId: 'r-md', waitSeconds: 0 })).toMatchObject({
      runId: 'r-md',
    });
    expect(await ok(client, 'resume', { runId: 'r-md', waitSeconds: 60 })).toMatchObject({
      status: 'waiting',
      settled: true,
      pending: [{ id: 'gate:execution' }],
    });
    // One engine conducted it: nothing was recovered as if after a crash, and the build ran once.
    const conducted = await ok<{ steps: { step: string; attempts: number }[]; recentRouting: { type: string }[] }>(
      client,
      'get_run_state',
      { runId: 'r-md' },
    );
    expect(conducted.steps.find((step) => step.step === 'build')?.attempts).toBe(1);
    expect(baton(['log', 'r-md'], { home }).stdout).toMatch(/outcome: succeeded {2}\[build\/a1 succeeded \d+ms\]\n/);
    await ok(client, 'append_routing_event', {
      runId: 'r-md',
      agent: 'lead',
      step: 'review',
      to: 'reviewer-agent',
      reason: 'knows the code',
      candidates: [
        { name: 'reviewer-agent', score: 0.9 },
        { name: 'other', score: 0.1 },
      ],
    });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['baton://runs/r-md/pipeline-state', 'baton://runs/r-md/routing-log']);
    const state = await client.readResource({ uri: 'baton://runs/r-md/pipeline-state' });
    expect(state.contents).toEqual([
      expect.objectContaining({ uri: 'baton://runs/r-md/pipeline-state', mimeType: 'text/markdown' }),
    ]);
    const markdown = (state.contents[0] as { text: string }).text;
    expect(markdown).toBe(baton(['state', 'r-md', '--md'], { home }).stdout);
    expect(markdown).toContain('# Pipeline state: handoff (`r-md`)');
    expect(markdown).toContain('| `gate:execution` | gate |');
    const log = (
      (await client.readResource({ uri: 'baton://runs/r-md/routing-log' })).contents[0] as {
        text: string;
        mimeType: string;
      }
    ).text;
    expect(log).toContain('# Routing log: `r-md`');
    expect(log).toContain('## `build` → builder (skill `build`)');
    expect(log).toContain('## `review` (not routed)');
    expect(log).toMatch(
      /lead → \*\*reviewer-agent\*\*: knows the code \(recorded by mcp:[^)]+\); weighed: \*\*reviewer-agent\*\* 0\.9, other 0\.1/,
    );
    await expect(client.readResource({ uri: 'baton://runs/nope/routing-log' })).rejects.toThrow(
      'not_found: run "nope" not found',
    );
  });

  it('keeps the workspace context: records and completes tasks, and says what a new session should continue', async () => {
    const home = tempDir();
    const operator = await connect(home, ['--scope', 'admin']);
    await ok(operator.client, 'submit_plan', { plan: PLAN, runId: 'r-ctx', waitSeconds: 60 });
    expect(await ok(operator.client, 'record_task', { text: ' review the build ', runId: 'r-ctx' })).toMatchObject({
      id: 'task-1',
      kind: 'task',
      text: 'review the build',
      status: 'open',
      runId: 'r-ctx',
    });
    expect(await ok(operator.client, 'record_task', { text: 'write release notes' })).toMatchObject({ id: 'task-2' });
    expect(await ok(operator.client, 'complete_context_entry', { id: 'task-2', outcome: 'written' })).toMatchObject({
      id: 'task-2',
      status: 'complete',
      outcome: 'written',
    });
    expect(await refused(operator.client, 'complete_context_entry', { id: 'task-2', outcome: 'again' })).toMatch(
      /^conflict: task "task-2" is already complete/,
    );
    expect(await refused(operator.client, 'complete_context_entry', { id: 'task-9', outcome: 'x' })).toBe(
      'not_found: task "task-9" not found',
    );

    const reader = await connect(home, ['--scope', 'read']);
    const resume = await ok<{
      tasks: { id: string }[];
      pending: { runId: string; id: string }[];
      running: { runId: string }[];
    }>(reader.client, 'context_resume', {});
    expect(resume.tasks.map((t) => t.id)).toEqual(['task-1']);
    expect(resume.pending.map((d) => [d.runId, d.id])).toEqual([['r-ctx', 'gate:execution']]);
    expect(resume.running.map((r) => r.runId)).toEqual(['r-ctx']);
    expect(await refused(reader.client, 'record_task', { text: 'x' })).toMatch(/^forbidden: /);
    expect(await refused(reader.client, 'complete_context_entry', { id: 'task-1', outcome: 'x' })).toMatch(
      /^forbidden: /,
    );
  });

  it('a session with only the read scope reads but changes nothing, and --scope is checked before anything starts', async () => {
    const home = tempDir();
    const operator = await connect(home, ['--scope', 'admin']);
    await ok(operator.client, 'submit_plan', { plan: PLAN, runId: 'r-ro', waitSeconds: 60 });
    const reader = await connect(home, ['--scope', 'read']);
    expect(await ok<{ status: string }>(reader.client, 'get_run_state', { runId: 'r-ro' })).toMatchObject({
      status: 'waiting',
    });
    expect(await refused(reader.client, 'pause', { runId: 'r-ro' })).toMatch(
      /^forbidden: the tool pause needs the "operate" scope, which this MCP session does not have \(it has: read\)/,
    );
    expect(await refused(reader.client, 'record_insight', { text: 'x' })).toMatch(/^forbidden: /);
    expect(await ok(reader.client, 'dry_run', { plan: PLAN })).toMatchObject({ runnable: true });
    expect(await refused(reader.client, 'dry_run', { file: 'package.json' })).toMatch(
      /^forbidden: reading a plan file from the server's disk \(give the plan as `plan` or `source` instead\) needs the "operate" scope/,
    );
    const bad = baton(['mcp', '--scope', 'read,aprove'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'baton: unknown scope "aprove" in --scope (did you mean "approve"?); scopes: read, operate, perform, approve, admin\n',
    );
    expect(bad.stdout).toBe('');
  });
});
