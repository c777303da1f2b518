/**
 * `npx tsx bench/planner.ts`: a planning evaluation of `baton plan`'s engine (`draftPlan`). 20
 * objectives over 3 workspace registries, each answered by a scripted model on the local fake
 * OpenAI-compatible server: a valid plan at once, an invalid plan (an unknown skill, a cycle, a
 * command capability, or a missing infrastructure step) then a valid one, or never a valid one.
 * It reports how many plans were admitted, the repairs per plan, and Baton's own overhead per
 * planning: wall time minus the time spent in the model calls (the `llm` runner's call: the AI
 * SDK, the HTTP round trip to the fake, which answers at once, and the structured-output check).
 * What is left is the prompt, the plan checks, pre-flight, the outline and the planning record
 * written to the workspace ledger (SQLite). A measurement, not a test: it fails only when a
 * planning ends other than its script says.
 *
 * Flags: `--rounds=N` (default 3: the 20 objectives N times, the first round not timed), `--json`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkspaceRegistry } from '../src/core/index.js';
import { createBaton, draftPlan, type DraftPlanResult } from '../src/engine/index.js';
import { startFakeOpenAi, type FakeOpenAi, type FakeReply } from '../test/support/fake-openai.js';

type Script = 'valid' | 'repaired' | 'never';

interface Objective {
  registry: 'release' | 'data' | 'service';
  text: string;
  script: Script;
}

const MAX_REPAIRS = 3;

function planner(fake: FakeOpenAi): NonNullable<WorkspaceRegistry['capabilities']>[string] {
  return {
    kind: 'llm',
    provider: 'openai-compatible',
    base_url: fake.url,
    model: 'scripted-planner',
    max_input_tokens: 40_000,
    max_output_tokens: 4_000,
    price: { input_per_mtok: 0.15, output_per_mtok: 0.6 },
    skills: { plan: 1 },
  };
}

const command = (skill: string, cost = 0) => ({
  kind: 'command' as const,
  command: ['node', `${skill}.mjs`],
  skills: { [skill]: 1 },
  ...(cost > 0 && { cost_usd: cost }),
});

function registries(fake: FakeOpenAi): Record<Objective['registry'], WorkspaceRegistry> {
  return {
    release: {
      capabilities: {
        planner: planner(fake),
        changelog: command('changelog'),
        writer: command('write', 0.02),
        reviewer: { kind: 'human', skills: { review: 1 } },
        publisher: command('publish'),
      },
      plans: { may_declare: ['human', 'llm'] },
    },
    data: {
      capabilities: {
        planner: planner(fake),
        fetcher: command('fetch'),
        cleaner: command('clean'),
        analyst: command('analyze', 0.05),
        charter: command('chart'),
      },
      plans: { may_declare: ['llm'] },
    },
    service: {
      capabilities: {
        planner: planner(fake),
        provisioner: command('provision'),
        smoke: command('smoke'),
        builder: command('build'),
        reviewer: { kind: 'human', skills: { review: 1 } },
      },
      plans: { may_declare: ['human', 'llm'] },
    },
  } as Record<Objective['registry'], WorkspaceRegistry>;
}

/** A valid chain over the registry's skills, one step per skill, and for `service` an infrastructure phase. */
function validPlan(registry: Objective['registry'], name: string): { plan: unknown; skills: string[] } {
  const chain = (skills: string[]) =>
    Object.fromEntries(
      skills.map((skill, i) => [`${skill}_step`, { skill, ...(i > 0 && { after: [`${skills[i - 1]}_step`] }) }]),
    );
  switch (registry) {
    case 'release':
      return { plan: { baton: 1, name, steps: chain(['changelog', 'write', 'review', 'publish']) }, skills: [] };
    case 'data':
      return { plan: { baton: 1, name, steps: chain(['fetch', 'clean', 'analyze', 'chart']) }, skills: [] };
    case 'service':
      return {
        plan: {
          baton: 1,
          name,
          capabilities: { operator: { kind: 'human', skills: { deploy: 1, monitor: 1 } } },
          steps: {
            build_deploy: {
              phase: 'infrastructure',
              skill: 'provision',
              builds: ['deploy'],
              check: { capability: 'smoke' },
            },
            build_monitor: {
              phase: 'infrastructure',
              skill: 'provision',
              builds: ['monitor'],
              check: { capability: 'smoke' },
            },
            compile: { phase: 'execution', skill: 'build' },
            ship: { phase: 'execution', skill: 'deploy', after: ['compile'] },
            watch: { phase: 'execution', skill: 'monitor', after: ['ship'] },
            review: { phase: 'execution', skill: 'review', after: ['watch'] },
          },
        },
        skills: ['build', 'deploy', 'monitor', 'review'],
      };
  }
}

/** Four ways to be wrong, taken in turn: each is a plan Baton must refuse and say why. */
function invalidPlan(registry: Objective['registry'], name: string, index: number): unknown {
  const { plan } = validPlan(registry, name) as { plan: { steps: Record<string, unknown> } };
  switch (index % 4) {
    case 0:
      return { ...plan, steps: { ...plan.steps, extra: { skill: 'telepathy' } } };
    case 1:
      return {
        ...plan,
        steps: {
          ...plan.steps,
          left: { skill: 'review', after: ['right'] },
          right: { skill: 'review', after: ['left'] },
        },
      };
    case 2:
      return {
        ...plan,
        capabilities: { shell: { kind: 'command', command: ['sh', '-c', 'true'], skills: { shell: 1 } } },
      };
    default:
      // No infrastructure phase: for `service` the missing skills have no building step; elsewhere an unknown phase.
      return {
        ...plan,
        steps: {
          ...plan.steps,
          late: { skill: Object.keys(plan.steps).length > 0 ? 'review' : 'x', phase: 'cleanup' },
        },
      };
  }
}

const OBJECTIVES: Objective[] = [
  ['release', 'Publish the 1.2 release notes', 'valid'],
  ['release', 'Write and review the changelog for 2.0', 'repaired'],
  ['release', 'Prepare a patch release', 'valid'],
  ['release', 'Announce the beta', 'never'],
  ['release', 'Publish a hotfix note', 'repaired'],
  ['release', 'Draft the quarterly summary', 'valid'],
  ['release', "Review last week's notes again", 'valid'],
  ['data', 'Chart monthly signups', 'valid'],
  ['data', 'Clean and analyze the survey export', 'repaired'],
  ['data', 'Fetch prices and chart them', 'valid'],
  ['data', 'Analyze churn by cohort', 'never'],
  ['data', 'Refresh the dashboard data', 'valid'],
  ['data', 'Compare two quarters of sales', 'repaired'],
  ['data', 'Find outliers in the logs', 'valid'],
  ['service', 'Stand up the notes service', 'valid'],
  ['service', 'Deploy the API with monitoring', 'repaired'],
  ['service', 'Roll out the worker pool', 'valid'],
  ['service', 'Ship the search service', 'never'],
  ['service', 'Move the cache to a new cluster', 'repaired'],
  ['service', 'Bring up a staging copy', 'valid'],
].map(([registry, text, script]) => ({ registry, text, script }) as Objective);

function reply(plan: unknown, skills: string[]): FakeReply {
  return {
    text: JSON.stringify({ plan, skills_needed: skills.map((skill) => ({ skill })) }),
    usage: { prompt_tokens: 9_000, completion_tokens: 350 },
  };
}

function script(objective: Objective, index: number): FakeReply[] {
  const name = `objective-${index}`;
  const valid = validPlan(objective.registry, name);
  const invalid = reply(invalidPlan(objective.registry, name, index), valid.skills);
  if (objective.script === 'valid') return [reply(valid.plan, valid.skills)];
  if (objective.script === 'repaired') return [invalid, reply(valid.plan, valid.skills)];
  return [invalid];
}

function parseArguments(argv: string[]): { rounds: number; json: boolean } {
  const parsed = { rounds: 3, json: false };
  for (const argument of argv) {
    const [flag, value] = argument.split('=');
    if (flag === '--json' && value === undefined) parsed.json = true;
    else if (flag === '--rounds' && value !== undefined && /^[1-9]\d*$/.test(value)) parsed.rounds = Number(value);
    else throw new Error(`unknown or malformed argument ${argument}; flags: --rounds=N --json`);
  }
  return parsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const fake = await startFakeOpenAi();
  const home = mkdtempSync(join(tmpdir(), 'baton-planner-bench-'));
  const baton = await createBaton({ home });
  const workspaces = registries(fake);
  const loadAtStart = loadavg()[0] ?? 0;
  const timed: { result: DraftPlanResult; script: Script; design: boolean }[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const [index, objective] of OBJECTIVES.entries()) {
        fake.reply(...script(objective, index));
        const design = objective.registry === 'service';
        const result = await draftPlan(
          {
            objective: objective.text,
            registry: workspaces[objective.registry],
            maxRepairs: MAX_REPAIRS,
            ...(design && {
              design: { name: 'design.md', text: `# ${objective.text}\nBuild, deploy, monitor, review.` },
            }),
          },
          { store: baton.store },
        );
        const expected = objective.script === 'never' ? 'rejected' : 'admitted';
        const repairs = objective.script === 'valid' ? 0 : objective.script === 'repaired' ? 1 : MAX_REPAIRS;
        if (result.record.result !== expected || result.record.repairs !== repairs)
          throw new Error(
            `"${objective.text}" ended ${result.record.result} after ${result.record.repairs} repairs, expected ${expected} after ${repairs}: ${result.issues.join('; ')}`,
          );
        // The first round warms up module loading and the SDK's first requests.
        if (round > 0) timed.push({ result, script: objective.script, design });
      }
    }
  } finally {
    await baton.close();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
  const perRound = OBJECTIVES.length;
  const admitted = timed.filter((t) => t.result.plan !== undefined);
  const overhead = timed.map((t) => t.result.timing.totalMs - t.result.timing.modelMs);
  const perCall = timed.map((t) => (t.result.timing.totalMs - t.result.timing.modelMs) / t.result.record.calls);
  const summary = {
    objectives: perRound,
    registries: 3,
    timedRounds: options.rounds - 1,
    admittedPerRound: admitted.length / (options.rounds - 1),
    byScript: Object.fromEntries(
      (['valid', 'repaired', 'never'] as const).map((name) => [
        name,
        {
          plannings: timed.filter((t) => t.script === name).length / (options.rounds - 1),
          admitted: timed.filter((t) => t.script === name && t.result.plan !== undefined).length / (options.rounds - 1),
          repairsPerPlan: median(timed.filter((t) => t.script === name).map((t) => t.result.record.repairs)),
        },
      ]),
    ),
    repairsPerAdmittedPlan: admitted.reduce((sum, t) => sum + t.result.record.repairs, 0) / admitted.length,
    callsPerRound: timed.reduce((sum, t) => sum + t.result.record.calls, 0) / (options.rounds - 1),
    wallMsPerPlanning: median(timed.map((t) => t.result.timing.totalMs)),
    modelMsPerPlanning: median(timed.map((t) => t.result.timing.modelMs)),
    overheadMsPerPlanning: { median: median(overhead), min: Math.min(...overhead), max: Math.max(...overhead) },
    overheadMsPerCall: median(perCall),
    machine: { cpus: cpus().length, loadAverage1m: { start: loadAtStart, end: loadavg()[0] ?? 0 } },
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const byScript = summary.byScript as Record<string, { plannings: number; admitted: number; repairsPerPlan: number }>;
  process.stdout.write(
    [
      `${perRound} objectives over 3 registries, ${summary.timedRounds} timed rounds (max ${MAX_REPAIRS} repairs):`,
      ...Object.entries(byScript).map(
        ([name, s]) =>
          `  ${name.padEnd(8)} ${s.plannings} plannings, ${s.admitted} admitted, ${s.repairsPerPlan} repairs each`,
      ),
      `  admitted ${summary.admittedPerRound}/${perRound}, ${summary.repairsPerAdmittedPlan.toFixed(2)} repairs per admitted plan, ${summary.callsPerRound} model calls per round`,
      `  per planning: wall ${summary.wallMsPerPlanning.toFixed(1)} ms, in the model call ${summary.modelMsPerPlanning.toFixed(1)} ms`,
      `  Baton's overhead ${summary.overheadMsPerPlanning.median.toFixed(1)} ms per planning (${summary.overheadMsPerPlanning.min.toFixed(1)}-${summary.overheadMsPerPlanning.max.toFixed(1)}), ${summary.overheadMsPerCall.toFixed(1)} ms per call`,
      `  load average ${loadAtStart.toFixed(2)} -> ${(loadavg()[0] ?? 0).toFixed(2)} on ${cpus().length} CPUs`,
      '',
    ].join('\n'),
  );
}

await main();
