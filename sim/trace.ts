import { SIM_EPOCH } from './clock.js';

interface Line {
  at: number;
  text: string;
  repeats: number;
  lastAt: number;
}

/**
 * The last lines of what happened in a world, kept in a ring: enough to read a failure, not
 * the whole history. A line repeated back to back is kept once with its count, so a loop
 * (a timer firing every millisecond) reads as one line, not as the whole ring.
 */
export class Trace {
  private readonly ring: Line[] = [];

  constructor(private readonly size: number) {}

  add(at: number, line: string, ledger = false): void {
    const text = `${ledger ? 'ledger ' : 'world  '} ${line}`;
    const last = this.ring.at(-1);
    if (last && last.text === text) {
      last.repeats += 1;
      last.lastAt = at;
      return;
    }
    this.ring.push({ at, text, repeats: 1, lastAt: at });
    if (this.ring.length > this.size) this.ring.shift();
  }

  lines(): string[] {
    return this.ring.map(
      ({ at, text, repeats, lastAt }) =>
        `${`+${at - SIM_EPOCH}ms`.padStart(10)} ${text}${repeats > 1 ? ` (×${repeats}, until +${lastAt - SIM_EPOCH}ms)` : ''}`,
    );
  }
}
