import { createPublicKey } from 'node:crypto';
import { BatonError, ConflictError, ErrorCode, NotFoundError, type Principal } from '../core/index.js';
import { hashOf, type ChainHead, type ChainLink } from './chain.js';
import { keyFingerprint } from './checkpoint.js';

/**
 * The workspace ledger's entries for signing keys all carry this in place of a run id: no run
 * id holds a `:` (RUN_ID_PATTERN), so they never mix with a run's anchors, and one indexed read
 * gives every key's history in order.
 */
export const SIGNING_KEYS_ID = 'keys:signing';

/** A key registered for a principal: acts it signs are theirs. */
export interface KeyRegistration {
  name: string;
  /** `keyFingerprint` of the public key. */
  keyId: string;
  principal: Principal;
  /** Ed25519, SPKI DER in base64. */
  publicKey: string;
  by: Principal;
}

/** A key withdrawn: acts it signs from then on are refused. */
export interface KeyRevocation {
  name: string;
  keyId: string;
  reason: string | null;
  by: Principal;
}

export type KeyEntry =
  | (ChainLink & { type: 'key.registered'; data: KeyRegistration })
  | (ChainLink & { type: 'key.revoked'; data: KeyRevocation });

/** What a caller asks the store to record; the key id of a revocation is looked up by name. */
export type KeyRecord =
  { type: 'key.registered'; data: KeyRegistration } | { type: 'key.revoked'; data: Omit<KeyRevocation, 'keyId'> };

/** A key as the workspace ledger holds it at some moment. */
export interface SigningKey extends KeyRegistration {
  registeredAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

/**
 * Reads an Ed25519 public key (PEM, or base64 of SPKI DER) into the form the ledger records,
 * and its key id; `where` names the input in the error.
 * @example parsePublicKey(readFileSync('alice.pub', 'utf8'), 'alice.pub').keyId // '3f9c0a1b2c3d4e5f'
 */
export function parsePublicKey(text: string, where: string): { publicKey: string; keyId: string } {
  try {
    const trimmed = text.trim();
    const key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType ?? 'unknown'} key`);
    const publicKey = key.export({ type: 'spki', format: 'der' }).toString('base64');
    return { publicKey, keyId: keyFingerprint(publicKey) };
  } catch (error) {
    throw new BatonError(
      ErrorCode.badInput,
      `${where} is not an Ed25519 public key (PEM "BEGIN PUBLIC KEY", or base64 of SPKI DER): ${(error as Error).message}`,
    );
  }
}

/** Every key the entries register, by key id, with what revoked it. */
export function signingKeysOf(entries: readonly ChainLink[]): Map<string, SigningKey> {
  const keys = new Map<string, SigningKey>();
  for (const entry of entries as readonly KeyEntry[]) {
    if (entry.type === 'key.registered')
      keys.set(entry.data.keyId, { ...entry.data, registeredAt: entry.at, revokedAt: null, revokedReason: null });
    else if (entry.type === 'key.revoked') {
      const key = keys.get(entry.data.keyId);
      if (key) Object.assign(key, { revokedAt: entry.at, revokedReason: entry.data.reason });
    }
  }
  return keys;
}

/**
 * The workspace ledger entry recording a key's registration or revocation, chained onto
 * `head`, checked against the keys recorded so far (`known`, the entries under
 * SIGNING_KEYS_ID): a name or a public key registered once stays taken, revoked or not (so
 * that a signature's key id names one key forever); a revocation names a key not yet revoked.
 * @example keyEntryFor(EMPTY_HEAD, [], { type: 'key.registered', data }, at).runId // 'keys:signing'
 */
export function keyEntryFor(head: ChainHead, known: readonly ChainLink[], record: KeyRecord, at: string): KeyEntry {
  const keys = [...signingKeysOf(known).values()];
  const named = keys.find((key) => key.name === record.data.name);
  let entry: KeyEntry;
  const link = { runId: SIGNING_KEYS_ID, seq: head.seq + 1, at, prevHash: head.hash, hash: '' };
  if (record.type === 'key.registered') {
    if (named)
      throw new ConflictError(
        `a key named "${named.name}" is registered already (for ${named.principal}, key id ${named.keyId}); names are never reused, choose another`,
      );
    const same = keys.find((key) => key.keyId === record.data.keyId);
    if (same)
      throw new ConflictError(
        `this public key is registered already, as "${same.name}" for ${same.principal}${same.revokedAt ? ' (revoked)' : ''}`,
      );
    entry = { ...link, type: 'key.registered', data: record.data };
  } else {
    if (!named)
      throw new NotFoundError(
        `a signing key named "${record.data.name}" (${keys.length === 0 ? 'the workspace has none' : `keys: ${keys.map((key) => key.name).join(', ')}`})`,
      );
    if (named.revokedAt) throw new ConflictError(`key "${named.name}" was revoked already (at ${named.revokedAt})`);
    entry = { ...link, type: 'key.revoked', data: { ...record.data, keyId: named.keyId } };
  }
  entry.hash = hashOf(entry);
  return entry;
}
