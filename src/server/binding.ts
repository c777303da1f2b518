/**
 * Addresses that only this machine can reach. Names other than `localhost` may resolve to
 * anything, so they count as reachable from elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** The largest request body `createApp` accepts unless told otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Requests per second per token, sustained, and at once after being idle. */
export const DEFAULT_RATE_LIMIT: Readonly<{ perSecond: number; burst: number }> = { perSecond: 20, burst: 100 };
