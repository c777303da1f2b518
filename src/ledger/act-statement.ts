import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ActSignature, DecisionEvidence, Principal } from '../core/index.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { keyFingerprint, publicKeyOf } from './checkpoint.js';

/** The acts a person may sign: the verdicts of `decision.made` they record. */
export type SignedVerdict = 'approved' | 'denied' | 'overridden';

/** What an act's statement says. */
export interface ActStatementFields {
  runId: string;
  /** The pending decision's id, such as `gate:execution`. */
  decision: string;
  verdict: SignedVerdict;
  by: Principal;
  /** The comment (for an override, its reason) recorded with the act. */
  comment: string | null;
  /** What the decision binds (`decision.made`'s evidence); null where it binds none (a denial). */
  evidence: DecisionEvidence | null;
  keyId: string;
}

/**
 * The exact text a signer signs for an act: the canonical JSON (RFC 8785) of
 * `{ statement: 'baton.act/1', runId, decision, verdict, by, comment, evidence, keyId }`, where
 * `evidence` is the sha256 (hex) of the canonical JSON of what the decision binds, or null.
 * Any client can build it with this function (or the API's `statement` route/tool), sign its
 * UTF-8 bytes with Ed25519 and send `{ keyId, value }`; the engine rebuilds it from the run's
 * state at the moment it records the act, so a signature over anything else is refused.
 * @example
 * actStatement({ runId: 'run-1', decision: 'gate:execution', verdict: 'approved', by: 'alice', comment: null, evidence: null, keyId: '3f9c0a1b2c3d4e5f' })
 * // '{"by":"alice","comment":null,"decision":"gate:execution","evidence":null,"keyId":"3f9c0a1b2c3d4e5f","runId":"run-1","statement":"baton.act/1","verdict":"approved"}'
 */
export function actStatement(fields: ActStatementFields): string {
  const { evidence, ...rest } = fields;
  return canonicalJson({
    statement: 'baton.act/1',
    ...rest,
    evidence: evidence === null ? null : sha256Hex(canonicalJson(evidence)),
  });
}

/**
 * Signs a statement with an Ed25519 private key; the key id is its public key's fingerprint.
 * @example const signature = signStatement(actStatement(fields), createPrivateKey(pem));
 */
export function signStatement(statement: string, privateKey: KeyObject): ActSignature {
  return {
    keyId: keyFingerprint(publicKeyOf(privateKey)),
    value: sign(null, Buffer.from(statement, 'utf8'), privateKey).toString('base64'),
  };
}

/** The key id a private key signs as, so that a signer can ask for the statement before signing. */
export function keyIdOf(privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return keyFingerprint(publicKeyOf(key));
}

/** True when `value` is an Ed25519 signature of `statement` by `publicKey` (SPKI DER, base64). */
export function statementSignatureHolds(statement: string, publicKey: string, value: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(statement, 'utf8'), key, Buffer.from(value, 'base64'));
  } catch {
    // A key or signature that does not parse holds nothing.
    return false;
  }
}
