import type { Command } from 'commander';
import { describeCapability } from '../../core/index.js';
import {
  capabilityRegistry,
  registryLimits,
  type CapabilityRegistryView,
  type LoadedRegistry,
  type ProviderLimitView,
} from '../../engine/index.js';
import { badInput, cliRegistry, withBaton, workspaceExists, type GlobalOptions } from '../context.js';
import { paint, printJson, table } from '../format.js';

function workspaceDescriptors(workspace: LoadedRegistry | undefined): ReturnType<typeof describeCapability>[] {
  return Object.entries(workspace?.registry.capabilities ?? {}).map(([id, capability]) =>
    describeCapability(id, capability),
  );
}

function printView(view: CapabilityRegistryView, workspace: LoadedRegistry | undefined): void {
  const s = paint(process.stdout);
  const out = process.stdout;
  out.write(
    workspace
      ? `workspace registry ${workspace.file} (${workspace.hash.slice(0, 12)})${policyOf(workspace)}\n`
      : 'no workspace registry (no ./baton.yaml, --registry or BATON_REGISTRY)\n',
  );
  if (view.capabilities.length === 0) {
    out.write('no capabilities\n');
    return;
  }
  const rows = view.capabilities.map(({ descriptor, source, health, limit }) => [
    descriptor.id,
    descriptor.kind,
    Object.entries(descriptor.skills)
      .map(([skill, strength]) => `${skill} ${strength}`)
      .join(', '),
    descriptor.costUsd === undefined ? '-' : `$${descriptor.costUsd}`,
    source,
    `${health.status} (${health.succeeded} ok, ${health.failed} failed)`,
    limit ?? '-',
  ]);
  out.write(
    `${table([['id', 'kind', 'skills', 'cost', 'declared by', 'health', 'limit'].map((h) => s('bold', h)), ...rows])}\n`,
  );
  out.write(`health over the newest ${view.runsRead} run${view.runsRead === 1 ? '' : 's'}\n`);
  if (view.limits.length === 0) return;
  out.write(`\nprovider limits, shared by every run in the store (load now, across them all):\n`);
  const limitRows = view.limits.map((limit) => [
    limit.key,
    limitTerms(limit),
    `${limit.load.inFlight} in flight, ${limit.load.requests} requests and ${limit.load.tokens} tokens in the window`,
    limit.capabilities.join(', ') || '-',
  ]);
  out.write(`${table([['key', 'limits', 'load', 'used by'].map((h) => s('bold', h)), ...limitRows])}\n`);
}

function limitTerms(limit: ProviderLimitView): string {
  return [
    limit.concurrent !== undefined && `${limit.concurrent} at once`,
    limit.requests_per_minute !== undefined && `${limit.requests_per_minute} requests/min`,
    limit.tokens_per_minute !== undefined && `${limit.tokens_per_minute} tokens/min`,
  ]
    .filter((term) => term !== false)
    .join(', ');
}

function policyOf(workspace: LoadedRegistry): string {
  const allowed = workspace.registry.plans?.may_declare;
  if (allowed === undefined) return '; plans may declare capabilities of any kind';
  return `; plans may declare ${allowed.length === 0 ? 'no capabilities' : `only ${allowed.join(', ')}`}`;
}

/** `baton capabilities`: the workspace registry's capabilities and the recent runs' plans', with health and provider limits. */
export function registerCapabilities(program: Command, globals: () => GlobalOptions): void {
  program
    .command('capabilities')
    .description(
      'list the capabilities of the workspace registry and of recent runs, with their health, and the provider limits with their load',
    )
    .option('--runs <n>', 'how many of the newest runs to read for health (default 20)', (value) => Number(value), 20)
    .option('--json', 'print as JSON')
    .action(async (local: { runs: number; json?: boolean }) => {
      const options = { ...globals(), ...local };
      if (!Number.isSafeInteger(options.runs) || options.runs < 1 || options.runs > 500)
        throw badInput('--runs is a whole number of runs from 1 to 500');
      const workspace = await cliRegistry(options);
      // Listing never creates a workspace: without one there is no health to read yet.
      const view = workspaceExists(options)
        ? await withBaton({ ...options, existing: true, workspace }, (baton) =>
            baton.capabilityRegistry({ recentRuns: options.runs }),
          )
        : await capabilityRegistry(undefined, [], 0, workspaceDescriptors(workspace), {
            ...registryLimits(workspace?.registry),
            now: Date.now(),
            windowMs: 0,
          });
      if (options.json)
        printJson({
          registry: workspace
            ? { file: workspace.file, hash: workspace.hash, mayDeclare: workspace.registry.plans?.may_declare ?? null }
            : null,
          ...view,
        });
      else printView(view, workspace);
    });
}
