import { GraphileWorkerSystem } from './graphile-worker.js';
import { PgBossSystem } from './pg-boss.js';
import type { PgQueueSystem } from './system.js';

/**
 * The systems `npm run bench -- --pg` measures, in report order, each made fresh for its run.
 *
 * BATON PLUGS IN HERE: once `baton worker --db URL` exists, put its adapter (a `PgQueueSystem`
 * with `judgedAgainstTargets: true`, see system.ts) first in this list. Nothing else changes:
 * the harness times it with the same code as the peers.
 */
export const PG_SYSTEMS: readonly (() => PgQueueSystem)[] = [
  () => new GraphileWorkerSystem(false),
  () => new GraphileWorkerSystem(true),
  () => new PgBossSystem(true),
  () => new PgBossSystem(false),
];
