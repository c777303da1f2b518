import { agentDescription } from './agent-worst-case.js';
import { llmDescription } from './llm-worst-case.js';
import { durationToMs } from './plan/duration.js';
import type { CapabilityKind, Plan, PlanCapability } from './plan/schema.js';

/** What a plan's `capabilities.X` holds for kind K; `never` for a kind a plan cannot declare (functions are registered in code). */
export type KindConfig<K extends CapabilityKind> = Extract<PlanCapability, { kind: K }>;

/**
 * Descriptor fields (registry.ts `CapabilityDescriptor`) a kind derives from its own config. Spelled
 * out here rather than picked from the descriptor so that registry.ts can use this table without a cycle.
 */
export interface KindDescription {
  timeoutMs?: number;
  costUsd?: number;
}

/** A string in a capability's config that is rendered for every attempt as a template over `input` and `inputs`. */
export interface ConfigTemplate {
  /** Where it is, below `capabilities.<id>`. */
  path: (string | number)[];
  text: string;
}

/**
 * What the plan language and the conductor know of a capability kind: the pure half of a kind
 * plug-in. Its config schema is the kind's member of `PlanCapability` (plan/schema.ts, the one
 * zod schema of the plan language); how it runs lives in src/capabilities, which the core never
 * imports (see src/capabilities/kind.ts).
 *
 * Its traits are read from this table by kind name and never written into a descriptor: the
 * registry recorded in `run.created` stays byte-identical to what earlier versions wrote, so old
 * ledgers verify and replay with the same hashes, and a kind's traits cannot differ between two
 * runs that recorded the same descriptor.
 */
export interface KindDefinition<Config> {
  /**
   * Who performs an attempt. `machine`: the executor (or a worker) claims it from the queue and
   * invokes the kind's runner. `person`: nothing is queued; the conductor requests a decision and
   * the attempt waits for `baton submit`, through crashes and restarts of the engine.
   */
  performer: 'machine' | 'person';
  /**
   * Whether a machine kind's runner exists only in a process that registered it in code (a
   * function) rather than being made from the plan by any worker (a command). Such work goes to
   * the queue's `function` lane, claimed only by workers that registered the capability.
   */
  registeredInCode: boolean;
  /**
   * Descriptor fields the kind derives from its own config, besides the common ones (skills,
   * description, cost_usd, permissions): a default timeout, or a worst-case cost it computes
   * (the conductor reserves `costUsd` against the budget before dispatch; what the attempt
   * reports it spent settles it). Keys come after the common ones, as the ledger has them.
   */
  describe?: (config: Config) => KindDescription;
  /**
   * The config strings rendered per attempt over `input` and `inputs`, so that validation
   * refuses a template that does not compile or reads an input the plan does not declare.
   */
  templates?: (config: Config) => ConfigTemplate[];
  /**
   * The environment variables the config names whose values are secrets (an API key, a header's
   * value, a signing key): redacted from everything an attempt of the run reports, as if the plan
   * listed them in `constraints.secrets`, whatever their names.
   */
  secretVariables?: (config: Config) => string[];
}

/**
 * Every kind the plan language and the registry know. Adding one: its config in
 * `PlanCapability` and its name in `CapabilityKind` (plan/schema.ts), one line here, and its
 * folder and line in src/capabilities/kinds.ts; the conductor does not change. The mapped type
 * makes a kind without an entry a compile error.
 */
export const CAPABILITY_KINDS: { readonly [K in CapabilityKind]: KindDefinition<KindConfig<K>> } = {
  command: {
    performer: 'machine',
    registeredInCode: false,
    describe: (config) => (config.timeout === undefined ? {} : { timeoutMs: durationToMs(config.timeout) }),
    templates: (config) => config.command.map((text, i) => ({ path: ['command', i], text })),
  },
  function: { performer: 'machine', registeredInCode: true },
  // A sub-plan step's child run: any engine or worker with the store starts and follows it (engine/sub-plan-runner.ts).
  plan: { performer: 'machine', registeredInCode: false },
  human: { performer: 'person', registeredInCode: false },
  http: {
    performer: 'machine',
    registeredInCode: false,
    describe: (config) => (config.timeout === undefined ? {} : { timeoutMs: durationToMs(config.timeout) }),
    templates: (config) => [{ path: ['url'], text: config.url }],
    secretVariables: (config) => [
      ...Object.values(config.headers_env ?? {}),
      ...(config.secret_env === undefined ? [] : [config.secret_env]),
    ],
  },
  mcp: {
    performer: 'machine',
    registeredInCode: false,
    describe: (config) => (config.timeout === undefined ? {} : { timeoutMs: durationToMs(config.timeout) }),
    secretVariables: ({ server }) =>
      Object.values('url' in server ? (server.headers_env ?? {}) : (server.env_from ?? {})),
  },
  llm: {
    performer: 'machine',
    registeredInCode: false,
    describe: llmDescription,
    templates: (config) => (config.prompt === undefined ? [] : [{ path: ['prompt'], text: config.prompt }]),
    secretVariables: (config) => (config.api_key_env === undefined ? [] : [config.api_key_env]),
  },
  agent: {
    performer: 'machine',
    registeredInCode: false,
    describe: agentDescription,
    templates: (config) => (config.mission === undefined ? [] : [{ path: ['mission'], text: config.mission }]),
    secretVariables: (config) => [
      ...(config.api_key_env === undefined ? [] : [config.api_key_env]),
      ...Object.values(config.servers).flatMap((server) =>
        Object.values('url' in server ? (server.headers_env ?? {}) : (server.env_from ?? {})),
      ),
    ],
  },
};

/** The table's entry for a plan's capability, typed for its config whichever kind it is. */
function definitionOf(config: PlanCapability): KindDefinition<PlanCapability> {
  // Sound: the entry is looked up by the config's own kind, so it takes exactly this config.
  return CAPABILITY_KINDS[config.kind] as KindDefinition<PlanCapability>;
}

/**
 * The descriptor fields a plan capability's kind derives from its config.
 * @example
 * kindDescription({ kind: 'command', command: ['make'], skills: {}, timeout: '2s' }) // { timeoutMs: 2000 }
 */
export function kindDescription(config: PlanCapability): KindDescription {
  return definitionOf(config).describe?.(config) ?? {};
}

/**
 * The templates a plan capability's config renders per attempt.
 * @example
 * kindTemplates({ kind: 'command', command: ['echo', '{{ input }}'], skills: {} }) // [{ path: ['command', 0], ... }, ...]
 */
export function kindTemplates(config: PlanCapability): ConfigTemplate[] {
  return definitionOf(config).templates?.(config) ?? [];
}

/**
 * The environment variables whose values a run must keep out of everything it records: the plan's
 * `constraints.secrets` and those its capabilities' configs name as secret (see `secretVariables`).
 * @example
 * declaredSecrets({ ...plan, capabilities: { hook: { kind: 'http', url, skills: {}, secret_env: 'HOOK_HMAC' } } }) // ['HOOK_HMAC']
 */
export function declaredSecrets(plan: Plan): string[] {
  // A recorded plan may name a kind this version does not know (a newer one wrote it): it names no secrets here.
  const named = Object.values(plan.capabilities ?? {}).flatMap((config) =>
    Object.hasOwn(CAPABILITY_KINDS, config.kind) ? (definitionOf(config).secretVariables?.(config) ?? []) : [],
  );
  return [...new Set([...(plan.constraints?.secrets ?? []), ...named])];
}

/**
 * The entry of a kind named in a recorded descriptor or an unchecked plan, which may name a kind
 * this version does not know (a ledger written by a newer one): then none, and the callers treat
 * it as machine work anyone may run, which is what fails closed.
 */
function knownKind(kind: string): KindDefinition<never> | undefined {
  return Object.hasOwn(CAPABILITY_KINDS, kind) ? CAPABILITY_KINDS[kind as CapabilityKind] : undefined;
}

/**
 * True when a person performs the capability's work: the conductor asks for it and `baton submit`
 * answers it; no worker ever holds it. False for an unknown capability or kind.
 * @example
 * if (awaitsPerson(state.registry[capability])) emit({ type: 'decision.requested', ... });
 */
export function awaitsPerson(descriptor: { kind: string } | undefined): boolean {
  return descriptor !== undefined && knownKind(descriptor.kind)?.performer === 'person';
}

/**
 * True when only a process that registered the capability in code can run its work.
 * @example
 * const lane = runsOnlyWhereRegistered(state.registry[capability]) ? 'function' : 'command';
 */
export function runsOnlyWhereRegistered(descriptor: { kind: string } | undefined): boolean {
  return descriptor !== undefined && knownKind(descriptor.kind)?.registeredInCode === true;
}
