import type { z } from 'zod';
import { builtOnFirstUse } from '../deferred-packages.js';

/**
 * What a pending decision is about, typed by its kind, as a person needs it to decide: a
 * task's input, what a confirmation dispatches to, an escalation's error, its instances and
 * (for a contradiction) each vote's output, the signals a step waits for, a plan's outline, a
 * halted handoff's request and why it halted. The HTTP API, the MCP
 * server and the CLI show this one shape.
 */
export const pendingAboutSchema = builtOnFirstUse(({ z }) => {
  const StepErrorView = z.object({
    type: z.string(),
    message: z.string(),
    retryable: z.boolean(),
  });

  const InstanceView = z.strictObject({
    key: z.string().describe('`build`, `fan[2]`, `classify/v1` (a vote)'),
    capability: z.string().nullable(),
    status: z.string(),
    error: StepErrorView.nullable(),
  });

  return z
    .discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('task'),
        capability: z.string().nullable(),
        input: z.json().describe("the person's task: the step's input"),
      }),
      z.strictObject({ kind: z.literal('confirm'), capability: z.string().nullable() }),
      z.strictObject({
        kind: z.literal('escalation'),
        error: StepErrorView.nullable().describe('why the step escalated, when an attempt failed'),
        attempts: z.int().describe("the step's attempts so far"),
        instances: z.array(InstanceView),
        votes: z
          .array(z.strictObject({ capability: z.string(), output: z.json() }))
          .optional()
          .describe("a contradiction's votes, each capability's output in full"),
      }),
      z.strictObject({ kind: z.literal('signal'), signals: z.array(z.string()) }),
      z.strictObject({
        kind: z.literal('plan'),
        revision: z.int().describe('the revision waiting for approval'),
        planHash: z.string(),
        outline: z
          .string()
          .nullable()
          .describe("the plan's outline and pre-flight report, as the person is to read them"),
      }),
      z.strictObject({
        kind: z.literal('handoff'),
        from: z.strictObject({ agent: z.string(), step: z.string().nullable() }),
        to: z.strictObject({ agent: z.string(), step: z.string(), role: z.string().optional() }),
        artifacts: z.array(z.string()),
        reason: z.string().describe('why the handing agent handed the work on'),
        instruction: z.string().optional(),
        completionCriteria: z.array(z.string()).optional(),
        knownRisks: z.array(z.string()).optional(),
        failedAt: z.string().describe('the step of the handoff protocol that refused it'),
        error: z.string().describe('why it was refused'),
        by: z.string().describe('who asked for the handoff'),
      }),
    ])
    .describe('what the decision is about, by kind (gates show their requirements in `reason` and `evidence`)');
});

export type PendingAbout = z.infer<ReturnType<typeof pendingAboutSchema>>;
