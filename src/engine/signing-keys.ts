import { BatonError, ErrorCode, type ActSignature, type BatonEvent, type Principal } from '../core/index.js';
import {
  actStatement,
  parsePublicKey,
  SIGNING_KEYS_ID,
  signingKeysOf,
  statementSignatureHolds,
  type SigningKey,
} from '../ledger/index.js';
import type { LedgerStore } from '../store/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/** Refuses a key name the workspace would not take, before anything is written. */
export function checkKeyName(name: string): void {
  if (!NAME.test(name))
    throw new BatonError(
      ErrorCode.badInput,
      `key name "${name}" must be 1-64 letters, digits, _, ., @ or - (starting with a letter or digit)`,
    );
}

/**
 * The signing keys of a workspace (`baton key`): Ed25519 public keys registered for
 * principals in the workspace ledger, where they are chained like everything else it holds
 * and survive as long as the workspace. An approval or override by a principal with a key in
 * force must be signed by one of theirs (`requireActSignature`); `verify` checks every
 * recorded signature against the key as registered when the act was recorded.
 * @example
 * const key = await baton.keys.register({ name: 'alice-laptop', principal: 'alice', publicKey: pem, by: 'alice@host' });
 */
export class SigningKeys {
  constructor(
    private readonly store: LedgerStore,
    private readonly now: () => number,
  ) {}

  /** Registers a public key (PEM or base64 SPKI DER) for `principal`; a name or key registered once stays taken. */
  async register(args: {
    name: string;
    principal: Principal;
    publicKey: string;
    by: Principal;
    /** How the public key was given, for the error when it is not one (default "the public key"). */
    source?: string;
  }): Promise<SigningKey> {
    checkKeyName(args.name);
    if (args.principal.trim() === '')
      throw new BatonError(
        ErrorCode.badInput,
        'a key needs the principal it signs for (for example --principal alice)',
      );
    const { publicKey, keyId } = parsePublicKey(args.publicKey, args.source ?? 'the public key');
    const data = { name: args.name, keyId, principal: args.principal, publicKey, by: args.by };
    const entry = await this.store.appendKeyRecord({ type: 'key.registered', data }, this.at());
    return { ...data, registeredAt: entry.at, revokedAt: null, revokedReason: null };
  }

  /** Revokes a key by name: acts it signs from now on are refused. */
  async revoke(name: string, args: { reason?: string; by: Principal }): Promise<SigningKey> {
    const entry = await this.store.appendKeyRecord(
      { type: 'key.revoked', data: { name, reason: args.reason ?? null, by: args.by } },
      this.at(),
    );
    return (await this.byId()).get(entry.data.keyId) as SigningKey;
  }

  /** Every key the workspace ledger registers, oldest first, revoked ones too. */
  async list(): Promise<SigningKey[]> {
    return [...(await this.byId()).values()];
  }

  /** Every key by its key id, as the workspace ledger holds them now. */
  async byId(): Promise<Map<string, SigningKey>> {
    return signingKeysOf(await this.store.readWorkspaceLedger({ runId: SIGNING_KEYS_ID }));
  }

  private at(): string {
    return new Date(this.now()).toISOString();
  }
}

/** True when the key was registered at `at` and not yet revoked. */
function inForce(key: SigningKey, at: string): boolean {
  return key.registeredAt <= at && (key.revokedAt === null || key.revokedAt > at);
}

/** The statement a `decision.made` event's signer signs with `keyId` (see `actStatement`). */
export function statementOf(runId: string, event: BatonEvent, keyId: string): string {
  if (event.type !== 'decision.made' || event.data.verdict === 'submitted')
    throw new BatonError(ErrorCode.badInput, 'only an approval, a denial or an override is signed');
  const { id, verdict, by, comment, evidence } = event.data;
  return actStatement({ runId, decision: id, verdict, by, comment, evidence: evidence ?? null, keyId });
}

/**
 * Why a decision's signature (or its lack) does not hold, with the workspace's keys as they
 * were at `at`; undefined when it holds. An approval or override by a principal with a key in
 * force must be signed; a denial may be. A signature must be by a key in force at `at`,
 * registered for the principal who acts, over the act's statement.
 */
export function signatureProblem(
  runId: string,
  event: BatonEvent,
  keys: ReadonlyMap<string, SigningKey>,
  at: string,
): string | undefined {
  if (event.type !== 'decision.made' || event.data.verdict === 'submitted') return undefined;
  const { by, verdict, signature } = event.data;
  if (signature === undefined) {
    if (verdict === 'denied') return undefined;
    const theirs = [...keys.values()].filter((key) => key.principal === by && inForce(key, at));
    if (theirs.length === 0) return undefined;
    return `${by} has signing key${theirs.length > 1 ? 's' : ''} ${theirs.map((key) => `"${key.name}" (${key.keyId})`).join(', ')} registered, so an ${verdict === 'approved' ? 'approval' : 'override'} by ${by} must be signed with one (baton ${verdict === 'approved' ? 'approve' : 'override'} --sign-key FILE, or a signature {keyId, value} over the act's statement)`;
  }
  const key = keys.get(signature.keyId);
  if (key === undefined)
    return `the signature's key ${signature.keyId} is not registered in this workspace (baton key list)`;
  if (key.registeredAt > at)
    return `the signature's key "${key.name}" was registered only at ${key.registeredAt}, after the act`;
  if (key.revokedAt !== null && key.revokedAt <= at)
    return `the signature's key "${key.name}" was revoked at ${key.revokedAt}${key.revokedReason ? ` (${key.revokedReason})` : ''}`;
  if (key.principal !== by)
    return `the signature's key "${key.name}" is registered for ${key.principal}, not for ${by}`;
  if (!statementSignatureHolds(statementOf(runId, event, key.keyId), key.publicKey, signature.value))
    return `the signature by key "${key.name}" does not match the act's statement (run ${runId}, ${event.data.id} ${verdict} by ${by}, its comment and the evidence it binds)`;
  return undefined;
}

/**
 * The decision with its signature, or a refusal (forbidden, nothing written) when the
 * signature or its lack does not hold (`signatureProblem`): the one check every surface's
 * approvals, denials and overrides go through.
 */
export function requireActSignature(
  runId: string,
  event: BatonEvent,
  signature: ActSignature | undefined,
  keys: ReadonlyMap<string, SigningKey>,
  at: string,
): BatonEvent {
  if (event.type !== 'decision.made') return event;
  const signed: BatonEvent = { ...event, data: { ...event.data, ...(signature !== undefined && { signature }) } };
  const problem = signatureProblem(runId, signed, keys, at);
  if (problem !== undefined) throw new BatonError(ErrorCode.forbidden, `refused: ${problem}; nothing was recorded`);
  return signed;
}
