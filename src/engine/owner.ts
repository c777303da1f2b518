import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunOwner } from '../store/index.js';

/** This process as a conductor and worker: one id per engine instance. */
export function newOwner(): RunOwner {
  return { id: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, host: hostname(), pid: process.pid };
}

/** Whether an owner is certainly dead: only knowable for a process on this host. */
export function isDeadOnThisHost(owner: { host: string; pid: number }): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function describeOwner(owner: { host: string; pid: number }): string {
  return `pid ${owner.pid} on ${owner.host}`;
}
