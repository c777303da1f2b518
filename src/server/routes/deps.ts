import type { Baton } from '../../engine/index.js';
import type { AppendSignal } from '../sse/append-signal.js';
import type { StreamTiming } from '../sse/follow.js';

/** What routes are built from: the application service and the server's own plumbing. */
export interface RouteDeps {
  baton: Baton;
  /** Notified when this process appends, to wake event streams. */
  appends: AppendSignal;
  timing: StreamTiming;
  /** Aborted when the server shuts down: open event streams end. */
  shutdown: AbortSignal;
}
