import { mkdirSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { addTokens, type ArtifactRef, type TokenUsage, type ToolCallRecord } from '../../core/index.js';
import { CapabilityFailure, type AttemptFiles } from '../../capabilities/index.js';
import type { ArtifactStore } from './store.js';

/** A cost file holds one number; anything longer is not a cost report. */
const MAX_COST_FILE_BYTES = 64;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** An id as one path segment: injective (`/` and `%` are escaped), never `.` or `..`. */
function segment(id: string): string {
  const encoded = encodeURIComponent(id).replace(/\./g, '%2E');
  return encoded === '' ? '%' : encoded;
}

function badCost(message: string): CapabilityFailure {
  return new CapabilityFailure({ type: 'bad_cost', message, retryable: false });
}

/** A reported cost, checked: a finite number of US dollars, zero or more. */
export function checkCost(usd: unknown, source: string): number {
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) {
    throw badCost(
      `${source} reported a cost of ${typeof usd === 'number' ? String(usd) : (JSON.stringify(usd) ?? String(usd))}: a cost is a finite number of US dollars, 0 or more`,
    );
  }
  return usd;
}

/**
 * One attempt's working files under `<store>/tmp/<run>/<attempt>/`: `artifacts/` (what the
 * attempt leaves there is collected into the store) and `cost` (what a command says it cost).
 * Nothing is created until the capability asks for it, so an attempt that writes no files
 * touches no disk. `remove` ends it: later calls throw, so a function that outlives its
 * timeout cannot write into a directory nobody will collect or clean.
 */
export class AttemptScratch implements AttemptFiles {
  /** The directory's path, worked out on first use: most attempts never ask for it. */
  private path: string | undefined;
  private made = false;
  private ended = false;
  private reported: number | undefined;
  private invalid: CapabilityFailure | undefined;
  private tokens: TokenUsage | undefined;
  private readonly calls: ToolCallRecord[] = [];

  constructor(
    private readonly store: ArtifactStore,
    private readonly runId: string,
    private readonly attemptId: string,
  ) {}

  private get base(): string {
    this.path ??= join(this.store.scratchRoot, segment(this.runId), segment(this.attemptId));
    return this.path;
  }

  /** The run's scratch directory, removed (when empty) as its driver stops. */
  static runDir(store: ArtifactStore, runId: string): string {
    return join(store.scratchRoot, segment(runId));
  }

  artifactsDir(): string {
    const dir = join(this.base, 'artifacts');
    if (this.ended) throw new Error('the attempt has ended: its artifact directory is gone');
    if (!this.made) {
      // Attempt ids are never reused, so anything here was left by a process that crashed mid-attempt.
      rmSync(this.base, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      this.made = true;
    }
    return dir;
  }

  costFile(): string {
    this.artifactsDir();
    return join(this.base, 'cost');
  }

  reportCost(usd: number): void {
    try {
      this.reported = (this.reported ?? 0) + checkCost(usd, 'reportCost');
    } catch (error) {
      this.invalid ??= error as CapabilityFailure;
      throw error;
    }
  }

  reportUsage(usage: TokenUsage): void {
    this.tokens = addTokens(this.tokens, usage);
  }

  reportToolCall(call: ToolCallRecord): void {
    this.calls.push(call);
  }

  /** The tool calls the attempt reported, in order. */
  toolCalls(): readonly ToolCallRecord[] {
    return this.calls;
  }

  /** The tokens the attempt reported it used, or undefined when it reported none (not a model call). */
  usage(): TokenUsage | undefined {
    return this.tokens;
  }

  /**
   * What the attempt reported it cost: the sum of `reportCost` calls plus the number in the
   * cost file, or undefined when it reported nothing. Throws `bad_cost` for an invalid report.
   */
  async cost(): Promise<number | undefined> {
    if (this.invalid) throw this.invalid;
    const fromFile = this.made ? await readCostFile(join(this.base, 'cost')) : undefined;
    if (fromFile === undefined) return this.reported;
    return (this.reported ?? 0) + fromFile;
  }

  /** Stores every file the attempt left in its artifact directory, named `STEP/FILE`. */
  collect(step: string): Promise<ArtifactRef[]> {
    if (!this.made) return Promise.resolve([]);
    return this.store.collect(join(this.base, 'artifacts'), step);
  }

  /** Removes what an attempt of an engine that stopped mid-way left behind. Never throws. */
  static async discard(store: ArtifactStore, runId: string, attemptId: string): Promise<void> {
    const scratch = new AttemptScratch(store, runId, attemptId);
    scratch.made = true;
    await scratch.remove();
  }

  /** Removes the attempt's directory, whatever happened to the attempt. Never throws. */
  async remove(): Promise<void> {
    this.ended = true;
    if (!this.made) return;
    // Best effort: a directory the capability made read-only stays behind rather than fail the attempt.
    await rm(this.base, { recursive: true, force: true, maxRetries: 2 }).catch(() => {});
  }
}

async function readCostFile(file: string): Promise<number | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw badCost(`cannot read BATON_COST_FILE: ${(error as Error).message}`);
  }
  try {
    const buffer = Buffer.alloc(MAX_COST_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8').trim();
    if (text === '') return undefined; // created, never written: no report
    if (bytesRead > MAX_COST_FILE_BYTES || !DECIMAL.test(text)) {
      throw badCost(
        `BATON_COST_FILE holds ${JSON.stringify(text.slice(0, MAX_COST_FILE_BYTES))}: write one number of US dollars, e.g. 0.42`,
      );
    }
    return checkCost(Number(text), 'BATON_COST_FILE');
  } finally {
    await handle.close();
  }
}
