import { BatonSystem } from './baton.js';
import { GraphileWorkerSystem } from './graphile-worker.js';
import { PgBossSystem } from './pg-boss.js';
import type { PgQueueSystem } from './system.js';

/**
 * The systems `npm run bench -- --pg` measures, in report order, each made fresh for its run.
 * Baton first; the harness times every system with the same code.
 */
export const PG_SYSTEMS: readonly (() => PgQueueSystem)[] = [
  () => new BatonSystem(),
  () => new GraphileWorkerSystem(false),
  () => new GraphileWorkerSystem(true),
  () => new PgBossSystem(true),
  () => new PgBossSystem(false),
];
