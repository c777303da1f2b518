import { z } from 'zod';
import { RunId } from './common.js';

/** An event as the ledger keeps it (see the event types in docs/plan-language.md and src/core/events.ts). */
export const LedgerEventSchema = z
  .object({
    runId: RunId,
    seq: z.int().min(1).describe("the event's place in its run's ledger, from 1"),
    type: z.string().describe('`run.created`, `step.routed`, `attempt.succeeded`, `decision.made`, ...'),
    at: z.string().describe('ISO 8601 time it was recorded'),
    data: z.record(z.string(), z.unknown()).describe("the type's payload"),
    prevHash: z.string().describe('hash of the event before it (64 zeros for the first)'),
    hash: z.string().describe('sha256 over the canonical JSON of the event with prevHash: the chain'),
  })
  .describe('A ledger event.');

/** A signal an operator command recorded (before the ledger numbers and chains it). */
export const RecordedEvent = z.object({ type: z.string(), data: z.record(z.string(), z.unknown()) });

export const RecordedResponse = z
  .object({
    runId: RunId,
    event: RecordedEvent,
  })
  .describe(
    "What the command recorded. The engine conducting the run takes it in at its next round; the run's event stream shows it once it is in the ledger.",
  );

export const LedgerPage = z.object({
  events: z.array(LedgerEventSchema),
  next: z.int().nullable().describe('pass as `after` for the next page; null at the end of the ledger as it is now'),
});

export const VerifyResponse = z.union([
  z.object({
    ok: z.literal(true),
    events: z.int(),
    head: z.object({ seq: z.int(), hash: z.string() }),
    artifacts: z.object({ sealed: z.int(), failed: z.array(z.unknown()) }).optional(),
    approvals: z
      .object({ checked: z.int(), failed: z.array(z.unknown()) })
      .optional()
      .describe('the sealed artifacts approvals bound (`decision.made` evidence), re-hashed'),
    covered: z
      .boolean()
      .optional()
      .describe('false for a run created before the workspace ledger began: nothing there to check it against'),
  }),
  z.object({
    ok: z.literal(false),
    events: z.int(),
    seq: z.int().describe('where verification failed'),
    reason: z.string(),
    artifacts: z
      .object({
        sealed: z.int(),
        failed: z.array(
          z.object({
            name: z.string(),
            sha256: z.string(),
            seq: z.int(),
            status: z.enum(['missing', 'changed']),
            actual: z.string().nullable(),
          }),
        ),
      })
      .optional(),
    approvals: z
      .object({
        checked: z.int(),
        failed: z.array(
          z.object({
            decision: z.string().describe('the approved decision, `gate:ship`'),
            seq: z.int().describe('the seq of its `decision.made`'),
            name: z.string(),
            sha256: z.string().describe('the hash the approval recorded'),
            status: z.enum(['missing', 'changed']),
            actual: z.string().nullable(),
          }),
        ),
      })
      .optional()
      .describe('sealed artifacts an approval bound that no longer have the recorded hash'),
  }),
]);

/** `Last-Event-ID` or `?after=`: where a stream resumes. */
export const StreamQuery = z.strictObject({
  after: z
    .string()
    .max(64)
    .optional()
    .describe('resume after this event id (as the `Last-Event-ID` header does; the header wins when both are given)'),
});
