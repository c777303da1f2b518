import { SUB_PLAN_MAX_DEPTH, subPlanStepOf } from '../core/index.js';
import { readAllEvents, type LedgerStore } from '../store/index.js';
import { subPlanRunId } from './sub-plan-run-id.js';

/** A child run a sub-plan step of a run started, and the children it started in turn. */
export interface SubPlanRun {
  /** The parent's step and the attempt that started the child. */
  step: string;
  attemptId: string;
  runId: string;
  /** The child plan's name. */
  name: string;
  status: string;
  children: SubPlanRun[];
}

/**
 * The tree of child runs under a run: for every attempt of a sub-plan step in its ledger, the
 * child run that attempt started (its id follows from the attempt's, `subPlanRunId`), with its
 * own children, down to SUB_PLAN_MAX_DEPTH. An attempt whose child was never created (its
 * admission refused it) has none.
 * @example
 * const tree = await subPlanTree(store, runId); // [{ step: 'team', runId: 'run-1.team-a1', status: 'succeeded', children: [] }]
 */
export async function subPlanTree(store: LedgerStore, runId: string, depth = 1): Promise<SubPlanRun[]> {
  if (depth > SUB_PLAN_MAX_DEPTH) return [];
  const children: SubPlanRun[] = [];
  for await (const event of readAllEvents(store, runId)) {
    if (event.type !== 'attempt.dispatched' || event.data.role !== undefined) continue;
    if (subPlanStepOf(event.data.capability) === null) continue;
    const childId = subPlanRunId(runId, event.data.attemptId);
    const record = await store.getRun(childId);
    if (!record) continue;
    children.push({
      step: event.data.step,
      attemptId: event.data.attemptId,
      runId: childId,
      name: record.name,
      status: record.status,
      children: await subPlanTree(store, childId, depth + 1),
    });
  }
  return children;
}
