import { builtOnFirstUse } from '../deferred-packages.js';

/**
 * What approving a decision binds (`decision.made`'s `evidence`), as the HTTP API and the MCP
 * server both describe it: one schema, so the two surfaces cannot drift apart.
 */
export const decisionEvidenceSchema = builtOnFirstUse(({ z }) => {
  return z
    .strictObject({
      revision: z.int().describe('the plan revision in force'),
      planHash: z.string().describe("that revision's content hash"),
      requires: z
        .object({ artifacts: z.array(z.string()), checks: z.array(z.string()) })
        .optional()
        .describe("an evidence gate's requirement, as the plan states it"),
      artifacts: z
        .array(z.strictObject({ name: z.string(), sha256: z.string().nullable(), sealed: z.boolean() }))
        .describe('sha256 null: required but absent; only sealed ones are held to their hash by verify'),
      checks: z.array(
        z.strictObject({
          step: z.string(),
          status: z.string(),
          passed: z.boolean(),
          outputHash: z.string().nullable(),
        }),
      ),
      votes: z
        .array(z.strictObject({ capability: z.string(), outputHash: z.string() }))
        .optional()
        .describe("a contradiction's votes"),
    })
    .describe('what approving binds: recorded as the `evidence` of `decision.made`');
});
