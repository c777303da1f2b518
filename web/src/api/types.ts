/**
 * The API's answers as the dashboard reads them: the fields it uses, by the names of
 * `/openapi.json`. test/web/api-contract.test.ts holds each to the server's document, so a
 * renamed or removed field fails a test instead of showing blanks.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'denied' | 'aborted' | 'timed_out' | 'waiting' | 'paused';
export type PendingKind = 'gate' | 'confirm' | 'escalation' | 'human' | 'signal' | 'plan' | 'handoff';

export interface Pending {
  id: string;
  kind: PendingKind;
  step: string | null;
  phase: string | null;
  reason: string;
  since: string;
  answers: string[];
  /** Gates, confirmations and escalations: what approving binds (recorded on `decision.made`). */
  evidence?: DecisionEvidence;
}

/** What an approval binds: the plan in force, artifacts with their hashes, step results, votes. */
export interface DecisionEvidence {
  revision: number;
  planHash: string;
  requires?: { artifacts: string[]; checks: string[] };
  artifacts: { name: string; sha256: string | null; sealed: boolean }[];
  checks: { step: string; status: string; passed: boolean; outputHash: string | null }[];
  votes?: { capability: string; outputHash: string }[];
}

export interface RunSummary {
  runId: string;
  name: string;
  planHash: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  headSeq: number;
  pending: Pending[];
}

export interface RunList {
  runs: RunSummary[];
  next: string | null;
}

export interface Budget {
  limitUsd: number | null;
  spentUsd: number;
  reservedUsd: number;
}

export interface StepRow {
  step: string;
  status: string;
  capability: string | null;
  attempts: number;
  error: string | null;
  output: Json;
}

export interface RunView {
  runId: string;
  name: string;
  status: RunStatus;
  pending: Pending[];
  failure: string | null;
  paused: { by: string; reason: string | null } | null;
  createdAt: string;
  endedAt: string | null;
  planHash: string;
  revision: number;
  events: number;
  budget: Budget;
  steps: StepRow[];
}

export interface LedgerEvent {
  runId: string;
  seq: number;
  type: string;
  at: string;
  data: Record<string, Json>;
  prevHash: string;
  hash: string;
}

export interface LedgerPage {
  events: LedgerEvent[];
  next: number | null;
}

export type VerifyResult =
  | { ok: true; events: number; head: { seq: number; hash: string }; artifacts?: { sealed: number; failed: unknown[] } }
  | {
      ok: false;
      events: number;
      seq: number;
      reason: string;
      artifacts?: { sealed: number; failed: { name: string; status: string }[] };
    };

export interface RunArtifact {
  name: string;
  sha256: string;
  bytes: number;
  attemptId: string;
  seq: number;
  sealed: boolean;
}

export interface StepDetail {
  step: StepRow;
  routing: Record<string, Json>[];
}

export interface CapabilityEntry {
  descriptor: {
    id: string;
    kind: string;
    skills: Record<string, number>;
    description?: string;
    costUsd?: number;
    permissions?: string[];
    timeoutMs?: number;
  };
  source: 'registered' | 'plan';
  runs: string[];
  health: {
    status: 'healthy' | 'failing' | 'unknown';
    succeeded: number;
    failed: number;
    lastOutcomeAt: string | null;
    lastError: { type: string; message: string; at: string; runId: string } | null;
  };
}

export interface CapabilityRegistry {
  capabilities: CapabilityEntry[];
  runsRead: number;
  unverified: string[];
}

export interface RecordedResponse {
  runId: string;
  event: { type: string; data: Record<string, Json> };
}

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
}

export interface RunGauge {
  runId: string;
  status: string;
  steps: { total: number; succeeded: number; failed: number; skipped: number; running: number };
  budget: Budget;
  createdAt: string;
  endedAt: string | null;
  deadlineAt: string | null;
}
