import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
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
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return isZombie(owner.pid);
}

/**
 * A killed process whose parent has not reaped it yet still answers `kill(pid, 0)`. On Linux
 * /proc tells a zombie apart; elsewhere it is taken as alive (its lock then has to expire).
 */
function isZombie(pid: number): boolean {
  try {
    // /proc/PID/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

export function describeOwner(owner: { host: string; pid: number }): string {
  return `pid ${owner.pid} on ${owner.host}`;
}

/**
 * The operating-system account this process runs as, `user@host`, from the user database
 * (not $USER, which the caller sets as freely as `--by`); `uid N@host` where the uid has no
 * name. The CLI records it beside the self-asserted principal of an act.
 * @example osAccount() // 'alice@build-3'
 */
export function osAccount(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}@${hostname()}`;
  }
}

/** Who an operator command is recorded as when the caller does not say: `user@host`. */
export function defaultPrincipal(): string {
  let user = process.env.USER ?? process.env.USERNAME;
  try {
    user ??= userInfo().username;
  } catch {
    user ??= 'unknown';
  }
  return `${user}@${hostname()}`;
}
