/** Who conducts a run. Exactly one owner at a time; a lease that is not renewed expires. */
export interface RunOwner {
  id: string;
  host: string;
  pid: number;
}

export interface RunLock extends RunOwner {
  expiresAt: number;
}

/**
 * The conductor locks: one engine conducts a run at a time. Appends are fenced on the lock
 * (`AppendBatch.conductor`), so an engine that lost it writes nothing more for the run.
 */
export interface RunLocks {
  /** Running runs that no live engine conducts: no conductor lock, or one that expired before `now`. */
  listUnconductedRuns(now: number, limit: number): Promise<string[]>;
  /**
   * Takes the run's conductor lock when it is free, expired, already ours, or held by
   * `replacing` (an owner known to be dead). Returns the holder when it could not.
   */
  acquireRunLock(args: {
    runId: string;
    owner: RunOwner;
    expiresAt: number;
    now: number;
    replacing?: string;
  }): Promise<{ acquired: true } | { acquired: false; holder: RunLock }>;
  releaseRunLock(runId: string, ownerId: string): Promise<void>;
}
