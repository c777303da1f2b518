import type { Command } from 'commander';
import { formatRisks, type HandoffBrief, type HandoffRole, type LedgerEvent } from '../../core/index.js';
import type { Baton } from '../../engine/index.js';
import {
  handoffs,
  pipelineState,
  renderPipelineStateMarkdown,
  type AgentHandoffEntry,
  type Handoff,
  type HandedWork,
  type PipelineState,
} from '../../ledger/index.js';
import { withBaton, type GlobalOptions } from '../context.js';
import { paint, printJson, table } from '../format.js';
import { formatPending } from '../pending.js';

/** A run's events once its chain verifies: projections are never shown from a tampered ledger. */
export function verifiedEvents(baton: Baton, runId: string): Promise<LedgerEvent[]> {
  return baton.verifiedEvents(runId);
}

function usd(value: number | null): string {
  return value === null ? 'none' : `$${value}`;
}

function printState(view: PipelineState): void {
  const s = paint(process.stdout);
  const out = process.stdout;
  if (view.pending.length > 0) out.write(`${s('bold', 'pending decisions')}\n${formatPending(view.pending)}\n\n`);
  out.write(`run ${s('bold', view.runId)} (${view.name}): ${view.status}${view.failure ? ` — ${view.failure}` : ''}\n`);
  out.write(
    `  current phase: ${view.currentPhase ?? '(none opened yet)'}; plan revision ${view.revision}; ${view.events} events, updated ${view.updatedAt}\n\n`,
  );
  const phases = view.phases.map((p) => [
    p.current ? `${p.id} *` : p.id,
    p.readiness,
    p.opened ? 'open' : 'not open',
    p.gate,
    `${p.done}/${p.steps}`,
    String(p.failed),
  ]);
  out.write(`${table([['PHASE', 'READINESS', 'OPENED', 'GATE', 'DONE', 'FAILED'], ...phases])}\n\n`);
  const { limitUsd, spentUsd, reservedUsd, remainingUsd } = view.budget;
  out.write(
    `budget: limit ${usd(limitUsd)}, spent $${spentUsd}, reserved $${reservedUsd}, remaining ${usd(remainingUsd)}\n`,
  );
  if (view.recentRouting.length === 0) out.write('recent routing: none yet\n');
  else
    out.write(
      `recent routing (newest first)\n${view.recentRouting.map((event) => `  #${event.seq}  ${event.summary}`).join('\n')}\n`,
    );
  printAgents(view);
  if (view.risks.length > 0)
    out.write(
      `risks\n${formatRisks(view.risks)
        .map((line) => `  ${line}`)
        .join('\n')}\n`,
    );
}

/** What agents reported and handed on, only when there is something: a run no agent touched reads as before. */
function printAgents(view: PipelineState): void {
  const out = process.stdout;
  if (view.reports.length > 0) {
    out.write('agent reports (latest per step or phase)\n');
    for (const r of view.reports)
      out.write(
        `  ${r.step !== null ? `step ${r.step}` : `phase ${r.phase}`}: ${r.agent} ${r.status}${r.note ? ` — ${r.note}` : ''} (by ${r.by}, ${r.at})\n`,
      );
  }
  if (view.handoffs.length > 0) {
    out.write('handoffs between agents\n');
    for (const h of view.handoffs) {
      out.write(
        `  ${h.id} ${describeAgentHandoff(h)} ${h.status === 'accepted' ? `accepted ${h.acceptedAt ?? ''}` : 'queued'}\n`,
      );
      printBrief(out, h, '    ');
    }
  }
}

/** A handoff's role constraints and brief, one line each (continuation lines indented under their line). */
function printBrief(out: NodeJS.WritableStream, h: HandoffBrief & { role?: HandoffRole }, indent: string): void {
  const line = (text: string): void => void out.write(`${indent}${text.replace(/\n/g, `\n${indent}  `)}\n`);
  if (h.role !== undefined) line(`role ${h.role.name}, constraints: ${h.role.constraints.trimEnd()}`);
  if (h.instruction !== undefined) line(`instruction: ${h.instruction}`);
  for (const criterion of h.completionCriteria ?? []) line(`done when: ${criterion}`);
  for (const risk of h.knownRisks ?? []) line(`known risk: ${risk}`);
}

function describeAgentHandoff(h: Pick<AgentHandoffEntry, 'from' | 'to'>): string {
  return `${h.from.agent}${h.from.step !== null ? ` (${h.from.step})` : ''} → ${h.to.agent} (${h.to.step})`;
}

function formatWork(work: HandedWork): string {
  const output = work.output ? `output ${work.output.sha256.slice(0, 12)} (${work.output.bytes} B)` : 'no output';
  const artifacts =
    work.artifacts.length > 0
      ? `; artifacts ${work.artifacts.map((a) => `${a.name} ${a.sha256.slice(0, 12)} (${a.bytes} B)`).join(', ')}`
      : '';
  return `${work.step}${work.capability !== null ? ` [${work.capability}]` : ''}: ${output}${artifacts}`;
}

function printHandoffs(runId: string, found: readonly Handoff[]): void {
  const s = paint(process.stdout);
  if (found.length === 0) return void process.stdout.write(`run ${runId} has handed no work on yet\n`);
  for (const handoff of found) {
    if (handoff.kind === 'phase') {
      process.stdout.write(
        `#${handoff.seq} ${handoff.at}  ${s('bold', `phase ${handoff.from ?? '(start)'} → ${handoff.to}`)}  ${s('gray', handoff.reason)}\n`,
      );
      continue;
    }
    if (handoff.kind === 'agent') {
      const status = handoff.status === 'queued' ? 'queued' : `${handoff.status} at #${handoff.statusSeq}`;
      process.stdout.write(
        `#${handoff.seq} ${handoff.at}  ${s('bold', `${handoff.id} ${describeAgentHandoff(handoff)}`)} ${status}  ${s('gray', `${handoff.reason} (by ${handoff.by})`)}\n`,
      );
      if (handoff.acceptedSeq !== null)
        process.stdout.write(`    taken up by ${handoff.to.agent} at #${handoff.acceptedSeq}\n`);
      printBrief(process.stdout, handoff, '    ');
      for (const artifact of handoff.artifacts)
        process.stdout.write(`    artifact ${artifact.name} ${artifact.sha256.slice(0, 12)} (${artifact.bytes} B)\n`);
      continue;
    }
    const role = handoff.to.role !== null ? ` (${handoff.to.role})` : '';
    const sources = handoff.from.map((work) => work.step).join(' + ');
    process.stdout.write(
      `#${handoff.seq} ${handoff.at}  ${s('bold', `${sources} → ${handoff.to.step}`)} [${handoff.to.capability}] ${handoff.to.attemptId}${role}\n`,
    );
    for (const work of handoff.from) process.stdout.write(`    from ${formatWork(work)}\n`);
    process.stdout.write(`    input ${handoff.to.input.sha256.slice(0, 12)} (${handoff.to.input.bytes} B)\n`);
  }
}

/** `baton state` and `baton handoffs`: projections of a run's ledger. */
export function registerPipeline(program: Command, globals: () => GlobalOptions): void {
  program
    .command('state')
    .description(
      'the pipeline state of a run: pending decisions, phases and their readiness, budget, latest routing, risk register',
    )
    .argument('<run>', 'run id')
    .option('--md', 'print as Markdown')
    .option('--json', 'print as JSON')
    .action(async (runId: string, local: GlobalOptions & { md?: boolean }) => {
      const options = { ...globals(), ...local };
      const view = await withBaton({ ...options, existing: true }, async (baton) =>
        pipelineState(await verifiedEvents(baton, runId)),
      );
      if (options.json) printJson(view);
      else if (options.md) process.stdout.write(renderPipelineStateMarkdown(view));
      else printState(view);
    });

  program
    .command('handoffs')
    .description('the work a run passed from step to step (outputs and artifacts by hash) and from phase to phase')
    .argument('<run>', 'run id')
    .option('--json', 'print as JSON')
    .action(async (runId: string, local: GlobalOptions) => {
      const options = { ...globals(), ...local };
      const found = await withBaton({ ...options, existing: true }, async (baton) =>
        handoffs(await verifiedEvents(baton, runId)),
      );
      if (options.json) printJson(found);
      else printHandoffs(runId, found);
    });
}
