import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from './canonical.js';
import type { ChainHead } from './chain.js';

/**
 * A signed record of where every run's chain and the workspace ledger ended at one moment.
 * Kept away from the workspace, it is the outside anchor that an unkeyed hash chain lacks: a
 * ledger rewritten with recomputed hashes verifies on its own, but no longer has the
 * checkpointed hash at the checkpointed seq.
 */
export interface CheckpointBody {
  baton: 'checkpoint/1';
  takenAt: string;
  /** The Ed25519 public key that signed it: SPKI DER, base64. */
  publicKey: string;
  /** Run id -> its chain's head when the checkpoint was taken. */
  runs: Record<string, ChainHead>;
  /** The workspace ledger's head. */
  workspace: ChainHead;
}

export interface Checkpoint extends CheckpointBody {
  /** Ed25519 over the canonical JSON (RFC 8785) of everything else in the file, base64. */
  signature: string;
}

/** The public half of a private key, as a checkpoint records it. */
export function publicKeyOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** A short, stable name for a public key: the first 16 hex digits of its sha256. */
export function keyFingerprint(publicKey: string): string {
  return sha256Hex(publicKey).slice(0, 16);
}

/**
 * Signs a checkpoint's body with an Ed25519 private key.
 * @example const checkpoint = signCheckpoint({ baton: 'checkpoint/1', takenAt, publicKey: publicKeyOf(key), runs, workspace }, key);
 */
export function signCheckpoint(body: CheckpointBody, privateKey: KeyObject): Checkpoint {
  const signature = sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64');
  return { ...body, signature };
}

/** True when the signature is the checkpoint's public key's, over exactly the rest of the checkpoint. */
export function checkpointSignatureHolds(checkpoint: Checkpoint): boolean {
  const { signature, ...body } = checkpoint;
  try {
    const key = createPublicKey({ key: Buffer.from(body.publicKey, 'base64'), format: 'der', type: 'spki' });
    return (
      key.asymmetricKeyType === 'ed25519' &&
      verify(null, Buffer.from(canonicalJson(body)), key, Buffer.from(signature, 'base64'))
    );
  } catch {
    // A public key that does not parse signs nothing.
    return false;
  }
}
