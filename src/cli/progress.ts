import { createLogUpdate } from 'log-update';
import { parseDecisionId, type LedgerEvent } from '../core/index.js';
import { formatDuration, paint } from './format.js';
import { answersFor } from '../ledger/index.js';
import type { PartialOutput } from '../engine/index.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Piped, a streaming step's text so far is printed at most this often: a log needs far fewer updates than a screen. */
const PIPED_PARTIAL_INTERVAL_MS = 1_000;

/** How much of a streaming step's text a plain line shows: its end, where the model is writing. */
const PIPED_PARTIAL_CHARS = 80;

/** The last `max` characters of `text` on one line, marked as cut when they are not all of it. */
function tailOf(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `…${flat.slice(-(max - 1))}` : flat;
}

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
  private lastDenial: string | null = null;
  /** The text so far of steps whose answer is streaming, and when a plain line last showed it. */
  private readonly partials = new Map<string, { text: string; printedAt: number }>();

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
    const streaming = [...this.partials]
      .filter(([step]) => this.running.has(step))
      .slice(0, 4)
      .map(([step, { text }]) => {
        const room = Math.max(10, (this.stream.columns ?? 80) - this.width - 5);
        return `\n  ${step.padEnd(this.width)}  ${this.style('dim', tailOf(text, room))}`;
      });
    this.live(
      this.style('cyan', SPINNER[this.frame] as string) +
        ` ${this.done}/${this.totalSteps} steps · ${elapsed}${shown ? ` · running: ${shown}` : ''}` +
        streaming.join(''),
    );
  }

  /**
   * A streaming step's text so far: on a terminal, its end is shown under the status block at
   * the next redraw; piped, as a plain `…` line at most once a second per step.
   */
  onPartial(partial: PartialOutput): void {
    if (!this.running.has(partial.step)) return;
    const shown = this.partials.get(partial.step);
    const now = Date.now();
    if (this.live || (shown && now - shown.printedAt < PIPED_PARTIAL_INTERVAL_MS)) {
      this.partials.set(partial.step, { text: partial.text, printedAt: shown?.printedAt ?? 0 });
      return;
    }
    this.partials.set(partial.step, { text: partial.text, printedAt: now });
    this.line(this.style('dim', '…'), partial.step, this.style('dim', tailOf(partial.text, PIPED_PARTIAL_CHARS)));
  }

  onEvents(events: readonly LedgerEvent[]): void {
    const s = this.style;
    for (const event of events) {
      const at = Date.parse(event.at);
      switch (event.type) {
        case 'run.resumed':
          this.line(s('yellow', '↻'), 'run', `resumed by ${event.data.engine}: ${event.data.reason}`);
          break;
        case 'run.divergence_accepted':
          this.line(
            s('yellow', '⚠'),
            'run',
            `goes on under this version of Baton although it decided seq ${event.data.seq} differently (${event.data.derived}, not ${event.data.recorded}); accepted by ${event.data.by}: ${event.data.reason}`,
          );
          break;
        case 'step.routed':
          // A consensus judge's route is not where the step's work runs.
          if (event.data.role !== 'judge') this.view(event.data.step).capability = event.data.capability;
          break;
        case 'step.expanded': {
          const view = this.view(event.data.step);
          view.items = event.data.items.length;
          break;
        }
        case 'attempt.dispatched': {
          const view = this.view(event.data.step);
          if (event.data.role === 'compensate') {
            this.line(s('yellow', '↺'), event.data.step, `compensating on ${event.data.capability}`);
          } else if (event.data.role !== undefined) {
            if (event.data.attempt === 1)
              this.line(s('cyan', '▸'), event.data.step, `${event.data.role} on ${event.data.capability}`);
          } else if (view.startedAt === null) {
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
          this.line(
            s('yellow', '↻'),
            step,
            `attempt failed; retry ${event.data.retry} of ${event.data.of} in ${formatDuration(event.data.delayMs)}`,
          );
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
          this.line(
            s('yellow', '⚠'),
            step,
            `${event.data.attemptId} abandoned (${event.data.reason}); it will run again`,
          );
          break;
        }
        case 'step.succeeded': {
          const view = this.view(event.data.step);
          this.running.delete(event.data.step);
          this.partials.delete(event.data.step);
          this.done += 1;
          const took = view.startedAt !== null ? ` in ${formatDuration(at - view.startedAt)}` : '';
          this.line(s('green', '✓'), event.data.step, `succeeded${took}`);
          break;
        }
        case 'step.failed':
          this.running.delete(event.data.step);
          this.partials.delete(event.data.step);
          this.done += 1;
          this.line(s('red', '✗'), event.data.step, s('red', `failed: ${event.data.error.message}`));
          break;
        case 'step.skipped':
          this.done += 1;
          this.line(s('gray', '–'), event.data.step, s('gray', `skipped: ${event.data.reason}`));
          break;
        default:
          this.onGovernance(event);
          break;
      }
    }
  }

  /** Lines for what governs the run: decisions asked and made, phases, consensus, cancellation, abort. */
  private onGovernance(event: LedgerEvent): void {
    const s = this.style;
    switch (event.type) {
      case 'decision.requested': {
        const { id, kind, step, phase, reason } = event.data;
        const budget = kind === 'escalation' && reason.startsWith('budget:');
        const mark = budget ? s('yellow', '$') : s('yellow', '?');
        const answer = answersFor(event.runId, event.data, [])[0];
        // A gate's reason was just printed with the refused transition.
        const why = reason === this.lastDenial ? '' : `: ${reason}`;
        this.line(
          mark,
          step ?? (kind === 'plan' ? 'plan' : `phase ${phase ?? ''}`),
          `${budget ? 'budget escalation' : `waiting (${id})`}${why}${answer !== undefined ? s('dim', ` → ${answer}`) : ''}`,
        );
        break;
      }
      case 'decision.made': {
        const { id, verdict, by, comment, signature } = event.data;
        const mark =
          verdict === 'denied' ? s('red', '✗') : verdict === 'overridden' ? s('yellow', '!') : s('green', '✓');
        const signed = signature ? s('dim', ` (signed with key ${signature.keyId})`) : '';
        this.line(
          mark,
          parseDecisionId(id)?.target ?? id,
          `${id} ${verdict} by ${by}${comment ? `: ${comment}` : ''}${signed}`,
        );
        break;
      }
      case 'signal.received':
        this.line(s('cyan', '⚑'), 'signal', `"${event.data.name}" received from ${event.data.by}`);
        break;
      case 'phase.opened':
        this.line(
          s('cyan', '▸'),
          `phase ${event.data.phase}`,
          `opened${event.data.from !== null ? ` after "${event.data.from}"` : ''}: ${event.data.reason}`,
        );
        break;
      case 'phase.transition_denied':
        this.lastDenial = event.data.reason;
        this.line(s('yellow', '⊘'), `phase ${event.data.to}`, s('yellow', `cannot open yet: ${event.data.reason}`));
        break;
      case 'consensus.judged': {
        const { judge, agree, reasons } = event.data;
        this.line(
          agree ? s('green', '⚖') : s('yellow', '⚖'),
          event.data.step,
          `judge ${judge}: ${agree ? 'the votes agree' : 'the votes disagree'}: ${reasons}`,
        );
        break;
      }
      case 'consensus.reached': {
        const { agreeing, dissenting } = event.data;
        this.line(
          s('green', '≡'),
          event.data.step,
          `consensus of ${agreeing.join(', ')}${dissenting.length > 0 ? ` (dissenting: ${dissenting.join(', ')})` : ''}`,
        );
        break;
      }
      case 'step.cancelled':
        this.running.delete(event.data.step);
        this.partials.delete(event.data.step);
        this.done += 1;
        this.line(s('gray', '–'), event.data.step, s('gray', event.data.reason));
        break;
      case 'run.paused':
        this.line(
          s('yellow', '‖'),
          'run',
          `paused by ${event.data.by}${event.data.reason ? `: ${event.data.reason}` : ''}`,
        );
        break;
      case 'run.unpaused':
        this.line(s('cyan', '▸'), 'run', `pause lifted by ${event.data.by}`);
        break;
      case 'run.abort_requested':
        this.line(s('red', '■'), 'run', `abort requested by ${event.data.by}: ${event.data.reason}`);
        break;
      case 'run.compensating':
        this.line(s('yellow', '↺'), 'run', `compensating, newest first: ${event.data.steps.join(', ')}`);
        break;
      case 'step.compensated':
        if (event.data.ok) this.line(s('yellow', '↺'), event.data.step, 'compensated');
        else
          this.line(
            s('red', '✗'),
            event.data.step,
            s('red', `compensation failed: ${event.data.error?.message ?? ''}`),
          );
        break;
      case 'step.deferred':
        this.line(
          s('gray', '…'),
          event.data.step,
          `deferred by ${event.data.by}${event.data.until !== null ? ` until ${event.data.until}` : ''}${event.data.signal !== null ? ` until signal "${event.data.signal}"` : ''}`,
        );
        break;
      case 'plan.revised':
        this.line(
          s('cyan', '✎'),
          'plan',
          `revision ${event.data.revision} by ${event.data.by}${event.data.revertOf !== null ? ` (reverts to revision ${event.data.revertOf})` : ''}`,
        );
        break;
      default:
        break;
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
