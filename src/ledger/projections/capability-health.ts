import type { LedgerEvent, StepError } from '../../core/index.js';

/**
 * How a capability has fared, as its attempts' outcomes in ledgers show it. `healthy`: its
 * latest outcome was a success; `failing`: a failure; `unknown`: no outcome recorded yet.
 * It is an observation for people (`GET /v1/capabilities`); the router does not read it.
 */
export interface CapabilityHealth {
  capability: string;
  status: 'healthy' | 'failing' | 'unknown';
  /** Attempts that reported an outcome; abandoned, cancelled and rejected ones are not the capability's doing and are left out. */
  succeeded: number;
  failed: number;
  lastOutcomeAt: string | null;
  /** The error of the latest failure, whether or not a success came after it. */
  lastError: (StepError & { at: string; runId: string }) | null;
}

/**
 * Folds attempt outcomes per capability over any number of runs' events, fed one event at a
 * time (each run's events in order; runs in any order: the latest outcome is found by time).
 * @example
 * const fold = new CapabilityHealthFold();
 * for (const event of await baton.events(runId)) fold.push(event);
 * fold.health('worker')?.status // 'healthy'
 */
export class CapabilityHealthFold {
  private readonly capabilityOf = new Map<string, string>();
  private readonly byCapability = new Map<string, CapabilityHealth>();

  push(event: LedgerEvent): void {
    switch (event.type) {
      case 'attempt.dispatched':
        this.capabilityOf.set(`${event.runId}\u0000${event.data.attemptId}`, event.data.capability);
        break;
      case 'attempt.succeeded':
      case 'attempt.failed': {
        const capability = this.capabilityOf.get(`${event.runId}\u0000${event.data.attemptId}`);
        if (capability === undefined) break;
        const health = this.health(capability) ?? this.start(capability);
        const newest = health.lastOutcomeAt === null || event.at >= health.lastOutcomeAt;
        if (event.type === 'attempt.succeeded') health.succeeded += 1;
        else {
          health.failed += 1;
          if (health.lastError === null || event.at >= health.lastError.at)
            health.lastError = { ...event.data.error, at: event.at, runId: event.runId };
        }
        if (newest) {
          health.lastOutcomeAt = event.at;
          health.status = event.type === 'attempt.succeeded' ? 'healthy' : 'failing';
        }
        break;
      }
      default:
        break;
    }
  }

  health(capability: string): CapabilityHealth | undefined {
    return this.byCapability.get(capability);
  }

  private start(capability: string): CapabilityHealth {
    const health: CapabilityHealth = {
      capability,
      status: 'unknown',
      succeeded: 0,
      failed: 0,
      lastOutcomeAt: null,
      lastError: null,
    };
    this.byCapability.set(capability, health);
    return health;
  }
}
