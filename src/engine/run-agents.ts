import { evolve, type LedgerEvent, type RunState } from '../core/index.js';
import type { LedgerFold } from './load-run.js';

/** The agents a run involved: those it spawned (attempts on `agent` capabilities) and those that reported on it. */
export interface RunAgents {
  runId: string;
  /** Attempts dispatched to each `agent` capability: each one a model in a tool loop, spawned for the step. */
  spawned: Record<string, number>;
  /** Agents outside the engine that reported on the run's steps or phases (MCP `update_pipeline_state`), sorted. */
  reporting: string[];
}

/** Folds a run as recorded, counting on the way the attempts dispatched to `agent` capabilities. */
export class AgentCountingFold implements LedgerFold {
  state: RunState | undefined;
  readonly spawned: Record<string, number> = {};

  push(event: LedgerEvent): void {
    this.state = evolve(this.state, event);
    if (event.type !== 'attempt.dispatched') return;
    const capability = event.data.capability;
    if (this.state.registry[capability]?.kind === 'agent')
      this.spawned[capability] = (this.spawned[capability] ?? 0) + 1;
  }

  /** What the fold found, once every event is in. */
  agentsOf(state: RunState): RunAgents {
    return {
      runId: state.runId,
      spawned: { ...this.spawned },
      reporting: [...new Set([...state.agentReports.values()].map((report) => report.agent))].sort(),
    };
  }
}
