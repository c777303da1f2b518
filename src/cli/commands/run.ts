import type { Command } from 'commander';
import {
  checkCorrelationId,
  formatOutline,
  formatPreflight,
  type CapabilityDescriptor,
  type LedgerEvent,
} from '../../core/index.js';
import {
  admit,
  checkDraftPlanInput,
  draftPlan,
  type DraftPlanInput,
  checkRunId,
  killRunningCommands,
  osAccount,
  refuseUnfit,
  summarize,
  type Baton,
  type RunHandle,
  type RunResult,
} from '../../engine/index.js';
import { functionRunner, type FunctionCapability } from '../../capabilities/index.js';
import { failureMessage, numberOption } from '../drafting.js';
import { loadCapabilitiesFile } from '../capabilities-file.js';
import { CliExit, badInput, cliRegistry, withBaton, type GlobalOptions } from '../context.js';
import { databaseUrl } from '../database.js';
import { ExitCode } from '../exit-codes.js';
import { formatDuration, paint, printJson } from '../format.js';
import { formatPending, pendingViews, type PendingView } from '../pending.js';
import { ProgressReporter } from '../progress.js';
import { formatTokens } from '../tokens.js';

interface RunOptions extends GlobalOptions {
  input: string[];
  runId?: string;
  concurrency?: number;
  wait?: boolean;
  capabilities?: string;
  correlationId?: string;
}

/** `--correlation-id`, when given, as a submit option (checked before anything is opened or written). */
function correlationOf(options: RunOptions): { correlationId?: string } {
  return options.correlationId === undefined
    ? {}
    : { correlationId: checkCorrelationId(options.correlationId, '--correlation-id') };
}

function parseInputs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw badInput(`--input expects NAME=VALUE, got "${pair}"`);
    inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return inputs;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** 0 means this process only conducts: the steps run on `baton worker`s sharing the database. */
function concurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw badInput(`--concurrency expects a whole number (0 or more), got "${value}"`);
  return n;
}

function checkConcurrency(options: RunOptions): void {
  if (options.concurrency === 0 && databaseUrl(options.db) === undefined) {
    throw badInput(
      '--concurrency 0 leaves every step to `baton worker` processes, which need a shared database: add --db postgres://... (or set BATON_DATABASE_URL)',
    );
  }
}

/**
 * Drives a run in the foreground: live progress, Ctrl-C interrupts (the run stays
 * resumable), and a summary with the ledger verified at the end.
 */
export async function driveInForeground(
  baton: Baton,
  start: (onEvents: (events: readonly LedgerEvent[]) => void) => Promise<RunHandle>,
  options: GlobalOptions,
): Promise<number> {
  const startedAt = Date.now();
  let reporter: ProgressReporter | undefined;
  let result: RunResult;
  let runId: string;
  const stopPartials = baton.onPartialOutput((partial) => reporter?.onPartial(partial));
  try {
    // Events that arrive before `start` returns are held back: the reporter is made from the run's
    // state once it is known, and the resume banner comes before them.
    let early: (readonly LedgerEvent[])[] | undefined = [];
    const handle = await start((events) => (early ? early.push(events) : reporter?.onEvents(events)));
    runId = handle.runId;
    const state = handle.state;
    if (handle.endedBefore) {
      await handle.result();
      const wallMs = state.endedAt ? Date.parse(state.endedAt) - Date.parse(state.createdAt) : 0;
      if (!options.json)
        process.stdout.write(
          `run ${runId} already ${state.status} (it ended at ${state.endedAt}); nothing to resume\n`,
        );
      return await report(baton, summarize(state), wallMs, options);
    }
    if (!options.json) {
      const done =
        state.terminalSteps -
        early.flat().filter((event) => /^step\.(succeeded|failed|skipped)$/.test(event.type)).length;
      if (done > 0) process.stdout.write(`resuming run ${runId}: ${done} of ${state.stepCount} steps already done\n`);
      reporter = new ProgressReporter(process.stdout, Object.keys(state.steps));
      for (const events of early) reporter.onEvents(events);
    }
    early = undefined;
    let interrupted = false;
    const onSigint = (): void => {
      if (interrupted) {
        killRunningCommands();
        process.exit(ExitCode.interrupted);
      }
      interrupted = true;
      reporter?.stop();
      process.stderr.write('\ninterrupting: stopping running attempts (Ctrl-C again to force)…\n');
      void handle.interrupt();
    };
    // SIGTERM (a service manager stopping us) is handled like Ctrl-C: stop cleanly, stay resumable.
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      result = await handle.result();
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  } finally {
    stopPartials();
    reporter?.stop();
  }
  return report(baton, result, Date.now() - startedAt, options);
}

/** Verifies the run's ledger, prints the outcome (summary or JSON), and says what to exit with. */
async function report(baton: Baton, result: RunResult, wallMs: number, options: GlobalOptions): Promise<number> {
  const verdict = await baton.verify(result.runId);
  // With the run's state, a gate, confirmation or escalation shows what approving it would bind.
  const state = result.pending.length > 0 ? (await baton.getRun(result.runId)).state : undefined;
  const pending = pendingViews(result.runId, result.pending, state);
  if (options.json) {
    printJson({
      ...result,
      pending,
      wallMs,
      ledger: verdict.ok
        ? { verified: true, events: verdict.events }
        : { verified: false, seq: verdict.seq, reason: verdict.reason },
    });
  } else {
    printSummary(result, pending, wallMs, verdict);
  }
  if (result.interrupted) return ExitCode.interrupted;
  if (!verdict.ok) return ExitCode.failed;
  // A run that stopped without ending and without an interruption waits for the outside world.
  if (result.status === 'waiting' || result.status === 'paused' || result.status === 'running') return ExitCode.waiting;
  return result.status === 'succeeded' ? ExitCode.ok : ExitCode.failed;
}

function formatBudget(budget: RunResult['budget']): string | null {
  if (budget.limitUsd === null && budget.spentUsd === 0) return null;
  const limit = budget.limitUsd === null ? 'no limit' : `limit $${budget.limitUsd}`;
  return `budget: $${round(budget.spentUsd)} spent, $${round(budget.reservedUsd)} reserved, ${limit}`;
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

function printSummary(
  result: RunResult,
  pending: readonly PendingView[],
  wallMs: number,
  verdict: Awaited<ReturnType<Baton['verify']>>,
): void {
  const s = paint(process.stdout);
  const out = process.stdout;
  if (result.interrupted) {
    out.write(
      `\n${s('yellow', 'interrupted')}: run ${result.runId} is paused mid-way; continue it with: baton resume ${result.runId}\n`,
    );
  } else if (result.status === 'waiting' || result.status === 'paused') {
    const what =
      result.status === 'paused'
        ? 'is paused'
        : `waits for ${result.pending.length === 1 ? 'a decision' : `${result.pending.length} decisions`}`;
    out.write(`\nrun ${s('bold', result.runId)} ${s('yellow', what)} after ${formatDuration(wallMs)}\n`);
    if (pending.length > 0)
      out.write(`${s('bold', '  pending decisions')}\n${formatPending(pending, process.stdout, '  ')}\n`);
    out.write(
      `  then continue it with: baton resume ${result.runId}${result.status === 'paused' ? ' (which lifts the pause)' : ''}\n`,
    );
  } else {
    const status = result.status === 'succeeded' ? s('green', 'succeeded') : s('red', result.status);
    out.write(`\nrun ${s('bold', result.runId)} ${status} in ${formatDuration(wallMs)}\n`);
    if (result.failure) out.write(`  ${s('red', result.failure)}\n`);
  }
  out.write(`  steps: ${result.succeeded} done, ${result.skipped} skipped, ${result.failed} failed\n`);
  const budget = formatBudget(result.budget);
  if (budget !== null) out.write(`  ${budget}\n`);
  if (result.tokens) out.write(`  model tokens: ${formatTokens(result.tokens)}\n`);
  if (verdict.ok)
    out.write(
      `  ${s('green', 'ledger verified')} (${verdict.events} events, head ${verdict.head.hash.slice(0, 12)})\n`,
    );
  else out.write(`  ${s('red', `ledger verification FAILED at seq ${verdict.seq}`)}: ${verdict.reason}\n`);
}

interface ObjectiveOptions {
  objective?: string;
  budget?: string;
  maxRepairs?: string;
  dryRun?: boolean;
  detach?: boolean;
}

/** A plan file or `--objective`, exactly one; `--budget` and `--max-repairs` only with the objective. */
function checkSource(file: string | undefined, options: ObjectiveOptions): 'file' | 'objective' {
  if (file !== undefined && options.objective !== undefined)
    throw badInput('give a plan file or --objective, not both');
  if (file === undefined && options.objective === undefined)
    throw badInput('baton run needs a plan file (baton run plan.yaml) or --objective "what the plan is for"');
  if (options.objective === undefined) {
    if (options.budget !== undefined || options.maxRepairs !== undefined)
      throw badInput(
        '--budget and --max-repairs are for --objective (the planning); a plan file states its own budget',
      );
    return 'file';
  }
  if (options.dryRun) throw badInput('--dry-run drafts nothing: use baton plan "OBJECTIVE" to see a drafted plan');
  if (options.detach)
    throw badInput(
      '--detach with --objective is not supported: draft with baton plan --out FILE, then baton run FILE --detach',
    );
  return 'objective';
}

/**
 * `baton run --objective`: the registry's planner drafts the plan (recorded in the workspace
 * ledger as `baton plan` does), Baton admits it like a plan file, and the run is created
 * waiting for a person's approval of the drafted revision (`plan:1`, with its outline and
 * pre-flight): nothing runs until then. No admissible draft: exit 2, no run.
 */
async function runObjective(
  options: RunOptions & ObjectiveOptions & { objective: string },
  given: {
    inputText: Record<string, string>;
    functions: readonly FunctionCapability[];
    registered: readonly CapabilityDescriptor[];
  },
): Promise<number> {
  const workspace = await cliRegistry(options);
  const budgetUsd = numberOption('--budget', options.budget);
  const maxRepairs = numberOption('--max-repairs', options.maxRepairs);
  const input: DraftPlanInput = {
    objective: options.objective,
    registry: workspace?.registry ?? {},
    ...(budgetUsd !== undefined && { budgetUsd }),
    ...(maxRepairs !== undefined && { maxRepairs }),
  };
  checkDraftPlanInput(input); // refused before the workspace is opened: bad input writes nothing
  if (options.runId !== undefined) checkRunId(options.runId);
  return withBaton({ ...options, functions: given.functions, workspace }, async (baton) => {
    const draft = await draftPlan(input, { store: baton.store, leases: baton.store });
    if (draft.plan === undefined) {
      process.stderr.write(`${paint(process.stderr)('red', 'baton:')} ${failureMessage(draft)}\n`);
      return ExitCode.badInput;
    }
    const admitted = await admit(
      draft.plan,
      { inputText: given.inputText },
      given.registered,
      workspace && { workspace },
    );
    refuseUnfit(admitted);
    const { record } = draft;
    const outline = [
      ...(draft.outline !== undefined ? [formatOutline(draft.outline)] : []),
      formatPreflight(admitted.preflight),
    ].join('\n\n');
    const objective = options.objective.trim();
    const quoted = objective.length > 200 ? `${objective.slice(0, 200)}…` : objective;
    if (!options.json)
      process.stdout.write(
        `drafted by ${record.capability} (${record.model}) in ${record.calls} call${record.calls === 1 ? '' : 's'}, recorded as ${record.id}; it waits for approval before anything runs\n`,
      );
    return driveInForeground(
      baton,
      (onEvents) =>
        baton.submit(admitted, {
          ...(options.runId !== undefined && { runId: options.runId }),
          ...correlationOf(options),
          onEvents,
          wait: options.wait === true,
          approval: {
            reason: `drafted by ${record.capability} from the objective "${quoted}"`,
            outline,
            drafted: { objective, planner: record.capability, record: record.id },
          },
        }),
      options,
    );
  });
}

export function registerRun(program: Command, globals: () => GlobalOptions): void {
  program
    .command('run')
    .description(
      'validate a plan and run it on the workspace store, with live progress; or draft one for --objective, which waits for approval',
    )
    .argument('[file]', 'plan file (YAML or JSON); leave it out with --objective')
    .option(
      '--objective <text>',
      "have the registry's planner draft the plan (as baton plan does); the run waits for a person to approve it (plan:1) before anything runs",
    )
    .option('--budget <usd>', "with --objective: US dollars the planner's own model calls may cost")
    .option('--max-repairs <n>', 'with --objective: answers sent back with their issues (default 3)')
    .option('-i, --input <name=value>', 'set an input (repeatable)', collect, [])
    .option('--run-id <id>', 'choose the run id; an existing run with the same plan is resumed')
    .option(
      '--correlation-id <id>',
      "the run's correlation id, a W3C trace id (32 lowercase hex); default: a new one. Commands get it as BATON_CORRELATION_ID",
    )
    .option(
      '-c, --concurrency <n>',
      'attempts this process runs at once (0 with --db: leave them all to baton worker processes)',
      concurrency,
    )
    .option('--capabilities <file>', 'a JavaScript module exporting function capabilities for the plan to use')
    .option('--wait', 'keep conducting while the run waits for a person or a signal (else exit 4)')
    .option('--detach', 'record the run and return its id; an engine (baton serve) sharing the store conducts it')
    .option('--dry-run', 'print the pre-flight report (routes with reasons, costs, phases, gates) and write nothing')
    .option('--json', 'print the result as JSON (no progress lines)')
    .action(async (file: string | undefined, local: RunOptions & ObjectiveOptions) => {
      const options = { ...globals(), ...local };
      const inputText = parseInputs(options.input);
      correlationOf(options);
      checkConcurrency(options);
      const functions = options.capabilities === undefined ? [] : await loadCapabilitiesFile(options.capabilities);
      const registered = functions.map((capability) => functionRunner(capability).descriptor);
      if (checkSource(file, options) === 'objective') {
        const code = await runObjective(options as RunOptions & ObjectiveOptions & { objective: string }, {
          inputText,
          functions,
          registered,
        });
        if (code !== ExitCode.ok) throw new CliExit(code);
        return;
      }
      // Everything that can refuse the run without the store (plan, inputs, pre-flight) is
      // checked, once, before the workspace is opened, which creates it: a refused run leaves
      // no `.baton` behind.
      const workspace = await cliRegistry(options);
      const plan = await admit({ file: file as string }, { inputText }, registered, workspace && { workspace });
      if (options.dryRun) {
        if (options.json) printJson(plan.preflight);
        else process.stdout.write(`${formatPreflight(plan.preflight)}\n`);
        if (plan.preflight.problems.length > 0) throw new CliExit(ExitCode.badInput);
        return;
      }
      refuseUnfit(plan);
      if (options.runId !== undefined) checkRunId(options.runId);
      if (options.detach) {
        await withBaton({ ...options, functions, workspace }, async (baton) => {
          const runId = await baton.submitDetached(plan, {
            ...(options.runId !== undefined && { runId: options.runId }),
            ...correlationOf(options),
          });
          if (options.json) printJson({ runId, status: 'submitted' });
          else
            process.stdout.write(
              `run ${runId} submitted; an engine (baton serve) sharing this store will conduct it\n  follow it with: baton status ${runId}\n`,
            );
        });
        return;
      }
      const code = await withBaton({ ...options, functions, workspace }, async (baton) => {
        const runId = options.runId;
        return driveInForeground(
          baton,
          (onEvents) =>
            baton.submit(plan, {
              ...(runId !== undefined && { runId }),
              ...correlationOf(options),
              onEvents,
              wait: options.wait === true,
            }),
          options,
        );
      });
      if (code !== ExitCode.ok) throw new CliExit(code);
    });

  program
    .command('resume')
    .description(
      'continue a run after a crash, an interruption, a decision or a pause; nothing that succeeded runs again',
    )
    .argument('<run>', 'run id')
    .option(
      '-c, --concurrency <n>',
      'attempts this process runs at once (0 with --db: leave them all to baton worker processes)',
      concurrency,
    )
    .option('--capabilities <file>', 'a JavaScript module exporting the function capabilities the run uses')
    .option('--wait', 'keep conducting while the run waits for a person or a signal (else exit 4)')
    .option('--by <name>', 'who lifts the pause of a paused run, or accepts a divergence (default: user@host)')
    .option(
      '--accept-divergence',
      'continue although this version of Baton would have decided the run differently (needs --reason)',
    )
    .option('--reason <text>', 'why the divergence is accepted; recorded in the ledger')
    .option('--json', 'print the result as JSON (no progress lines)')
    .action(async (runId: string, local: RunOptions & { by?: string; acceptDivergence?: boolean; reason?: string }) => {
      const options = { ...globals(), ...local };
      checkConcurrency(options);
      if (options.acceptDivergence === true && (options.reason ?? '').trim() === '')
        throw badInput('--accept-divergence needs --reason TEXT: why the run may go on (it is recorded in the ledger)');
      if (options.reason !== undefined && options.acceptDivergence !== true)
        throw badInput('--reason goes with --accept-divergence (it says why a divergence is accepted)');
      const functions = options.capabilities === undefined ? [] : await loadCapabilitiesFile(options.capabilities);
      const code = await withBaton(
        { ...options, existing: true, functions, workspace: await cliRegistry(options) },
        (baton) =>
          driveInForeground(
            baton,
            (onEvents) =>
              baton.resume(runId, {
                onEvents,
                wait: options.wait === true,
                unpause: true,
                ...(options.by !== undefined && { by: options.by }),
                account: osAccount(),
                ...(options.acceptDivergence === true && { acceptDivergence: { reason: options.reason ?? '' } }),
              }),
            options,
          ),
      );
      if (code !== ExitCode.ok) throw new CliExit(code);
    });
}
