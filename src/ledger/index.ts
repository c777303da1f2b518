export { canonicalJson, hashPlan, sha256Hex } from './canonical.js';
export { chainEvents, EMPTY_HEAD, GENESIS_HASH, verifyChain, type ChainHead, type ChainVerdict } from './chain.js';
export { foldRun } from './fold.js';
export { routingLog, type RoutingEntry } from './projections/routing-log.js';
export { replayLedger, type ReplayVerdict } from './replay.js';
