import { SIM_EPOCH } from './clock.js';

/** The last lines of what happened in a world, kept in a ring: enough to read a failure, not the whole history. */
export class Trace {
  private readonly ring: string[] = [];

  constructor(private readonly size: number) {}

  add(at: number, line: string, ledger = false): void {
    this.ring.push(`${`+${at - SIM_EPOCH}ms`.padStart(10)} ${ledger ? 'ledger ' : 'world  '} ${line}`);
    if (this.ring.length > this.size) this.ring.shift();
  }

  lines(): string[] {
    return [...this.ring];
  }
}
