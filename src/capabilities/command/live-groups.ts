/**
 * The process groups of commands running now, so a forced exit can take them down with it.
 * A module of its own with no imports: the CLI's closed-pipe handler needs it without loading
 * the engine (`baton --version | head` must stay cheap), and when the engine was never loaded
 * the set is simply empty.
 */
const liveGroups = new Set<number>();

/** Records a command's process group while it runs. */
export function trackGroup(pid: number): void {
  liveGroups.add(pid);
}

/** Forgets a process group once its command has ended. */
export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

/** Sends `signal` to a whole process group; a group that is already gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Kills every command process group this process started and that is still running. For a
 * forced exit (a second Ctrl-C, a closed output pipe), which skips the orderly cancellation.
 */
export function killRunningCommands(): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
}
