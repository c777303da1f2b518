import type { Store } from '../../src/store/index.js';
import { describeLedgerStore } from './conformance/ledger-store.js';
import { describeProviderLeases } from './conformance/provider-leases.js';
import { describePayloadStore } from './conformance/payload-store.js';
import { describeRunLocks } from './conformance/run-locks.js';
import { describeStoreNotices } from './conformance/store-notices.js';
import { describeWorkQueue } from './conformance/work-queue.js';
import { describeWorkspaceStore } from './conformance/workspace-store.js';

export { settled } from './conformance/fixtures.js';

/**
 * The storage ports' contracts (STYLE.md 8), one suite per port. Every adapter runs them all
 * through this function; its own test file only says how to make a fresh store.
 */
export function describeStore(name: string, makeStore: () => Promise<Store>): void {
  describeLedgerStore(name, makeStore);
  describePayloadStore(name, makeStore);
  describeWorkQueue(name, makeStore);
  describeRunLocks(name, makeStore);
  describeStoreNotices(name, makeStore);
  describeWorkspaceStore(name, makeStore);
  describeProviderLeases(name, makeStore);
}
