import type { CapabilityKind, KindConfig, Plan, PlanIssue } from '../core/index.js';
import type { CapabilityRunner } from './types.js';

/**
 * The engine half of a capability kind plug-in: what it takes to run the kind's work on this
 * machine. The pure half (its config schema in the plan language, whether a person or a machine
 * performs it, the descriptor fields it derives from its config) is its entry in the core's
 * kind table, `CAPABILITY_KINDS` (core/capability-kinds.ts): the plan language and the conductor
 * are pure and never import this folder.
 *
 * Three things a kind needs have no member here, because one path already serves every kind:
 * - its cost estimate is the descriptor's `costUsd` (declared `cost_usd`, or what the core entry's
 *   `describe` computes), reserved against the budget before dispatch;
 * - its settlement is `invocation.files.reportCost(usd)` from the runner (a command writes
 *   `$BATON_COST_FILE`): the ledger charges what was reported, else the reserve;
 * - its scope is `invocation.scope`, given to every runner, which checks what it touches (a
 *   command its path and URL arguments, with `argumentOutsideScope`).
 */
export interface CapabilityKindPlugin<K extends CapabilityKind> {
  /** The kind's name as a plan's `kind:` says it; the table checks that each plug-in sits under its own name. */
  readonly name: K;
  /**
   * The runner of a capability the plan declares, for a machine kind whose runner is made from
   * the plan (so any worker can run it). Absent when a person performs the kind, or when
   * processes register its runners in code (`baton.register` for functions).
   */
  runner?: (id: string, config: KindConfig<K>, plan: Plan) => CapabilityRunner;
  /**
   * Pre-flight of a capability in a plan file, before the plan is accepted and anything written:
   * resolves what its config names relative to the plan file's directory (so the plan runs the
   * same wherever `baton` is started) and reports what is missing there. Returns the config to
   * run with; issue paths are below `capabilities.<id>`.
   */
  preflight?: (config: KindConfig<K>, planDirectory: string) => { config: KindConfig<K>; issues: PlanIssue[] };
  /**
   * Pre-flight against the world, when a run is admitted and before anything is written: asks
   * what the config names whether it can do the work (an MCP server whether it offers the tool)
   * and reports what it cannot, with the reason, so the plan is refused (fail closed). It may
   * start programs and open connections, so callers authorize the plan first; it must stop
   * when `context.signal` aborts. Issue paths are below `capabilities.<id>`.
   */
  check?: (config: KindConfig<K>, context: CapabilityCheckContext) => Promise<PlanIssue[]>;
}

/** What a kind's live pre-flight check (`check`) may touch and how long it has. */
export interface CapabilityCheckContext {
  /** The run's `constraints.scope`, or null when it declares none. */
  scope: readonly string[] | null;
  /** Aborted when the check has taken too long. */
  signal: AbortSignal;
}
