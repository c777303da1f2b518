import type { PgQueueSystem } from '../pg/system.js';
import { GraphileWorkerSystem } from './graphile-worker.js';
import { PgBossSystem } from './pg-boss.js';

/**
 * The peer job systems `npm run bench -- --pg` measures beside Baton. They live in an install of
 * their own (bench/peers/package.json, installed by `npm run bench`): their current releases
 * require Node 22, and a plain `npm install` of Baton on Node 20 must not warn about engines.
 */
export const PEER_SYSTEMS: readonly (() => PgQueueSystem)[] = [
  () => new GraphileWorkerSystem(false),
  () => new GraphileWorkerSystem(true),
  () => new PgBossSystem(true),
  () => new PgBossSystem(false),
];
