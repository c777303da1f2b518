import type { Command } from 'commander';
import { describeHold, planJsonSchema, type DecisionEvidence } from '../../core/index.js';
import {
  loadPlanFile,
  verifyAgainstCheckpoint,
  RUN_SEARCH_MAX_LENGTH,
  type StepRow,
  type SubPlanRun,
} from '../../engine/index.js';
import { readCheckpointFile } from '../checkpoint-file.js';
import type { RunVerdict } from '../../engine/artifacts/index.js';
import { functionRunner } from '../../capabilities/index.js';
import { loadCapabilitiesFile } from '../capabilities-file.js';
import { routingLog, type ChainVerdict, type RoutingEntry } from '../../ledger/index.js';
import { badInput, cliRegistry, CliExit, withBaton, workspaceExists, type GlobalOptions } from '../context.js';
import { formatEvidence, gateApprovals } from '../evidence.js';
import { ExitCode } from '../exit-codes.js';
import { paint, printJson, table } from '../format.js';
import { formatPending } from '../pending.js';
import { formatTokens, roundUsd } from '../tokens.js';
import { verifiedEvents } from './pipeline.js';

/** What a route was given: where from, what, and the constraints it works within. */
function routeContext(entry: RoutingEntry): string[] {
  const lines: string[] = [];
  if (entry.from.length > 0) lines.push(`from: ${entry.from.join(', ')}`);
  const { reservedUsd, permissions, allow, scope } = entry.constraints;
  const given = [
    entry.input ? `input ${entry.input.sha256.slice(0, 12)} (${entry.input.bytes} B)` : null,
    reservedUsd > 0 ? `reserved $${reservedUsd}` : null,
    permissions.length > 0 ? `permissions ${permissions.join(', ')}` : null,
    allow !== null ? `allow ${allow.join(', ') || 'none'}` : null,
    scope.length > 0 ? `scope ${scope.join(', ')}` : null,
  ].filter((part) => part !== null);
  if (given.length > 0) lines.push(`routed: ${given.join('; ')}`);
  return lines;
}

/** Approvals and what each bound (`baton status RUN`, and the gates' in `baton log`). */
function printApprovals(
  s: ReturnType<typeof paint>,
  approvals: readonly {
    id: string;
    by: string;
    comment: string | null;
    verdict?: 'overridden' | 'approved';
    evidence?: DecisionEvidence;
    keyId?: string;
    account?: string;
  }[],
): void {
  if (approvals.length === 0) return;
  process.stdout.write(`${s('bold', 'approvals')}\n`);
  for (const { id, by, comment, verdict, evidence, keyId, account } of approvals) {
    const line =
      verdict === 'overridden'
        ? `  ${s('yellow', '!')} ${id} OVERRIDDEN by ${by}: ${comment ?? ''}`
        : `  ${s('green', '✓')} ${id} approved by ${by}${comment ? `: ${comment}` : ''}`;
    const who = [keyId && `signed with key ${keyId}`, account && `as ${account}`].filter(Boolean).join(', ');
    process.stdout.write(`${line}${who ? s('gray', ` (${who})`) : ''}\n`);
    for (const line of evidence ? formatEvidence(evidence) : ['(recorded before approvals bound evidence)'])
      process.stdout.write(`      ${s('gray', line)}\n`);
  }
  process.stdout.write('\n');
}

function printRoute(s: ReturnType<typeof paint>, entry: RoutingEntry): void {
  const out = process.stdout;
  const decisions = entry.decisions.flatMap((d) => {
    const answer =
      d.answer === null
        ? s('yellow', 'pending')
        : `${d.answer.verdict} by ${d.answer.by}${d.answer.comment && d.answer.verdict !== 'signalled' ? `: ${d.answer.comment}` : ''}`;
    const evidence = d.answer?.evidence
      ? formatEvidence(d.answer.evidence).map((line) => `        ${s('gray', line)}`)
      : [];
    return [
      `    ${d.kind === 'escalation' ? s('yellow', '⚠') : s('yellow', '?')} ${d.id}: ${d.reason} → ${d.answer?.verdict === 'denied' ? s('red', answer) : answer}`,
      ...evidence,
    ];
  });
  // Routing decisions agents recorded about the step (MCP): shown with who recorded them.
  const reported = entry.reported.map(
    (r) =>
      `    ${s('magenta', '↳')} ${r.agent} → ${r.to}: ${r.reason} (recorded by ${r.by})${r.candidates.length > 0 ? `; weighed ${r.candidates.map((c) => `${c.name}${c.score !== null ? ` ${c.score}` : ''}`).join(', ')}` : ''}`,
  );
  if (entry.capability === null) {
    out.write(`${s('bold', entry.step)}  ${s('gray', entry.reason)}\n`);
    for (const line of [...decisions, ...reported]) out.write(`${line}\n`);
    return;
  }
  const what = entry.skill !== null ? `skill ${entry.skill}` : 'pinned';
  out.write(`${s('bold', entry.step)}  ${what} → ${s('cyan', entry.capability)}  (${entry.reason})\n`);
  for (const line of routeContext(entry)) out.write(`    ${s('gray', line)}\n`);
  for (const candidate of entry.candidates) {
    const mark = candidate.chosen ? s('green', '✓') : s('gray', '·');
    out.write(
      `    ${mark} ${candidate.capability.padEnd(20)} ${candidate.strength === null ? '   ' : candidate.strength.toFixed(2)}  ${candidate.reason}\n`,
    );
  }
  for (const line of [...decisions, ...reported]) out.write(`${line}\n`);
  for (const item of entry.items ?? [])
    out.write(
      `    ${s('cyan', '→')} ${item.instance} skill ${item.skill ?? '-'} → ${s('cyan', item.capability)}: ${item.reason}\n`,
    );
  for (const reroute of entry.reroutes ?? [])
    out.write(
      `    ${s('yellow', '↪')} ${reroute.instance} retried on ${s('cyan', reroute.capability)}: ${reroute.reason}\n`,
    );
  if (entry.judge !== undefined) {
    const { judge } = entry;
    const verdict =
      judge.verdict === null
        ? 'no verdict yet'
        : `${judge.verdict.agree ? 'agree' : 'disagree'}: ${judge.verdict.reasons}`;
    out.write(`    ${s('cyan', '⚖')} judged by ${s('cyan', judge.capability)} (${judge.reason}): ${verdict}\n`);
  }
  const attempts = entry.attempts
    .map(
      (a) =>
        `${a.attemptId} ${a.outcome}${a.durationMs !== null ? ` ${a.durationMs}ms` : ''}${a.usage ? ` ${formatTokens(a.usage)}` : ''}${a.costUsd !== undefined ? ` $${roundUsd(a.costUsd)}` : ''}${(a.holds ?? []).map((hold) => ` (${describeHold(hold)})`).join('')}`,
    )
    .join(', ');
  const outcome =
    entry.outcome === 'failed'
      ? s('red', `failed: ${entry.error?.message ?? ''}`)
      : entry.outcome === 'succeeded'
        ? s('green', 'succeeded')
        : entry.outcome === 'escalated'
          ? s('yellow', 'escalated: waiting on a person')
          : entry.outcome;
  out.write(`    outcome: ${outcome}${attempts ? `  [${attempts}]` : ''}\n`);
}

/** A line of `verify`: a run's verdict, or (runId null) the workspace ledger's when its chain fails. */
type VerifyLine = (RunVerdict & { runId: string }) | (ChainVerdict & { runId: null; ledger: 'workspace' });

function printVerdicts(verdicts: readonly VerifyLine[]): void {
  const s = paint(process.stdout);
  if (verdicts.length === 0) process.stdout.write('no runs to verify\n');
  for (const v of verdicts) {
    const name = v.runId ?? 'workspace ledger';
    if (!v.ok)
      process.stdout.write(
        `${s('red', '✗')} ${name}: ledger verification FAILED at ${v.runId === null ? 'entry' : 'seq'} ${v.seq}: ${v.reason}\n`,
      );
    else {
      const uncovered =
        v.runId !== null && 'covered' in v && v.covered === false
          ? '; not covered by the workspace ledger: created before it began'
          : '';
      process.stdout.write(
        `${s('green', '✓')} ${name}: ledger verified (${v.events} events, head ${v.head.hash.slice(0, 12)}${uncovered})\n`,
      );
    }
  }
}

/** `verify --against FILE`: the checkpoint's signature, then every ledger against the heads it signed. */
async function verifyAgainst(options: GlobalOptions, file: string, runId: string | undefined): Promise<void> {
  const checkpoint = readCheckpointFile(file);
  const verdict = await withBaton({ ...options, existing: true }, (baton) =>
    verifyAgainstCheckpoint(baton, checkpoint, runId),
  );
  if (options.json) printJson(verdict);
  else {
    const s = paint(process.stdout);
    if (verdict.signature === 'invalid') {
      process.stdout.write(
        `${s('red', '✗')} checkpoint ${file}: its signature does not verify (key ${verdict.key}): the file was changed after it was signed, or not signed by Baton; nothing in it was used\n`,
      );
    } else {
      process.stdout.write(`checkpoint ${file}: signature valid (key ${verdict.key}), taken ${verdict.takenAt}\n`);
      for (const line of [...verdict.runs, ...(verdict.workspace ? [verdict.workspace] : [])]) {
        const name = line.runId ?? 'workspace ledger';
        const at = line.checkpointed ? ` (checkpointed at seq ${line.checkpointed.seq})` : '';
        if (line.ok)
          process.stdout.write(
            `${s('green', '✓')} ${name}: matches the checkpoint${line.reason ? `: ${line.reason}` : at}\n`,
          );
        else process.stdout.write(`${s('red', '✗')} ${name}: ${line.reason ?? 'FAILED'}\n`);
      }
    }
  }
  if (!verdict.ok) throw new CliExit(ExitCode.failed);
}

/** The tree of child runs under their steps, one line each, deeper ones indented. */
function formatSubPlans(runs: readonly SubPlanRun[], indent: string): string {
  return runs
    .map(
      (run) =>
        `${indent}${run.step} -> run ${run.runId} (${run.name}): ${run.status}\n${formatSubPlans(run.children, `${indent}    `)}`,
    )
    .join('');
}

export function registerInspect(program: Command, globals: () => GlobalOptions): void {
  program
    .command('status')
    .description('list recent runs, or show one run step by step')
    .argument('[run]', 'run id')
    .option('--limit <n>', 'how many runs to list', '20')
    .option('--search <text>', 'list only runs whose id, plan name or objective contains this text (ignoring case)')
    .option('--json', 'print as JSON')
    .action(async (runId: string | undefined, local: GlobalOptions & { limit: string; search?: string }) => {
      const options = { ...globals(), ...local };
      const { search } = options;
      if (search !== undefined && runId !== undefined)
        throw badInput(`--search lists the runs that match; to show run "${runId}", leave --search out`);
      if (search !== undefined && search.length > RUN_SEARCH_MAX_LENGTH)
        throw badInput(
          `--search is at most ${RUN_SEARCH_MAX_LENGTH} characters (a run id, a plan name or words of an objective), got ${search.length}`,
        );
      if (runId === undefined && !workspaceExists(options)) {
        if (options.json) return printJson([]);
        return void process.stdout.write('no runs yet (no workspace here); start one with: baton run PLAN.yaml\n');
      }
      await withBaton({ ...options, existing: true }, async (baton) => {
        const s = paint(process.stdout);
        if (runId === undefined) {
          const limit = Number(options.limit);
          if (!Number.isInteger(limit) || limit < 1)
            throw badInput(`--limit expects a whole number of at least 1, got "${options.limit}"`);
          const runs = await baton.summarizeRuns(await baton.listRuns({ limit, ...(search && { search }) }));
          if (options.json) return printJson(runs);
          if (runs.length === 0 && search)
            return void process.stdout.write(`no run's id, plan name or objective contains "${search}"\n`);
          if (runs.length === 0)
            return void process.stdout.write('no runs yet in this workspace; start one with: baton run PLAN.yaml\n');
          const waiting = runs.filter((run) => run.pending.length > 0);
          if (waiting.length > 0) {
            process.stdout.write(`${s('bold', 'pending decisions')}\n`);
            for (const run of waiting)
              process.stdout.write(
                `  run ${s('bold', run.runId)} (${run.name})\n${formatPending(run.pending, process.stdout, '    ')}\n`,
              );
            process.stdout.write('\n');
          }
          process.stdout.write(
            `${table([['RUN', 'NAME', 'STATUS', 'EVENTS', 'UPDATED'], ...runs.map((r) => [r.runId, r.name, r.status, String(r.headSeq), r.updatedAt])])}\n`,
          );
          return;
        }
        const { record, state, view } = await baton.runStatus(runId);
        const { steps, pending, status: shown, parent, subPlans = [] } = view;
        if (options.json) return printJson(view);
        if (pending.length > 0)
          process.stdout.write(`${s('bold', 'pending decisions')}\n${formatPending(pending)}\n\n`);
        const paused =
          state.paused && state.status === 'running'
            ? ` (by ${state.paused.by}${state.paused.reason ? `: ${state.paused.reason}` : ''}; baton resume ${runId} lifts it)`
            : '';
        process.stdout.write(
          `run ${s('bold', runId)} (${record.name}): ${shown}${paused}${state.failure ? ` — ${state.failure}` : ''}\n`,
        );
        process.stdout.write(
          `  created ${state.createdAt}${state.endedAt ? `, ended ${state.endedAt}` : ''}; ${record.headSeq} events; plan ${state.planHash.slice(0, 12)}${state.revisions.length > 1 ? ` (revision ${state.revisions.length})` : ''}\n`,
        );
        if (state.correlationId !== undefined) process.stdout.write(`  correlation id ${state.correlationId}\n`);
        if (parent)
          process.stdout.write(
            `  sub-plan of run ${parent.runId}, step ${parent.step} (attempt ${parent.attemptId}, parent head ${parent.headHash.slice(0, 12)})\n`,
          );
        process.stdout.write('\n');
        if (view.tokens) process.stdout.write(`  model tokens: ${formatTokens(view.tokens)}\n\n`);
        printApprovals(s, view.approvals);
        // The TOKENS column only for runs that called a model, so other runs print as they always did.
        const tokens = (r: StepRow): string[] => (view.tokens ? [r.tokens ? formatTokens(r.tokens) : '-'] : []);
        process.stdout.write(
          `${table([['STEP', 'STATUS', 'CAPABILITY', 'ATTEMPTS', ...(view.tokens ? ['TOKENS'] : []), 'ERROR'], ...steps.map((r) => [r.step, r.status, r.capability ?? '-', String(r.attempts), ...tokens(r), r.error ?? ''])])}\n`,
        );
        if (subPlans.length > 0) process.stdout.write(`\n${s('bold', 'sub-plans')}\n${formatSubPlans(subPlans, '  ')}`);
        // Why a step waited: a provider limit shared with every run in the store held its model calls.
        for (const row of steps)
          if (row.held)
            process.stdout.write(
              `  ${s('yellow', row.step)}: ${describeHold(row.held.last)}${row.held.times > 1 ? ` (${row.held.times} waits)` : ''}\n`,
            );
      });
    });

  program
    .command('log')
    .description('the routing log of a run: which capability each step went to, why, and what came of it')
    .argument('<run>', 'run id')
    .option('--json', 'print as JSON')
    .action(async (runId: string, local: GlobalOptions) => {
      const options = { ...globals(), ...local };
      await withBaton({ ...options, existing: true }, async (baton) => {
        const events = await verifiedEvents(baton, runId);
        const entries = routingLog(events);
        if (options.json) return printJson(entries);
        const s = paint(process.stdout);
        const gates = gateApprovals(events);
        if (entries.length === 0 && gates.length === 0)
          return void process.stdout.write(`run ${runId} has routed no step yet\n`);
        for (const entry of entries) printRoute(s, entry);
        // Gates belong to no step's route: their approvals, with what each bound, follow the routes.
        printApprovals(s, gates);
      });
    });

  program
    .command('verify')
    .description('recompute the hash chain of one run or of every run (and the workspace ledger); exit 1 if any fails')
    .argument('[run]', 'run id (default: every run in the workspace)')
    .option('--against <file>', 'also check every run and the workspace ledger against a checkpoint (baton checkpoint)')
    .option('--json', 'print as JSON')
    .action(async (runId: string | undefined, local: GlobalOptions & { against?: string }) => {
      const options = { ...globals(), ...local };
      if (options.against !== undefined) return verifyAgainst(options, options.against, runId);
      const verdicts: VerifyLine[] =
        runId === undefined && !workspaceExists(options)
          ? []
          : await withBaton({ ...options, existing: true }, async (baton) => {
              if (runId !== undefined) return [{ runId, ...(await baton.verify(runId)) }];
              const workspace = await baton.verifyWorkspace();
              // The workspace ledger's own chain is listed only when it fails: a list of runs stays a list of runs.
              return workspace.ledger.ok
                ? workspace.runs
                : [...workspace.runs, { runId: null, ledger: 'workspace' as const, ...workspace.ledger }];
            });
      if (options.json) printJson(verdicts);
      else printVerdicts(verdicts);
      if (verdicts.some((v) => !v.ok)) throw new CliExit(ExitCode.failed);
    });

  program
    .command('schema')
    .description('print the plan language as JSON Schema')
    .action(() => printJson(planJsonSchema()));

  program
    .command('validate')
    .description('check a plan without running it (schema, references, cycles, expressions)')
    .argument('<file>', 'plan file (YAML or JSON)')
    .option(
      '--capabilities <file>',
      'a JavaScript module exporting the function capabilities the plan uses (as for run)',
    )
    .option('--json', 'print as JSON')
    .action(async (file: string, local: GlobalOptions & { capabilities?: string }) => {
      const options = { ...globals(), ...local };
      const functions = options.capabilities === undefined ? [] : await loadCapabilitiesFile(options.capabilities);
      const workspace = await cliRegistry(options);
      const plan = await loadPlanFile(
        file,
        functions.map((capability) => functionRunner(capability).descriptor),
        workspace?.registry,
      );
      const steps = Object.keys(plan.steps).length;
      const capabilities = Object.keys(plan.capabilities ?? {}).length;
      if (options.json) printJson({ valid: true, name: plan.name, steps, capabilities });
      else
        process.stdout.write(
          `${paint(process.stdout)('green', '✓')} ${file}: plan "${plan.name}" is valid (${steps} steps, ${capabilities} capabilities)\n`,
        );
    });
}
