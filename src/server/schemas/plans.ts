import { z } from 'zod';
import { PlanField } from '../plan-input.js';

export const PlanBody = z.strictObject({ plan: PlanField });

export const ValidateResponse = z.object({
  valid: z.literal(true),
  name: z.string(),
  steps: z.int(),
  capabilities: z.int().describe('capabilities the plan declares'),
});

const Candidate = z.object({ capability: z.string(), kind: z.string(), strength: z.number().nullable(), chosen: z.boolean(), reason: z.string() });

export const PreflightResponse = z
  .object({
    plan: z.string(),
    steps: z.array(
      z.object({
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
      }),
    ),
    minUsd: z.number(),
    worstUsd: z.number(),
    perItemUsd: z.record(z.string(), z.number()),
    budgetUsd: z.number().nullable(),
    deadline: z.string().nullable(),
    maxParallel: z.int().nullable(),
    phases: z.array(z.object({ id: z.string(), gate: z.string().nullable(), onPartial: z.enum(['block', 'continue']), steps: z.array(z.string()) })),
    confirmations: z.array(z.string()),
    problems: z.array(z.string()).describe('what would make a submit refuse the plan; empty when it can run'),
    notes: z.array(z.string()),
  })
  .describe('The pre-flight report, as `baton run --dry-run --json` prints it.');
