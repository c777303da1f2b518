import { z } from 'zod';
import { decisionEvidenceSchema, pendingAboutSchema } from '../core/index.js';

const DecisionEvidenceSchema = decisionEvidenceSchema();
const PendingAboutSchema = pendingAboutSchema();

/**
 * Schemas shared by the tools. Inputs are strict: a misspelled argument is refused with the
 * arguments the tool does take, rather than ignored. Outputs are strict too, because clients
 * check `structuredContent` against the output schema with `additionalProperties: false`.
 */

/** A tool's arguments: a strict object whose unknown keys are named, with the keys it takes. */
export function args<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strict> {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}; this tool takes: ${known}`
        : undefined,
  });
}

export const RunId = z.string().min(1).max(128).describe('The run id, as submit_plan or list_runs gave it');
export const AgentName = z
  .string()
  .min(1)
  .max(200)
  .describe('The agent, as it names itself (a label; who acted is recorded separately as the session principal)');
export const StepId = z.string().min(1).max(200);
export const Reason = z.string().min(1).max(10_000);
export const WaitSeconds = z
  .number()
  .min(0)
  .max(600)
  .optional()
  .describe(
    'How long to wait for the run to end or to stop for a person (default 10). The run goes on in the server after that; get_run_state follows it.',
  );

/** A plan given one of three ways; exactly one is required (checked by the tool, which says so). */
export const PlanArgs = {
  plan: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The plan as a JSON object (the plan language: baton schema prints its JSON Schema)'),
  source: z.string().min(1).max(1_000_000).optional().describe('The plan as YAML or JSON text'),
  file: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "A plan file's path on the server's machine, relative to the directory the server runs in (needs the operate scope)",
    ),
};

export const PendingView = z.strictObject({
  id: z.string(),
  kind: z.enum(['gate', 'confirm', 'escalation', 'human', 'signal', 'plan', 'handoff']),
  step: z.string().nullable(),
  phase: z.string().nullable(),
  reason: z.string(),
  since: z.string(),
  /** The `baton` commands that answer it, for people. */
  answers: z.array(z.string()),
  /** Gates, confirmations and escalations: what approving binds, hashes included. */
  evidence: DecisionEvidenceSchema.optional(),
  /** What it is about, by kind: a task's input, an escalation's error, instances and votes, a wait's signals, a plan's outline. */
  about: PendingAboutSchema.optional(),
});

export const Budget = z.strictObject({
  limitUsd: z.number().nullable(),
  spentUsd: z.number(),
  reservedUsd: z.number(),
});

/** What a tool recorded in the run's ledger. */
export const Recorded = z.strictObject({
  runId: z.string(),
  event: z.strictObject({ type: z.string(), data: z.record(z.string(), z.unknown()) }),
  summary: z.string(),
});

/** Where a run is after submit_plan or resume: ended, waiting for a person, paused, or still running in the server. */
export const RunOutcome = z.strictObject({
  runId: z.string(),
  /** The run's correlation id (a W3C trace id); absent for runs created before it was recorded. */
  correlationId: z.string().optional(),
  status: z.enum(['running', 'waiting', 'paused', 'succeeded', 'failed', 'denied', 'aborted', 'timed_out']),
  /** False when the run is still being conducted by this server after the wait. */
  settled: z.boolean(),
  succeeded: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  failure: z.string().nullable(),
  outputs: z.record(z.string(), z.unknown()),
  pending: z.array(PendingView),
  budget: Budget,
});

export const ArtifactRefView = z.strictObject({ name: z.string(), sha256: z.string(), bytes: z.number().int() });
