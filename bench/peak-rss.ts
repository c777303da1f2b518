import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PeakRss {
  steps: number;
  /** Peak resident set size of the whole child process over its life, in KB (VmHWM on Linux: bench/peak-rss-kb.js). */
  maxRssKB: number;
  /** The same peak read after the library loaded and before the run started. */
  baselineMaxRssKB: number;
  wallMs: number;
  ledgerEvents: number;
}

const CHILD = fileURLToPath(new URL('./peak-rss-child.js', import.meta.url));
const LIBRARY = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/**
 * Runs a `steps`-long Baton chain in a fresh `node` process on the compiled library and
 * reads its peak RSS. NODE_OPTIONS is cleared so no loader (tsx) is injected into the child.
 */
export async function measurePeakRss(steps: number, workspace: string): Promise<PeakRss> {
  if (!existsSync(LIBRARY))
    throw new Error(`${LIBRARY} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  const child = spawn(process.execPath, [CHILD, workspace, String(steps)], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`the peak-RSS child exited with ${code}: ${stderr.trim()}`);
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PeakRss & {
    status: string;
    succeeded: number;
    ledgerVerified: boolean;
  };
  if (report.status !== 'succeeded' || report.succeeded !== steps || !report.ledgerVerified) {
    throw new Error(`the peak-RSS child's run did not succeed cleanly: ${JSON.stringify(report)}`);
  }
  return {
    steps,
    maxRssKB: report.maxRssKB,
    baselineMaxRssKB: report.baselineMaxRssKB,
    wallMs: report.wallMs,
    ledgerEvents: report.ledgerEvents,
  };
}
