import { createLogUpdate } from 'log-update';
import type { LedgerEvent } from '../core/index.js';
import { formatDuration, paint } from './format.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface StepView {
  startedAt: number | null;
  capability: string | null;
  items: number | null;
  itemsDone: number;
}

/**
 * Live progress of a run from its ledger events: one line per step state change. On a
 * terminal the lines scroll above a compact status block (spinner, counts, running steps);
 * piped, only the plain lines are written, so logs stay greppable.
 */
export class ProgressReporter {
  private readonly steps = new Map<string, StepView>();
  private readonly running = new Set<string>();
  private done = 0;
  private readonly style;
  private live: ReturnType<typeof createLogUpdate> | undefined;
  private frame = 0;
  private ticker: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private readonly width: number;

  private readonly totalSteps: number;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    stepIds: readonly string[],
  ) {
    this.totalSteps = stepIds.length;
    this.width = Math.min(24, Math.max(4, ...stepIds.map((id) => id.length)));
    this.style = paint(stream);
    // A terminal that reports no width (some pseudo-terminals) cannot hold a redrawn block: plain lines.
    if (stream.isTTY && (stream.columns ?? 0) > 0) {
      this.live = createLogUpdate(stream);
      this.ticker = setInterval(() => this.render(), 100);
      this.ticker.unref();
    }
  }

  private view(step: string): StepView {
    let view = this.steps.get(step);
    if (!view) {
      view = { startedAt: null, capability: null, items: null, itemsDone: 0 };
      this.steps.set(step, view);
    }
    return view;
  }

  private line(mark: string, step: string, text: string): void {
    const out = `${mark} ${step.padEnd(this.width)}  ${text}`;
    if (this.live) {
      this.live.clear();
      this.stream.write(`${out}\n`);
      this.render();
    } else this.stream.write(`${out}\n`);
  }

  private render(): void {
    if (!this.live) return;
    this.frame = (this.frame + 1) % SPINNER.length;
    const names = [...this.running].map((id) => {
      const view = this.steps.get(id);
      return view?.items ? `${id}[${view.itemsDone}/${view.items}]` : id;
    });
    const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')} +${names.length - 4}` : names.join(', ');
    const elapsed = formatDuration(Date.now() - this.startedAt);
    this.live(this.style('cyan', SPINNER[this.frame] as string) + ` ${this.done}/${this.totalSteps} steps · ${elapsed}${shown ? ` · running: ${shown}` : ''}`);
  }

  onEvents(events: readonly LedgerEvent[]): void {
    const s = this.style;
    for (const event of events) {
      const at = Date.parse(event.at);
      switch (event.type) {
        case 'run.resumed':
          this.line(s('yellow', '↻'), 'run', `resumed by ${event.data.engine}: ${event.data.reason}`);
          break;
        case 'step.routed':
          this.view(event.data.step).capability = event.data.capability;
          break;
        case 'step.expanded': {
          const view = this.view(event.data.step);
          view.items = event.data.items.length;
          break;
        }
        case 'attempt.dispatched': {
          const view = this.view(event.data.step);
          if (view.startedAt === null) {
            view.startedAt = at;
            this.running.add(event.data.step);
            const items = view.items !== null ? ` · ${view.items} items` : '';
            this.line(s('cyan', '▸'), event.data.step, `started on ${event.data.capability}${items}`);
          } else if (event.data.iteration > 1 && event.data.attempt === 1) {
            this.line(s('cyan', '↻'), event.data.step, `iteration ${event.data.iteration}`);
          }
          break;
        }
        case 'attempt.accepted':
          this.view(event.data.step).itemsDone += 1;
          break;
        case 'attempt.retry_scheduled': {
          const step = event.data.attemptId.split(/[[/]/)[0] as string;
          this.line(s('yellow', '↻'), step, `attempt failed; retry ${event.data.retry} of ${event.data.of} in ${formatDuration(event.data.delayMs)}`);
          break;
        }
        case 'attempt.failed':
          if (event.data.error.type !== 'cancelled') {
            const step = event.data.attemptId.split(/[[/]/)[0] as string;
            this.line(s('red', '✗'), step, s('dim', `${event.data.attemptId}: ${event.data.error.message}`));
          }
          break;
        case 'attempt.abandoned': {
          const step = event.data.attemptId.split(/[[/]/)[0] as string;
          this.line(s('yellow', '⚠'), step, `${event.data.attemptId} abandoned (${event.data.reason}); it will run again`);
          break;
        }
        case 'step.succeeded': {
          const view = this.view(event.data.step);
          this.running.delete(event.data.step);
          this.done += 1;
          const took = view.startedAt !== null ? ` in ${formatDuration(at - view.startedAt)}` : '';
          this.line(s('green', '✓'), event.data.step, `succeeded${took}`);
          break;
        }
        case 'step.failed':
          this.running.delete(event.data.step);
          this.done += 1;
          this.line(s('red', '✗'), event.data.step, s('red', `failed: ${event.data.error.message}`));
          break;
        case 'step.skipped':
          this.done += 1;
          this.line(s('gray', '–'), event.data.step, s('gray', `skipped: ${event.data.reason}`));
          break;
        default:
          break;
      }
    }
  }

  /** Clears the status block; lines after this are plain. Safe to call twice. */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.live?.clear();
    this.live = undefined;
  }
}
