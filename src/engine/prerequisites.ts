import {
  BatonError,
  ErrorCode,
  prerequisitesOf,
  type BatonEvent,
  type DuePrerequisite,
  type PrerequisiteCheck,
  type RunState,
} from '../core/index.js';
import type { LedgerStore, PayloadStore, RunRecord } from '../store/index.js';
import type { ArtifactStore } from './artifacts/index.js';
import { loadVerifiedRun } from './load-run.js';
import { verifyRun } from './verify-run.js';

/**
 * Cross-run prerequisites (`requires: { run, artifact, sealed: true }`): the conductor cannot
 * read another run, so the engine does, and records what it found in this run's ledger as
 * `prerequisite.checked`, which the gate then reads. Every failure is closed: a run that does
 * not exist, a ledger or sealed artifact that does not verify, an artifact missing or unsealed.
 */

const LATEST = '@latest';
const PAGE = 100;

/** The newest run of the plan named `name`, paging back through the runs whose name contains it. */
async function latestRunNamed(store: LedgerStore, name: string): Promise<RunRecord | undefined> {
  let before: RunRecord | undefined;
  for (;;) {
    const page = await store.listRuns({
      search: name,
      limit: PAGE,
      ...(before && { before: { createdAt: before.createdAt, runId: before.runId } }),
    });
    const found = page.find((record) => record.name === name);
    if (found) return found;
    if (page.length < PAGE) return undefined;
    before = page.at(-1);
  }
}

/**
 * Checks one prerequisite now: resolves the run (an id, or the newest run of a plan name),
 * verifies its whole ledger and sealed artifacts (as `baton verify` does), and finds the
 * artifact sealed in it.
 * @example await checkPrerequisite(store, artifacts, { phase: 'publish', requirement }, 'gate') // { ok: true, sha256: '…', … }
 */
export async function checkPrerequisite(
  store: LedgerStore & PayloadStore,
  artifacts: ArtifactStore,
  due: DuePrerequisite,
  stage: PrerequisiteCheck['stage'],
): Promise<PrerequisiteCheck> {
  const { run, artifact } = due.requirement;
  const base = { phase: due.phase, run, artifact, stage };
  const fail = (reason: string, record?: RunRecord): PrerequisiteCheck => ({
    ...base,
    ok: false,
    reason,
    runId: record?.runId ?? null,
    headHash: record?.headHash ?? null,
    sha256: null,
  });
  const record = run.endsWith(LATEST)
    ? await latestRunNamed(store, run.slice(0, -LATEST.length))
    : await store.getRun(run);
  if (!record)
    return fail(
      run.endsWith(LATEST)
        ? `there is no run of the plan named "${run.slice(0, -LATEST.length)}"`
        : `there is no run "${run}"`,
    );
  const verdict = await verifyRun(store, artifacts, record.runId);
  if (!verdict.ok) return fail(`run ${record.runId} does not verify: ${verdict.reason}`, record);
  const { state, head } = await loadVerifiedRun(store, record.runId);
  const found = state.artifacts.get(artifact);
  if (!found) return fail(`run ${record.runId} has no artifact ${artifact}`, record);
  if (!found.sealed) return fail(`artifact ${artifact} of run ${record.runId} is not sealed`, record);
  return {
    ...base,
    ok: true,
    reason: `sealed in run ${record.runId} as sha256 ${found.sha256.slice(0, 12)}, its ledger verified`,
    runId: record.runId,
    headHash: head.hash,
    sha256: found.sha256,
  };
}

/** Checks the prerequisites the conductor waits for (`prerequisitesDue`), as events to record. */
export async function checkDuePrerequisites(
  store: LedgerStore & PayloadStore,
  artifacts: ArtifactStore,
  due: readonly DuePrerequisite[],
): Promise<BatonEvent[]> {
  const events: BatonEvent[] = [];
  for (const one of due)
    events.push({ type: 'prerequisite.checked', data: await checkPrerequisite(store, artifacts, one, 'gate') });
  return events;
}

/**
 * Pre-flight: checks every prerequisite of every gate of the plan. Throws a BatonError naming
 * each one that fails (nothing is written); returns the checks, which the run's first round
 * records after `run.created`.
 */
export async function preflightPrerequisites(
  store: LedgerStore & PayloadStore,
  artifacts: ArtifactStore,
  phases: RunState['phases'],
): Promise<BatonEvent[]> {
  const checks: PrerequisiteCheck[] = [];
  for (const phase of phases)
    for (const requirement of prerequisitesOf(phase.gate))
      checks.push(await checkPrerequisite(store, artifacts, { phase: phase.id, requirement }, 'preflight'));
  const failed = checks.filter((check) => !check.ok);
  if (failed.length > 0)
    throw new BatonError(
      ErrorCode.badInput,
      `pre-flight: ${failed
        .map((check) => `the gate of "${check.phase}" requires ${check.artifact} of run ${check.run}: ${check.reason}`)
        .join('; ')}; nothing was written`,
    );
  return checks.map((data) => ({ type: 'prerequisite.checked', data }));
}
