/**
 * Wakes the server's event streams when this process has appended to a ledger, so that they
 * send new events at once instead of at their next poll. Appends by other processes (a CLI
 * command, another engine on a shared database) are found by the polls.
 * @example
 * const appends = new AppendSignal();
 * await appends.next(1_000, abort.signal); // resolves on appends.notify(), after 1 s, or on abort
 */
export class AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify, after `timeoutMs`, or when `signal` aborts, whichever is first. */
  next(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
