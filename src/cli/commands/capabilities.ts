import type { Command } from 'commander';
import { describeCapability } from '../../core/index.js';
import { capabilityRegistry, type CapabilityRegistryView, type LoadedRegistry } from '../../engine/index.js';
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
  const rows = view.capabilities.map(({ descriptor, source, health }) => [
    descriptor.id,
    descriptor.kind,
    Object.entries(descriptor.skills)
      .map(([skill, strength]) => `${skill} ${strength}`)
      .join(', '),
    descriptor.costUsd === undefined ? '-' : `$${descriptor.costUsd}`,
    source,
    `${health.status} (${health.succeeded} ok, ${health.failed} failed)`,
  ]);
  out.write(
    `${table([['id', 'kind', 'skills', 'cost', 'declared by', 'health'].map((h) => s('bold', h)), ...rows])}\n`,
  );
  out.write(`health over the newest ${view.runsRead} run${view.runsRead === 1 ? '' : 's'}\n`);
}

function policyOf(workspace: LoadedRegistry): string {
  const allowed = workspace.registry.plans?.may_declare;
  if (allowed === undefined) return '; plans may declare capabilities of any kind';
  return `; plans may declare ${allowed.length === 0 ? 'no capabilities' : `only ${allowed.join(', ')}`}`;
}

/** `baton capabilities`: the workspace registry's capabilities and the recent runs' plans', with health. */
export function registerCapabilities(program: Command, globals: () => GlobalOptions): void {
  program
    .command('capabilities')
    .description('list the capabilities of the workspace registry and of recent runs, with their health')
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
        : await capabilityRegistry(undefined, [], 0, workspaceDescriptors(workspace));
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
