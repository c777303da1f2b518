import type { LedgerEvent } from '../core/index.js';
import { hashOf, SIGNING_KEYS_ID, signingKeysOf } from '../ledger/index.js';
import type { LedgerStore } from '../store/index.js';
import { signatureProblem } from './signing-keys.js';

/** A run's approvals, denials and overrides, collected while its chain is verified. */
export class SignedActsFold {
  readonly acts: LedgerEvent[] = [];

  push(event: LedgerEvent): void {
    if (event.type === 'decision.made' && event.data.verdict !== 'submitted') this.acts.push(event);
  }
}

/**
 * Re-checks every approval, denial and override of a run against the signing keys as the
 * workspace ledger registered them when the act was recorded: a recorded signature must be by
 * a key in force then, registered for the principal who acted, over the act's statement; an
 * approval or override by a principal who had a key in force must carry one. The key entries'
 * own hashes are checked first (the workspace ledger's chain as a whole is `verify`'s without
 * a run). Returns the first failure, or undefined.
 */
export async function checkSignedActs(
  store: LedgerStore,
  runId: string,
  fold: SignedActsFold,
): Promise<{ seq: number; reason: string } | undefined> {
  if (fold.acts.length === 0) return undefined;
  const entries = await store.readWorkspaceLedger({ runId: SIGNING_KEYS_ID });
  const altered = entries.find((entry) => hashOf(entry) !== entry.hash);
  if (altered)
    return {
      seq: fold.acts[0]?.seq ?? 1,
      reason: `the workspace ledger's key entry ${altered.seq} (${altered.type}) does not match its hash: signing keys cannot be trusted`,
    };
  for (const act of fold.acts) {
    const keys = signingKeysOf(entries.filter((entry) => entry.at <= act.at));
    const problem = signatureProblem(runId, act, keys, act.at);
    if (problem !== undefined) return { seq: act.seq, reason: problem };
  }
  return undefined;
}
