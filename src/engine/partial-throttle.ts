/**
 * How often an attempt's partial output is passed on, at most. A model writes tens of pieces a
 * second; a person reading a progress line or a dashboard needs a few updates a second, and each
 * update is the whole text so far (and is redacted in full), so fewer is cheaper too.
 */
export const PARTIAL_INTERVAL_MS = 200;

/**
 * Passes on the newest text offered, at most once per interval: the first at once, then the
 * latest when the interval is up (texts in between are skipped, never queued). After `close`
 * nothing more is sent, so no partial follows the attempt's outcome.
 * @example
 * const throttle = new PartialThrottle((text) => show(text));
 * throttle.offer('Hel'); throttle.offer('Hello'); // 'Hel' now, 'Hello' 200 ms later
 * throttle.close();
 */
export class PartialThrottle {
  private latest: string | undefined;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly send: (text: string) => void,
    private readonly intervalMs = PARTIAL_INTERVAL_MS,
  ) {}

  offer(text: string): void {
    if (this.closed) return;
    this.latest = text;
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.intervalMs - Date.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const text = this.latest;
    if (this.closed || text === undefined) return;
    this.latest = undefined;
    this.lastSentAt = Date.now();
    this.send(text);
  }
}
