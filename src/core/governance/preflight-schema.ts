import { z } from 'zod';

const Candidate = z.strictObject({
  capability: z.string(),
  kind: z.string(),
  strength: z.number().nullable(),
  chosen: z.boolean(),
  reason: z.string(),
});

/**
 * The pre-flight report (`PreflightReport`) as a schema, for the surfaces that describe what they
 * return: the HTTP API's OpenAPI document and the MCP `dry_run` tool's output. One schema, so a
 * field added to the report is added to both.
 */
export const PreflightReportSchema = z.strictObject({
  plan: z.string(),
  steps: z.array(
    z.strictObject({
      step: z.string(),
      phase: z.string(),
      gate: z.string().nullable(),
      confirm: z.boolean(),
      awaits: z.array(z.string()).nullable(),
      capability: z.string().nullable(),
      voters: z.array(z.string()).nullable(),
      reason: z.string(),
      candidates: z.array(Candidate),
      minUsd: z.number(),
      worstUsd: z.number(),
      perItem: z.boolean(),
      certain: z.boolean(),
      arithmetic: z.string(),
      scope: z
        .array(z.string())
        .readonly()
        .nullable()
        .describe(
          "What the step's capabilities may touch (the run's scope narrowed by the step's); null when no scope is declared",
        ),
    }),
  ),
  minUsd: z.number(),
  worstUsd: z.number(),
  perItemUsd: z.record(z.string(), z.number()),
  budgetUsd: z.number().nullable(),
  deadline: z.string().nullable(),
  maxParallel: z.int().nullable(),
  phases: z.array(
    z.strictObject({
      id: z.string(),
      gate: z.string().nullable(),
      onPartial: z.enum(['block', 'continue']),
      steps: z.array(z.string()),
    }),
  ),
  confirmations: z.array(z.string()),
  problems: z.array(z.string()).describe('what would make a submit refuse the plan; empty when it can run'),
  notes: z.array(z.string()),
});
