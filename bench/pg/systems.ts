import { BatonSystem } from './baton.js';
import type { PgQueueSystem } from './system.js';

// A specifier TypeScript does not follow: the peers are type-checked by their own project
// (bench/peers/tsconfig.json, run by `npm run bench:peers`), since their packages are not part of
// Baton's install and the root type check must pass without them.
const PEERS_MODULE = new URL('../peers/index.ts', import.meta.url).href;

/**
 * The systems `npm run bench -- --pg` measures, in report order, each made fresh for its run.
 * Baton first; the harness times every system with the same code.
 */
export async function pgSystems(): Promise<readonly (() => PgQueueSystem)[]> {
  let peers: { PEER_SYSTEMS: readonly (() => PgQueueSystem)[] };
  try {
    peers = (await import(PEERS_MODULE)) as typeof peers;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the peer job systems are not installed (${reason}); \`npm run bench:peers\` installs them`);
  }
  return [() => new BatonSystem(), ...peers.PEER_SYSTEMS];
}
