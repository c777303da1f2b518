import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, batonAsync, ROOT, type CliResult } from './cli.js';

const APPROVAL = 'examples/governance/approval.yaml';
const SIGNAL = 'examples/governance/signal.yaml';
const COMPENSATE = 'examples/governance/compensate.yaml';
const HUMAN = 'examples/governance/human.yaml';

interface RunStatus {
  status: string;
  events: number;
  pending: { id: string; kind: string; by?: string; answers: string[] }[];
  steps: { step: string; status: string }[];
}

function status(home: string, runId: string): RunStatus {
  const result = baton(['status', runId, '--json'], { home });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as RunStatus;
}

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** Starts a run that stops at its first pending decision (exit 4). */
function runUntilWaiting(home: string, args: string[]): CliResult {
  const result = baton(['run', ...args], { home });
  expectCode(result, 4);
  return result;
}

describe('governance from the command line', () => {
  it('--dry-run prints the pre-flight report and writes nothing; an unfit plan is refused with the arithmetic', () => {
    const home = join(tempDir(), 'never-created');
    const report = baton(['run', 'examples/patterns/governed.yaml', '--dry-run'], { home });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/minimum cost {2}\$0\.60/);
    expect(report.stdout).toMatch(/execution +gate: approval by a person/);
    expect(report.stdout).toMatch(/no problems: the plan can run/);
    const plan = join(tempDir(), 'over.yaml');
    writeFileSync(
      plan,
      readFileSync('examples/patterns/governed.yaml', 'utf8').replace('budget_usd: 2.00', 'budget_usd: 0.55'),
    );
    const refused = baton(['run', plan, '--dry-run', '--json'], { home });
    expect(refused.code).toBe(2);
    expect((JSON.parse(refused.stdout) as { problems: string[] }).problems.join('\n')).toMatch(
      /minimum cost \$0\.60 .* exceeds budget_usd \$0\.55/,
    );
    const run = baton(['run', plan], { home });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pre-flight refused plan "governed"/);
    expect(baton(['status', '--json'], { home }).stdout.trim()).toBe('[]');
  });

  it('approve: run stops at the gate with exit 4 and says how to answer; approve records who and why; resume finishes', () => {
    const home = tempDir();
    const run = runUntilWaiting(home, [APPROVAL, '--run-id', 'release-1']);
    expect(run.stdout).toMatch(/run release-1 waits for a decision/);
    expect(run.stdout).toContain('? gate:execution (gate): the gate of "execution" is waiting for approval');
    expect(run.stdout).toContain('    baton approve release-1 execution\n');
    expect(run.stdout).toContain('    baton deny release-1 execution\n');
    expect(run.stdout).toContain('then continue it with: baton resume release-1');
    expect(status(home, 'release-1')).toMatchObject({
      status: 'waiting',
      pending: [
        {
          id: 'gate:execution',
          kind: 'gate',
          answers: ['baton approve release-1 execution', 'baton deny release-1 execution'],
        },
      ],
    });

    const approved = baton(
      ['approve', 'release-1', 'execution', '--comment', 'staging looks right', '--by', 'alice', '--json'],
      { home },
    );
    expectCode(approved, 0);
    expect(JSON.parse(approved.stdout)).toEqual({
      runId: 'release-1',
      event: {
        type: 'decision.made',
        data: {
          id: 'gate:execution',
          verdict: 'approved',
          by: 'alice',
          comment: 'staging looks right',
          // The operating-system account that ran the command: `--by` is only what it says.
          account: `${userInfo().username}@${hostname()}`,
          // What the approver was shown: the plan in force and the result of the phase before the gate.
          evidence: {
            revision: 1,
            planHash: expect.stringMatching(/^[0-9a-f]{64}$/),
            artifacts: [],
            checks: [
              { step: 'build', status: 'succeeded', passed: true, outputHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
            ],
          },
        },
      },
    });
    // Answered twice: nothing is pending any more.
    const again = baton(['approve', 'release-1', 'execution'], { home });
    expectCode(again, 2);
    expect(again.stderr).toContain('(nothing is pending)');

    const resumed = baton(['resume', 'release-1'], { home });
    expectCode(resumed, 0);
    expect(resumed.stdout).toMatch(
      /▸ phase execution\s+opened after "infrastructure": "infrastructure" is ready; approved by alice: staging looks right/,
    );
    expect(resumed.stdout).toMatch(/run release-1 succeeded/);
    expect(resumed.stdout).toContain('budget: $0.35 spent, $0 reserved, limit $1');
    expect(status(home, 'release-1')).toMatchObject({ status: 'succeeded', pending: [] });
  });

  it('deny: the run ends denied, resume exits 1', () => {
    const home = tempDir();
    runUntilWaiting(home, [APPROVAL, '--run-id', 'release-2']);
    const denied = baton(['deny', 'release-2', 'gate:execution', '--comment', 'not this week', '--by', 'bob'], {
      home,
    });
    expectCode(denied, 0);
    expect(denied.stdout).toBe(
      'recorded in run release-2: gate:execution denied by bob: "not this week"\n  the engine conducting the run takes it in; if none is, baton resume release-2 continues the run\n',
    );
    const resumed = baton(['resume', 'release-2', '--json'], { home });
    expectCode(resumed, 1);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'denied',
      failure: 'the gate of phase "execution" was denied by bob: not this week',
      ledger: { verified: true },
    });
    expect(status(home, 'release-2').status).toBe('denied');
  });

  it('signal: an awaiting step gets the signal and its data', () => {
    const home = tempDir();
    const run = runUntilWaiting(home, [SIGNAL, '--run-id', 'nightly-7', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'waiting',
      pending: [{ id: 'signal:go', kind: 'signal', answers: ['baton signal nightly-7 go [--data JSON]'] }],
    });
    const sent = baton(['signal', 'nightly-7', 'go', '--data', '{"version": "2.1"}'], { home });
    expectCode(sent, 0);
    expect(sent.stdout).toContain('recorded in run nightly-7: signal "go" from ');
    const resumed = baton(['resume', 'nightly-7', '--json'], { home });
    expectCode(resumed, 0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'succeeded',
      outputs: { go: { signal: 'go', data: { version: '2.1' } }, publish: { version: '2.1' } },
    });
  });

  it('abort: completed steps are compensated newest first, and the run ends aborted with exit 1', () => {
    const home = tempDir();
    const journal = join(tempDir(), 'journal.txt');
    runUntilWaiting(home, [COMPENSATE, '--run-id', 'change-3', '--input', `journal=${journal}`]);
    expect(readFileSync(journal, 'utf8')).toBe('do reserve\ndo migrate\n');
    const aborted = baton(['abort', 'change-3', '--reason', 'wrong window', '--by', 'carol'], { home });
    expectCode(aborted, 0);
    expect(aborted.stdout).toContain('abort by carol: "wrong window"');
    expect(aborted.stdout).toContain('baton resume change-3 carries out the abort');
    const resumed = baton(['resume', 'change-3'], { home });
    expectCode(resumed, 1);
    expect(resumed.stdout).toMatch(/↺ run\s+compensating, newest first: migrate, reserve/);
    expect(resumed.stdout).toMatch(/run change-3 aborted/);
    expect(readFileSync(journal, 'utf8')).toBe('do reserve\ndo migrate\nundo migrate\nundo reserve\n');
    expect(status(home, 'change-3').status).toBe('aborted');
    // An aborted run takes no more commands.
    const late = baton(['signal', 'change-3', 'switch'], { home });
    expectCode(late, 2);
    expect(late.stderr).toBe('baton: cannot signal: run "change-3" has already aborted\n');
  });

  it("consensus with compare: judge: a judge's disagreement stops the run, its reasons in status, state and log", () => {
    const dir = tempDir();
    const answer = (text: unknown) => ['node', '-e', `process.stdout.write(${JSON.stringify(JSON.stringify(text))})`];
    const plan = {
      baton: 1,
      name: 'judged',
      capabilities: {
        a: { kind: 'command', command: answer('Paris'), skills: { answer: 0.9 } },
        b: { kind: 'command', command: answer('Lyon'), skills: { answer: 0.8 } },
        referee: {
          kind: 'command',
          command: answer({ agree: false, reasons: 'Paris is not Lyon' }),
          skills: { judge: 1 },
        },
      },
      steps: { capital: { skill: 'answer', consensus: { n: 2, agree: 'all', compare: 'judge' } } },
    };
    writeFileSync(join(dir, 'judged.json'), JSON.stringify(plan));
    const home = tempDir();
    const run = runUntilWaiting(home, [join(dir, 'judged.json')]);
    expect(run.stdout + run.stderr).toContain('judge referee: the votes disagree: Paris is not Lyon');
    const runId = /run (run-\S+) waits/.exec(run.stdout + run.stderr)?.[1] as string;
    const shown = baton(['status', runId], { home });
    expect(shown.stdout).toContain(
      'escalation:capital (escalation): contradiction in "capital": judge "referee" found no agreement: Paris is not Lyon',
    );
    expect(baton(['state', runId], { home }).stdout).toContain(
      'judge referee on "capital": the votes disagree: Paris is not Lyon',
    );
    expect(baton(['log', runId], { home }).stdout).toContain('judged by referee');
  });

  it('pause: the run shows paused; resume lifts the pause and continues', () => {
    const home = tempDir();
    runUntilWaiting(home, [APPROVAL, '--run-id', 'release-3']);
    expectCode(baton(['pause', 'release-3', '--reason', 'change freeze', '--by', 'dave'], { home }), 0);
    const twice = baton(['pause', 'release-3'], { home });
    expectCode(twice, 2);
    expect(twice.stderr).toBe('baton: run "release-3" is already paused (by dave)\n');
    expect(status(home, 'release-3').status).toBe('paused');
    expectCode(baton(['approve', 'release-3', 'execution'], { home }), 0);
    const resumed = baton(['resume', 'release-3', '--by', 'erin'], { home });
    expectCode(resumed, 0);
    expect(resumed.stdout).toMatch(/▸ run\s+pause lifted by erin/);
    expect(status(home, 'release-3').status).toBe('succeeded');
  });

  it('submit: a person supplies the result of a human step', () => {
    const home = tempDir();
    const run = runUntilWaiting(home, [HUMAN, '--run-id', 'doc-9']);
    expect(run.stdout).toContain('? human:review (human): waiting for a person to submit the result of "review"');
    expect(run.stdout).toContain('    baton submit doc-9 review --output JSON\n');
    const file = join(tempDir(), 'review.json');
    const missing = baton(['submit', 'doc-9', 'review', '--output', file], { home });
    expectCode(missing, 2);
    expect(missing.stderr).toContain(
      `--output expects a path to a JSON file or inline JSON; ${JSON.stringify(file)} is neither (as a file: no such file; as JSON: `,
    );
    const submitted = baton(['submit', 'doc-9', 'review', '--output', '{"verdict": "approved"}', '--by', 'ed'], {
      home,
    });
    expectCode(submitted, 0);
    expect(submitted.stdout).toContain(
      'recorded in run doc-9: the result of review/a1 (22 bytes of JSON) submitted by ed',
    );
    const resumed = baton(['resume', 'doc-9', '--json'], { home });
    expectCode(resumed, 0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'succeeded',
      outputs: { review: { verdict: 'approved' }, publish: { verdict: 'approved' } },
    });
  });

  it('--wait: the run keeps waiting and finishes once a second process approves', async () => {
    const home = tempDir();
    const waiting = batonAsync(['run', APPROVAL, '--run-id', 'release-4', '--wait'], { home });
    let stdout = '';
    waiting.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => waiting.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 200 && !stdout.includes('waiting (gate:execution)'); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stdout).toContain('waiting (gate:execution)');
    expectCode(baton(['approve', 'release-4', 'execution', '--by', 'frank'], { home }), 0);
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/✓ execution\s+gate:execution approved by frank/);
    expect(stdout).toMatch(/run release-4 succeeded/);
  });

  it('state (text, --md, --json), status, handoffs and log show the pipeline from the ledger', () => {
    const home = tempDir();
    runUntilWaiting(home, [APPROVAL, '--run-id', 'release-6']);
    const list = baton(['status'], { home });
    expectCode(list, 0);
    expect(list.stdout.indexOf('pending decisions')).toBe(0);
    expect(list.stdout).toContain('  run release-6 (approval)\n    ? gate:execution (gate): ');
    expect(list.stdout).toMatch(/release-6\s+approval\s+waiting/);

    const text = baton(['state', 'release-6'], { home });
    expectCode(text, 0);
    expect(text.stdout.indexOf('pending decisions')).toBe(0);
    expect(text.stdout).toMatch(/infrastructure \*\s+ready\s+open\s+none\s+1\/1/);
    expect(text.stdout).toMatch(/execution\s+needed\s+not open\s+approval\s+0\/1/);
    expect(text.stdout).toContain('budget: limit $1, spent $0.1, reserved $0, remaining $0.9');

    const md = baton(['state', 'release-6', '--md'], { home });
    expectCode(md, 0);
    expect(md.stdout).toMatch(/^# Pipeline state: approval \(`release-6`\)\n/);
    const sections = [...md.stdout.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(sections).toEqual(['Pending decisions', 'Phases', 'Budget', 'Recent routing (last 5, newest first)']);
    expect(md.stdout).toContain(
      '| `gate:execution` | gate | the gate of "execution" is waiting for approval: "execution" needs a person\'s approval | `baton approve release-6 execution`<br>`baton deny release-6 execution` |',
    );
    expect(md.stdout).toContain('| **infrastructure** (current) | ready | none | 1/1 | 0 |');
    expect(md.stdout).toContain('| $1 | $0.1 | $0 | $0.9 |');

    const json = JSON.parse(baton(['state', 'release-6', '--json'], { home }).stdout) as {
      status: string;
      currentPhase: string;
      recentRouting: { type: string }[];
      budget: unknown;
    };
    expect(json).toMatchObject({
      status: 'waiting',
      currentPhase: 'infrastructure',
      budget: { limitUsd: 1, spentUsd: 0.1, reservedUsd: 0, remainingUsd: 0.9 },
    });
    expect(json.recentRouting.map((event) => event.type)).toEqual([
      'phase.transition_denied',
      'step.routed',
      'phase.opened',
    ]);

    expectCode(baton(['approve', 'release-6', 'execution', '--by', 'alice'], { home }), 0);
    const resumed = JSON.parse(baton(['resume', 'release-6', '--json'], { home }).stdout) as {
      outputs: { build: unknown };
    };
    const found = JSON.parse(baton(['handoffs', 'release-6', '--json'], { home }).stdout) as Record<string, unknown>[];
    expect(
      found.map((h) =>
        h.kind === 'phase'
          ? `${String(h.from)}>${String(h.to)}`
          : `${(h.from as { step: string }[]).map((w) => w.step).join('+')}>${(h.to as { step: string }).step}`,
      ),
    ).toEqual(['null>infrastructure', 'infrastructure>execution', 'build>ship']);
    const text2 = JSON.stringify(resumed.outputs.build);
    const step = found[2] as {
      from: { step: string; capability: string; output: { bytes: number; sha256: string } }[];
      to: { capability: string; attemptId: string };
    };
    expect(step.from[0]).toMatchObject({
      step: 'build',
      capability: 'builder',
      output: { bytes: Buffer.byteLength(text2) },
    });
    expect(step.from[0]?.output.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(step.to).toMatchObject({ capability: 'shipper', attemptId: 'ship/a1' });
    expect(found[1]).toMatchObject({ reason: '"infrastructure" is ready; approved by alice' });
    const handoffText = baton(['handoffs', 'release-6'], { home });
    expect(handoffText.stdout).toMatch(
      /build → ship\*{0}\s*\[shipper\] ship\/a1\n {4}from build \[builder\]: output [0-9a-f]{12} \(\d+ B\)/,
    );

    const log = baton(['log', 'release-6'], { home });
    expectCode(log, 0);
    expect(log.stdout).toMatch(
      /ship {2}skill ship → shipper {2}\(the only capability offering "ship"\)\n {4}from: build\n {4}routed: input [0-9a-f]{12} \(\d+ B\); reserved \$0\.25\n/,
    );
  });

  it('log shows the constraints a route was given, and confirmations with their answers (a denial ends the run denied)', () => {
    const home = tempDir();
    const dir = tempDir();
    const plan = join(dir, 'confirm.yaml');
    writeFileSync(
      plan,
      [
        'baton: 1',
        'name: confirm',
        'constraints: { permissions: [network], confirm: [deploy] }',
        'capabilities:',
        `  worker: { kind: command, command: [node, ${JSON.stringify(join(ROOT, 'examples/scripts/work.mjs'))}], skills: { deploy: 1 }, permissions: [network] }`,
        'steps:',
        '  deploy: { skill: deploy, input: { env: prod } }',
        '',
      ].join('\n'),
    );
    const run = runUntilWaiting(home, [plan, '--run-id', 'c-1']);
    expect(run.stdout).toContain(
      '? confirm:deploy (confirm): "deploy" needs a person\'s yes before it is dispatched to "worker"',
    );
    expectCode(baton(['deny', 'c-1', 'deploy', '--by', 'gina', '--comment', 'not now'], { home }), 0);
    expectCode(baton(['resume', 'c-1'], { home }), 1);
    const log = baton(['log', 'c-1'], { home });
    expect(log.stdout).toContain('    routed: permissions network\n');
    expect(log.stdout).toContain(
      '    ? confirm:deploy: "deploy" needs a person\'s yes before it is dispatched to "worker" → denied by gina: not now\n',
    );
    const [entry] = JSON.parse(baton(['log', 'c-1', '--json'], { home }).stdout) as {
      constraints: unknown;
      decisions: unknown[];
      outcome: string;
    }[];
    expect(entry).toMatchObject({
      constraints: { reservedUsd: 0, permissions: ['network'], allow: null, scope: [] },
      decisions: [
        { id: 'confirm:deploy', kind: 'confirm', answer: { verdict: 'denied', by: 'gina', comment: 'not now' } },
      ],
    });
  });

  it('refuses bad input to every command with exit 2, saying what is valid, and writes nothing', () => {
    const home = tempDir();
    runUntilWaiting(home, [APPROVAL, '--run-id', 'release-5']);
    const before = status(home, 'release-5').events;
    const refusals: [string[], string][] = [
      [['approve', 'nope', 'execution'], 'run "nope" not found (recent runs: release-5; baton status lists them)'],
      [
        ['approve', 'release-5', 'nope'],
        'a pending decision for "nope" in run "release-5" (pending: gate:execution) not found',
      ],
      [['deny', 'release-5', 'ship'], '(pending: gate:execution)'],
      [['submit', 'release-5', 'ship', '--output', '{"a":'], '--output expects a path to a JSON file or inline JSON'],
      [['submit', 'release-5', 'build', '--output', '{}'], '(pending: gate:execution)'],
      [['signal', 'release-5', 'bad name'], 'signal name "bad name" must be letters, digits, _, ., : and -'],
      [['signal', 'release-5', 'go', '--data', '{x'], '--data expects JSON'],
      [['pause', 'nope'], 'run "nope" not found'],
      [['abort', 'release-5', '--by', ' '], '--by needs a name'],
      [['cancel', 'release-5', 'nope'], 'step "nope" in run "release-5" (steps: build, ship) not found'],
      [['cancel', 'release-5', 'build'], 'step "build" has already succeeded'],
      [['defer', 'release-5', 'ship'], 'defer needs --until TIME or --signal NAME'],
      [['defer', 'release-5', 'ship', '--until', 'tomorrow'], '--until expects an ISO 8601 time'],
      [
        ['defer', 'release-5', 'nope', '--signal', 'go'],
        'step "nope" in run "release-5" (steps: build, ship) not found',
      ],
      [['revise', 'release-5', APPROVAL], 'run "release-5" already runs this plan'],
      [['revise', 'release-5', 'nope.yaml'], 'cannot read plan file nope.yaml'],
      [['revert', 'release-5', '--to', '2'], 'revision 2 of run "release-5" (it has revisions 1 to 1) not found'],
      [['revert', 'release-5', '--to', 'x'], '--to expects a revision number'],
      [
        ['seal', 'release-5', 'build/app.tar'],
        'artifact "build/app.tar" in run "release-5" (the run has no artifacts) not found',
      ],
      [['approve', 'release-5'], "missing required argument 'target'"],
    ];
    for (const [args, message] of refusals) {
      const result = baton(args, { home });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(message);
    }
    const json = baton(['approve', 'release-5', 'nope', '--json'], { home });
    expectCode(json, 2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'not_found' } });
    expect(status(home, 'release-5')).toMatchObject({ events: before, status: 'waiting' });
    // Without a workspace, nothing is created.
    const empty = tempDir();
    const none = baton(['approve', 'release-5', 'execution'], { home: empty });
    expectCode(none, 2);
    expect(none.stderr).toContain('no Baton workspace at');
  });
});
