import { BatonError, ErrorCode } from '../core/index.js';
import type { LedgerStore, WorkItem } from '../store/index.js';
import type { RunContext } from './executor.js';
import { loadVerifiedRun } from './load-run.js';

/** Runs a worker remembers; a worker serving more runs at once reads the oldest again when it meets it. */
const REMEMBERED_RUNS = 256;

/**
 * What a worker needs to run an item of any run: the plan revision the attempt was dispatched
 * under (its capability definitions), the run's inputs, its provider limits and its correlation id. Revision 1 is the plan of
 * `run.created`, one event away; a later revision is folded from the whole ledger, which is
 * rare (`baton revise`) and done once per run and revision.
 */
export class RunContexts {
  private readonly cache = new Map<string, Promise<RunContext>>();

  constructor(private readonly store: LedgerStore) {}

  get(item: Pick<WorkItem, 'runId' | 'revision'>): Promise<RunContext> {
    const key = `${item.runId}@${item.revision}`;
    let context = this.cache.get(key);
    if (!context) {
      context = this.load(item.runId, item.revision);
      // A failed read is not remembered: the next item of the run tries again.
      context.catch(() => this.cache.delete(key));
      this.cache.set(key, context);
      if (this.cache.size > REMEMBERED_RUNS) this.cache.delete(this.cache.keys().next().value as string);
    }
    return context;
  }

  private async load(runId: string, revision: number): Promise<RunContext> {
    const [created] = await this.store.readEvents(runId, 0, 1);
    if (created?.type !== 'run.created')
      throw new BatonError(ErrorCode.integrity, `run "${runId}" does not start with run.created`);
    // The provider limits a run was admitted under hold for every revision of it.
    const { limits, correlationId } = created.data;
    if (revision === 1) return { plan: created.data.plan, inputs: created.data.inputs, limits, correlationId };
    const { state } = await loadVerifiedRun(this.store, runId);
    if (state.revision !== revision) {
      throw new BatonError(
        ErrorCode.conflict,
        `run "${runId}" is at plan revision ${state.revision}, not ${revision}: the work was dispatched under a revision since replaced`,
      );
    }
    return { plan: state.plan, inputs: state.inputs, limits, correlationId };
  }
}
