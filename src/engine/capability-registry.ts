import type { CapabilityDescriptor, LedgerEvent } from '../core/index.js';
import { CapabilityHealthFold, ChainVerifier, type CapabilityHealth } from '../ledger/index.js';
import { readAllEvents, type LedgerStore } from '../store/index.js';

/** A capability the workspace knows, where it is declared, and how it has fared lately. */
export interface KnownCapability {
  descriptor: CapabilityDescriptor;
  /**
   * `registered`: a function registered in this process; `workspace`: declared by the workspace
   * registry (`baton.yaml`); `plan`: declared by the plan of a recent run.
   */
  source: 'registered' | 'workspace' | 'plan';
  /** Recent runs whose plan declares or routes to it, newest first. */
  runs: string[];
  health: CapabilityHealth;
}

export interface CapabilityRegistryView {
  capabilities: KnownCapability[];
  /** How many of the newest runs were read. */
  runsRead: number;
  /** Runs left out because their ledger fails verification: nothing is reported from a tampered ledger. */
  unverified: string[];
}

/**
 * The registry as the workspace has seen it: the functions registered in this process, the
 * capabilities of the workspace registry, and those the plans of the newest `recentRuns` runs
 * declared (the newest declaration of an id wins), each with its health over those runs' ledgers.
 * Without a store (no workspace yet), every capability's health is unknown.
 * @example
 * const view = await capabilityRegistry(store, baton.capabilities(), 20, workspaceDescriptors);
 */
export async function capabilityRegistry(
  store: LedgerStore | undefined,
  registered: readonly CapabilityDescriptor[],
  recentRuns: number,
  workspace: readonly CapabilityDescriptor[] = [],
): Promise<CapabilityRegistryView> {
  const fold = new CapabilityHealthFold();
  const declared = new Map<string, { descriptor: CapabilityDescriptor; runs: string[] }>();
  const unverified: string[] = [];
  const runs = store ? await store.listRuns({ limit: recentRuns }) : [];
  for (const run of runs) {
    const verifier = new ChainVerifier();
    // Held until the chain is verified: a tampered run must not count.
    const events: LedgerEvent[] = [];
    let registry: Record<string, CapabilityDescriptor> = {};
    // As stored: health reads outcomes, never their values, so large payloads are not fetched
    // and held for every recent run (the chain verifies in either form).
    for await (const event of readAllEvents(store as LedgerStore, run.runId, undefined, 'reference')) {
      if (!verifier.push(event)) break;
      events.push(event);
      if (event.type === 'run.created' || event.type === 'plan.revised') registry = event.data.registry;
    }
    if (!verifier.verdict.ok) {
      unverified.push(run.runId);
      continue;
    }
    for (const event of events) fold.push(event);
    for (const [id, descriptor] of Object.entries(registry)) {
      const known = declared.get(id);
      // Runs come newest first: the first declaration seen is the newest.
      if (known) known.runs.push(run.runId);
      else declared.set(id, { descriptor, runs: [run.runId] });
    }
  }
  const emptyHealth = (capability: string): CapabilityHealth => ({
    capability,
    status: 'unknown',
    succeeded: 0,
    failed: 0,
    lastOutcomeAt: null,
    lastError: null,
  });
  const capabilities: KnownCapability[] = registered.map((descriptor) => ({
    descriptor,
    source: 'registered',
    runs: declared.get(descriptor.id)?.runs ?? [],
    health: fold.health(descriptor.id) ?? emptyHealth(descriptor.id),
  }));
  for (const descriptor of workspace) {
    if (registered.some((r) => r.id === descriptor.id)) continue;
    capabilities.push({
      descriptor,
      source: 'workspace',
      runs: declared.get(descriptor.id)?.runs ?? [],
      health: fold.health(descriptor.id) ?? emptyHealth(descriptor.id),
    });
  }
  for (const [id, { descriptor, runs: declaring }] of [...declared].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (registered.some((r) => r.id === id) || workspace.some((w) => w.id === id)) continue;
    capabilities.push({ descriptor, source: 'plan', runs: declaring, health: fold.health(id) ?? emptyHealth(id) });
  }
  return { capabilities, runsRead: runs.length, unverified };
}
