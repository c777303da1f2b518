import { builtOnFirstUse } from '../deferred-packages.js';
import { RISK_CONTROL_KINDS } from './risks.js';

/** The schemas of a pre-flight report and of a risk view (below), built on the first call. */
export const preflightSchemas = builtOnFirstUse(({ z }) => {
  const Candidate = z.strictObject({
    capability: z.string(),
    kind: z.string(),
    strength: z.number().nullable(),
    chosen: z.boolean(),
    reason: z.string(),
  });

  /** A risk of the register (`RiskView`) with its controls: what pre-flight, `baton state` and the run view show. */
  const RiskViewSchema = z.strictObject({
    id: z.string(),
    description: z.string(),
    controls: z.array(
      z.strictObject({
        kind: z.enum(RISK_CONTROL_KINDS),
        target: z.string().nullable().describe('the phase or step the control names; null for the whole run'),
        present: z.boolean().describe('whether the plan has the control'),
        detail: z.string().describe('what the plan has, or what is missing'),
      }),
    ),
    mitigated: z.boolean().describe('it lists at least one control and every one is present'),
  });

  /**
   * The pre-flight report (`PreflightReport`) as a schema, for the surfaces that describe what they
   * return: the HTTP API's OpenAPI document and the MCP `dry_run` tool's output. One schema, so a
   * field added to the report is added to both.
   */
  const PreflightReportSchema = z.strictObject({
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
    risks: z.array(RiskViewSchema).describe("the plan's risk register, each control looked up in the plan"),
    problems: z.array(z.string()).describe('what would make a submit refuse the plan; empty when it can run'),
    notes: z.array(z.string()),
  });

  return { RiskViewSchema, PreflightReportSchema };
});
