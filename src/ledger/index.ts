export { canonicalJson, hashPlan, sha256Hex } from './canonical.js';
export { chainEvents, ChainVerifier, EMPTY_HEAD, GENESIS_HASH, verifyChain, type ChainHead, type ChainVerdict } from './chain.js';
export { routingLog, type RoutingEntry } from './projections/routing-log.js';
export { replayLedger, type ReplayVerdict } from './replay.js';
