/**
 * The simulation's clock: virtual milliseconds since the epoch, moved only by the world to
 * the next thing that happens. Nothing in the simulation reads the machine's clock, so hours
 * of leases, backoffs and deadlines take no time at all.
 */
export class VirtualClock {
  constructor(private current: number) {}

  get now(): number {
    return this.current;
  }

  get iso(): string {
    return new Date(this.current).toISOString();
  }

  advanceTo(at: number): void {
    if (at < this.current) throw new Error(`virtual clock: cannot go back from ${this.current} to ${at}`);
    this.current = at;
  }
}

/** Where every simulated run starts: a fixed instant, so ledgers are byte-identical across machines. */
export const SIM_EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
