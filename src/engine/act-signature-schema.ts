import { builtOnFirstUse } from '../core/deferred-packages.js';

/**
 * A signature over an act's statement as the surfaces take it (HTTP `signature`, MCP
 * `signature`): one definition, so both accept and refuse the same, with the same words. Built
 * on the first call.
 */
export const actSignatureSchema = builtOnFirstUse(({ z }) =>
  z.strictObject({
    keyId: z
      .string()
      .regex(/^[0-9a-f]{16}$/, 'a key id is 16 hex digits (baton key list)')
      .describe("the signing key's id"),
    value: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/, 'an Ed25519 signature is 64 bytes in base64 (88 characters)')
      .describe("Ed25519 over the statement's UTF-8 bytes (the statements route and act_statement give it), base64"),
  }),
);
