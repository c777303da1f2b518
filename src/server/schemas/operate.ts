import { z } from 'zod';
import { actSignatureSchema } from '../../engine/index.js';
import { JsonValue } from './common.js';
import { PlanField } from '../plan-input.js';

const ActSignatureSchema = actSignatureSchema();

const Text = (what: string) => z.string().max(2_000, `${what} is at most 2000 characters`);

/** A signature over the act's statement (`POST /v1/runs/{id}/statements` gives it), by a key registered for the token's principal. */
export const SignatureBody = ActSignatureSchema.describe(
  "the act signed with a key registered for the token's principal (`baton key`); required for an approval or override when that principal has a key in force (else 403, nothing recorded)",
);

export const DecisionBody = z.strictObject({
  target: z
    .string()
    .min(1)
    .max(200)
    .describe('a phase (its gate), a step (its confirmation or escalation), or a decision id such as `gate:execution`'),
  comment: Text('comment').optional().describe('why; recorded with the decision'),
  signature: SignatureBody.optional(),
});

export const OverrideBody = z.strictObject({
  target: z.string().min(1).max(200).describe('a phase (its gate), or its decision id such as `gate:publish`'),
  reason: Text('reason').min(1, 'an override needs a reason').describe('why the gate may open anyway; recorded'),
  signature: SignatureBody.optional(),
});

export const StatementBody = z.strictObject({
  target: DecisionBody.shape.target,
  verdict: z.enum(['approved', 'denied', 'overridden']).describe('the act to be signed'),
  keyId: SignatureBody.shape.keyId,
  comment: Text('comment')
    .optional()
    .describe('the comment the act will carry (for an override, its reason): the statement covers it'),
});

export const StatementResponse = z.object({
  statement: z
    .string()
    .describe(
      "the exact text to sign (its UTF-8 bytes, Ed25519): the canonical JSON of { statement: 'baton.act/1', runId, decision, verdict, by, comment, evidence (sha256 of the canonical JSON of what the decision binds, or null), keyId }",
    ),
});

export const ResultBody = z.strictObject({
  step: z.string().min(1).max(200).describe('the human step or escalated step (a for_each item as `review[2]`)'),
  output: JsonValue.describe("the step's output: any JSON"),
});

export const SignalBody = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'a signal name is letters, digits, _, ., : and -')
    .max(200),
  data: JsonValue.optional().describe('carried by the signal; a step that awaits it outputs `{ signal, data }`'),
});

export const ResumeBody = z.strictObject({
  acceptDivergence: z
    .strictObject({ reason: Text('reason').min(1).describe('why the run may go on; recorded in the ledger') })
    .optional()
    .describe(
      "go on although the run's ledger does not replay under this server's version of the conductor (else 500 `integrity` names the first divergent event): recorded as `run.divergence_accepted` with the token and the reason",
    ),
});

export const ReasonBody = z.strictObject({ reason: Text('reason').optional().describe('why; recorded in the ledger') });

export const DeferBody = z
  .strictObject({
    until: z.string().max(100).optional().describe('an ISO 8601 time, or a duration from now (90s, 10m, 2h)'),
    signal: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'a signal name is letters, digits, _, ., : and -')
      .max(200)
      .optional(),
  })
  .refine((body) => body.until !== undefined || body.signal !== undefined, {
    message: 'give `until` (a time or a duration), `signal` (a name), or both',
  });

export const ReviseBody = z.strictObject({ plan: PlanField });

export const RevertBody = z.strictObject({
  to: z.int().min(1).describe('the revision to go back to (1 is the plan the run was created with)'),
});

export const SealBody = z.strictObject({
  artifact: z.string().min(1).max(500).describe('`step/file`, as the run lists its artifacts'),
});
