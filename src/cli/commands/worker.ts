import type { Command } from 'commander';
import { DURATION_PATTERN, durationToMs } from '../../core/index.js';
import type { LoggedAttempt, WorkerLogEvent } from '../../engine/index.js';
import { loadCapabilitiesFile } from '../capabilities-file.js';
import { badInput, withBaton, type GlobalOptions } from '../context.js';
import { databaseUrl, redactUrl } from '../database.js';

interface WorkerCliOptions extends GlobalOptions {
  concurrency: number;
  capabilities?: string;
  skills?: string;
  grace: string;
}

/** How often a worker that is busy says how it is doing (without --json). */
const SUMMARY_EVERY_MS = 10_000;

function atLeastOne(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw badInput(`--concurrency expects a whole number of at least 1, got "${value}"`);
  return n;
}

function parseSkills(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const skills = text.split(',').map((skill) => skill.trim());
  if (skills.some((skill) => !/^[a-z][a-z0-9_.-]*$/.test(skill)))
    throw badInput(`--skills expects skill names separated by commas (like embed,summarize), got "${text}"`);
  return skills;
}

/** The end of a text line about an attempt: its run's correlation id, as `baton serve`'s lines end with theirs. */
function trace(attempt: LoggedAttempt): string {
  return attempt.correlationId === undefined ? '' : ` (trace ${attempt.correlationId})`;
}

/** One line per event with --json (for scripts and log shippers); a summary every 10 s otherwise. */
class WorkerLog {
  private ran = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly json: boolean) {
    if (!json) {
      this.timer = setInterval(() => this.summary(), SUMMARY_EVERY_MS);
      this.timer.unref();
    }
  }

  line(event: Record<string, unknown>, text: string): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`);
    else process.stderr.write(`${text}\n`);
  }

  onEvent = (event: WorkerLogEvent): void => {
    switch (event.type) {
      case 'claimed':
        if (this.json)
          this.line(
            {
              event: 'claimed',
              attempts: event.items,
            },
            '',
          );
        break;
      case 'reported':
        this.ran += event.stored;
        this.dropped += event.dropped.length;
        if (this.json)
          this.line(
            {
              event: 'reported',
              stored: event.stored,
              dropped: event.dropped,
            },
            '',
          );
        for (const report of event.dropped) {
          if (!this.json)
            this.line(
              {},
              `outcome of ${report.runId} ${report.attemptId} not taken: the attempt was cancelled or its run has ended${trace(report)}`,
            );
        }
        break;
      case 'lease_lost':
        this.line(
          { event: 'lease_lost', ...event.item },
          `stopped ${event.item.runId} ${event.item.attemptId}: this worker no longer holds it (cancelled, or its lease lapsed and the conductor gave it up)${trace(event.item)}`,
        );
        break;
      case 'error':
        this.line({ event: 'error', message: event.message }, `error: ${event.message}`);
        break;
    }
  };

  private summary(): void {
    if (this.ran === 0 && this.dropped === 0) return;
    this.line(
      {},
      `reported ${this.ran} outcomes in the last ${SUMMARY_EVERY_MS / 1000}s${this.dropped > 0 ? ` (${this.dropped} not taken)` : ''}`,
    );
    this.ran = 0;
    this.dropped = 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.summary();
  }
}

export function registerWorker(program: Command, globals: () => GlobalOptions): void {
  program
    .command('worker')
    .description(
      'run steps for any run of a shared PostgreSQL store until stopped (SIGTERM: finish or hand back the work, then exit)',
    )
    .option('-c, --concurrency <n>', 'attempts to run at once', atLeastOne, 10)
    .option(
      '--capabilities <file>',
      'a JavaScript module exporting function capabilities; only their work (and commands) is claimed',
    )
    .option('--skills <list>', 'claim only work for these skills, e.g. embed,summarize (default: any)')
    .option(
      '--grace <duration>',
      'on SIGTERM, how long running attempts may take to finish before they are handed back',
      '30s',
    )
    .option('--json', 'one JSON line per event on stdout (claims, reports, lost leases, errors)')
    .action(async (local: WorkerCliOptions) => {
      const options = { ...globals(), ...local };
      const url = databaseUrl(options.db);
      if (url === undefined)
        throw badInput(
          'baton worker needs a shared PostgreSQL store: pass --db postgres://... or set BATON_DATABASE_URL',
        );
      if (!DURATION_PATTERN.test(options.grace))
        throw badInput(`--grace expects a duration like 30s or 2m, got "${options.grace}"`);
      const graceMs = durationToMs(options.grace);
      const skills = parseSkills(options.skills);
      const functions = options.capabilities === undefined ? [] : await loadCapabilitiesFile(options.capabilities);
      await withBaton({ ...options, functions }, async (baton) => {
        const log = new WorkerLog(options.json === true);
        const worker = await baton.work({
          concurrency: options.concurrency,
          ...(skills && { skills }),
          log: log.onEvent,
        });
        const claims = [
          `commands${functions.length > 0 ? ` and functions ${functions.map((f) => f.id).join(', ')}` : ''}`,
          skills ? `for skills ${skills.join(', ')}` : 'for any skill',
        ];
        log.line(
          {
            event: 'ready',
            worker: worker.id,
            concurrency: options.concurrency,
            functions: functions.map((f) => f.id),
            skills: skills ?? null,
          },
          `worker ${worker.id} ready on ${redactUrl(url)}: runs ${claims.join(' ')}, ${options.concurrency} at a time (SIGTERM to stop)`,
        );
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        log.line(
          { event: 'stopping', signal, running: worker.active, graceMs },
          `${signal}: stopping; ${worker.active} attempts running get up to ${options.grace} to finish`,
        );
        const { finished, released } = await worker.stop(graceMs);
        log.stop();
        log.line(
          { event: 'stopped', finished, released },
          finished
            ? 'stopped: every attempt finished and was reported'
            : `stopped: ${released} unfinished attempts handed back to the queue for other workers`,
        );
      });
      // Started by a process manager that forks with an IPC channel (pm2, a test harness), the
      // open channel would keep a stopped worker alive: a stopped worker is done.
      if (process.connected) process.disconnect();
    });
}
