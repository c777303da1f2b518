import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import type { Command } from 'commander';
import { yamlPackage } from '../../core/deferred-packages.js';
import { formatOutline, formatPreflight, type PlanningContext } from '../../core/index.js';
import {
  checkDraftPlanInput,
  DEFAULT_MAX_REPAIRS,
  draftPlan,
  type DraftPlanInput,
  type DraftPlanResult,
  type WorkspaceContext,
} from '../../engine/index.js';
import { badInput, CliExit, cliRegistry, withBaton, type GlobalOptions } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { failureMessage, numberOption } from '../drafting.js';
import { paint, printJson } from '../format.js';

interface PlanOptions {
  from?: string;
  context?: boolean;
  out?: string;
  json?: boolean;
  budget?: string;
  maxRepairs?: string;
  runBudget?: string;
  deadline?: string;
  maxParallel?: string;
}

/** The constraints `--run-budget`, `--deadline` and `--max-parallel` impose on the drafted plan; undefined when none. */
function imposedConstraints(options: PlanOptions): DraftPlanInput['constraints'] {
  const budget = numberOption('--run-budget', options.runBudget);
  const parallel = numberOption('--max-parallel', options.maxParallel);
  const constraints = {
    ...(budget !== undefined && { budget_usd: budget }),
    ...(options.deadline !== undefined && { deadline: options.deadline }),
    ...(parallel !== undefined && { max_parallel: parallel }),
  };
  return Object.keys(constraints).length === 0 ? undefined : constraints;
}

/** The workspace context as the planner reads it: entries' text and status, decisions' verdicts; nothing else of the runs. */
function planningContext(context: WorkspaceContext): PlanningContext {
  return {
    objectives: context.objectives.map((o) => ({ id: o.id, text: o.text, status: o.status, outcome: o.outcome })),
    insights: context.insights.map((i) => ({ id: i.id, text: i.text })),
    decisions: context.decisions.map((d) => ({ runId: d.runId, id: d.id, status: d.status, reason: d.reason })),
  };
}

async function readDesign(file: string): Promise<{ name: string; text: string }> {
  try {
    return { name: file, text: await readFile(file, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw badInput(
      `cannot read design document ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/** The plan as the file `--out` names: YAML for .yaml/.yml (or no extension), else JSON. */
function planText(plan: object, file: string | undefined): string {
  const json = file !== undefined && extname(file).toLowerCase() === '.json';
  return json ? `${JSON.stringify(plan, null, 2)}\n` : yamlPackage().stringify(plan, { lineWidth: 0 });
}

/** The directory `--out` writes into must exist: found after the model was paid for, it would lose the plan. */
function checkOutDirectory(file: string): void {
  const directory = dirname(file);
  if (!existsSync(directory) || !statSync(directory).isDirectory())
    throw badInput(`--out ${file}: no directory ${directory} to write the plan into`);
}

async function writePlan(file: string, plan: object): Promise<void> {
  try {
    await writeFile(file, planText(plan, file));
  } catch (error) {
    throw badInput(`cannot write the plan to ${file}: ${(error as Error).message}`);
  }
}

function printHuman(result: DraftPlanResult, out: string | undefined): void {
  const s = paint(process.stdout);
  const { plan, record } = result;
  if (plan !== undefined && out === undefined) process.stdout.write(`${planText(plan, undefined)}\n`);
  if (result.outline !== undefined)
    process.stdout.write(`${s('bold', 'outline')}\n${formatOutline(result.outline)}\n\n`);
  if (plan !== undefined && result.preflight !== undefined)
    process.stdout.write(`${s('bold', 'pre-flight')}\n${formatPreflight(result.preflight)}\n\n`);
  if (plan !== undefined && out !== undefined) process.stdout.write(`wrote ${out}\n`);
  process.stdout.write(
    `planning ${record.id}: ${record.result}, ${record.calls} call${record.calls === 1 ? '' : 's'}, ${record.repairs} repair${record.repairs === 1 ? '' : 's'}, ${record.inputTokens + record.outputTokens} tokens, $${record.costUsd} by ${record.capability} (${record.model}); nothing was run\n`,
  );
}

/** `baton plan`: a model drafts a plan for an objective; Baton checks it, shows it, writes it, and runs nothing. */
export function registerPlan(program: Command, globals: () => GlobalOptions): void {
  program
    .command('plan')
    .description(
      'draft a plan for OBJECTIVE with the registry\'s planner (an llm capability with skill "plan"), check it, show it and write it; it never runs anything',
    )
    .argument('<objective>', 'what the plan is for, in words')
    .option(
      '--from <file>',
      "a design document the plan carries out: the skills it needs are compared with the registry's",
    )
    .option('--context', 'give the planner the workspace context (objectives, insights, decisions)')
    .option('--out <file>', 'write the plan to FILE (YAML, or JSON for .json)')
    .option('--budget <usd>', "US dollars the planner's own model calls may cost, by their worst case")
    .option('--max-repairs <n>', `answers sent back with their issues (default ${DEFAULT_MAX_REPAIRS})`)
    .option('--run-budget <usd>', "the plan's budget_usd: imposed on the drafted plan, whatever the model writes")
    .option('--deadline <duration>', "the plan's deadline (30m, 2h): imposed likewise")
    .option('--max-parallel <n>', "the plan's max_parallel: imposed likewise")
    .option('--json', 'print one JSON document: plan, outline, preflight, record')
    .action(async (objective: string, local: PlanOptions) => {
      const options = { ...globals(), ...local };
      const budgetUsd = numberOption('--budget', options.budget);
      const maxRepairs = numberOption('--max-repairs', options.maxRepairs);
      const workspace = await cliRegistry(options);
      const design = options.from === undefined ? undefined : await readDesign(options.from);
      const constraints = imposedConstraints(options);
      const input: DraftPlanInput = {
        ...(constraints !== undefined && { constraints }),
        objective,
        registry: workspace?.registry ?? {},
        ...(design !== undefined && { design }),
        ...(budgetUsd !== undefined && { budgetUsd }),
        ...(maxRepairs !== undefined && { maxRepairs }),
      };
      // Refused before the workspace is opened (which creates it): bad input writes nothing.
      checkDraftPlanInput(input);
      if (options.out !== undefined) checkOutDirectory(options.out);
      const result = await withBaton(options, async (baton) =>
        draftPlan(
          { ...input, ...(options.context === true && { context: planningContext(await baton.context()) }) },
          { store: baton.store, leases: baton.store },
        ),
      );
      if (result.plan !== undefined && options.out !== undefined) await writePlan(options.out, result.plan);
      if (options.json) {
        const { timing: _timing, ...document } = result;
        printJson(
          result.plan === undefined
            ? { ...document, error: { code: 'plan_invalid', message: failureMessage(result) } }
            : document,
        );
      } else {
        printHuman(result, options.out);
        if (result.plan === undefined)
          process.stderr.write(`${paint(process.stderr)('red', 'baton:')} ${failureMessage(result)}\n`);
      }
      if (result.plan === undefined) throw new CliExit(ExitCode.badInput);
    });
}
