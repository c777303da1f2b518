import {
  limitKeyOf,
  type CapabilityDescriptor,
  type LedgerEvent,
  type LimitLoad,
  type Plan,
  type ProviderLimit,
  type ProviderLimits,
  type WorkspaceRegistry,
} from '../core/index.js';
import { CapabilityHealthFold, ChainVerifier, type CapabilityHealth } from '../ledger/index.js';
import { readAllEvents, type LedgerStore, type ProviderLeases } from '../store/index.js';

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
  /** The provider limit key its model calls draw on, when the registry limits that key. */
  limit?: string;
}

/** One provider limit of the workspace registry, and its load in the store now. */
export interface ProviderLimitView extends ProviderLimit {
  key: string;
  /** Calls in flight, and requests and tokens counting in the current window, across every run in the store. */
  load: LimitLoad;
  /** The listed capabilities that draw on it. */
  capabilities: string[];
}

/** The registry's provider limits, and where to read their load (absent: none to show). */
export interface LimitsToShow {
  limits: ProviderLimits;
  /** The limit keys of the workspace registry's model capabilities, by id. */
  keys: Record<string, string>;
  leases?: ProviderLeases;
  now: number;
  windowMs: number;
}

export interface CapabilityRegistryView {
  capabilities: KnownCapability[];
  /** How many of the newest runs were read. */
  runsRead: number;
  /** Runs left out because their ledger fails verification: nothing is reported from a tampered ledger. */
  unverified: string[];
  /** The workspace registry's provider limits with their load; empty without any. */
  limits: ProviderLimitView[];
}

/**
 * A workspace registry's provider limits and the keys its model capabilities draw on: what
 * `capabilityRegistry` shows them from (with the store's leases for their load).
 * @example
 * capabilityRegistry(store, [], 20, descriptors, { ...registryLimits(registry), leases: store, now, windowMs })
 */
export function registryLimits(registry: WorkspaceRegistry | undefined): Pick<LimitsToShow, 'limits' | 'keys'> {
  const keys: Record<string, string> = {};
  for (const [id, capability] of Object.entries(registry?.capabilities ?? {})) {
    const key = limitKeyOf(capability);
    if (key !== undefined) keys[id] = key;
  }
  return { limits: registry?.limits ?? {}, keys };
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
  limits?: LimitsToShow,
): Promise<CapabilityRegistryView> {
  const keys = new Map(Object.entries(limits?.keys ?? {}));
  const fold = new CapabilityHealthFold();
  const declared = new Map<string, { descriptor: CapabilityDescriptor; runs: string[] }>();
  const unverified: string[] = [];
  const runs = store ? await store.listRuns({ limit: recentRuns }) : [];
  for (const run of runs) {
    const verifier = new ChainVerifier();
    // Held until the chain is verified: a tampered run must not count.
    const events: LedgerEvent[] = [];
    let registry: Record<string, CapabilityDescriptor> = {};
    let plan: Plan | undefined;
    // As stored: health reads outcomes, never their values, so large payloads are not fetched
    // and held for every recent run (the chain verifies in either form).
    for await (const event of readAllEvents(store as LedgerStore, run.runId, undefined, 'reference')) {
      if (!verifier.push(event)) break;
      events.push(event);
      if (event.type === 'run.created' || event.type === 'plan.revised')
        ({ registry, plan } = { registry: event.data.registry, plan: event.data.plan });
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
      const config = plan?.capabilities?.[id];
      const key = config && limitKeyOf(config);
      if (key !== undefined && !keys.has(id)) keys.set(id, key);
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
  return {
    capabilities: withLimitKeys(capabilities, keys, limits),
    runsRead: runs.length,
    unverified,
    ...(await limitViews(capabilities, keys, limits)),
  };
}

/** Each capability with the limit key it draws on, where the registry limits that key. */
function withLimitKeys(
  capabilities: KnownCapability[],
  keys: ReadonlyMap<string, string>,
  limits: LimitsToShow | undefined,
): KnownCapability[] {
  return capabilities.map((capability) => {
    const key = keys.get(capability.descriptor.id);
    return key !== undefined && limits?.limits[key] !== undefined ? { ...capability, limit: key } : capability;
  });
}

async function limitViews(
  capabilities: readonly KnownCapability[],
  keys: ReadonlyMap<string, string>,
  limits: LimitsToShow | undefined,
): Promise<{ limits: ProviderLimitView[] }> {
  if (limits === undefined) return { limits: [] };
  const loads = (await limits.leases?.providerLoads(limits.now, limits.windowMs)) ?? {};
  return {
    limits: Object.entries(limits.limits).map(([key, limit]) => ({
      key,
      ...limit,
      load: loads[key] ?? { inFlight: 0, requests: 0, tokens: 0 },
      capabilities: capabilities.map(({ descriptor }) => descriptor.id).filter((id) => keys.get(id) === key),
    })),
  };
}
