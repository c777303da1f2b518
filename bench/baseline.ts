import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareStatusWorkspace, startupCost, type StartupCost } from './startup-cost.js';
import { Shape, stepCount, SUBMIT_STEPS, SUBMIT_WORKLOAD, type Workload } from './workloads.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRIAL_CHILD = fileURLToPath(new URL('./dist-trial-child.js', import.meta.url));

/** One figure measured on both trees: the median of each side's runs, and their ratio. */
export interface PairedFigure {
  workload: string;
  unit: 'ms' | 'MB' | 'CPU ms';
  current: number;
  baseline: number;
  /** current / baseline: below 1 the working tree is better. */
  ratio: number;
}

export interface BaselineReport {
  ref: string;
  commit: string;
  runs: number;
  figures: PairedFigure[];
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0)
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${cwd}: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout.trim();
}

/**
 * REF checked out in a temporary git worktree and built by its own `npm run build` (tsc alone
 * before the build became a bundle, esbuild's bundle since), with this tree's dependencies: its
 * node_modules is a link to this tree's, so the paired bench compares code, not dependencies.
 * `remove` deletes the worktree again.
 */
function baselineTree(ref: string): { root: string; commit: string; remove(): void } {
  const commit = run('git', ['rev-parse', '--verify', `${ref}^{commit}`], ROOT);
  const root = join(mkdtempSync(join(tmpdir(), 'baton-baseline-')), 'tree');
  run('git', ['worktree', 'add', '--detach', root, commit], ROOT);
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', root], { cwd: ROOT });
    rmSync(join(root, '..'), { recursive: true, force: true });
  };
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    run('npm', ['run', '--silent', 'build'], root);
  } catch (error) {
    remove();
    throw error;
  }
  return { root, commit, remove };
}

/** Runs of a workload after the first in the same process: the last one is steady-state work. */
const WARM_RUNS = 2;

/**
 * One workload on the built tree at `root`, in a fresh `node`, run `1 + warmRuns` times:
 * `firstWallMs` is the first run's, `wallMs` the last's. Throws unless every run succeeded and
 * its ledger verified.
 */
function distTrial(
  root: string,
  workspace: string,
  shape: Workload,
  size: number,
  warmRuns = 0,
): { firstWallMs: number; wallMs: number; maxRssKB: number } {
  const output = run(process.execPath, [TRIAL_CHILD, root, workspace, shape, String(size), String(warmRuns)], ROOT);
  const report = JSON.parse(output.split('\n').at(-1) ?? '') as {
    status: string;
    succeeded: number;
    ledgerVerified: boolean;
    firstWallMs: number;
    wallMs: number;
    maxRssKB: number;
  };
  const clean =
    shape === SUBMIT_WORKLOAD
      ? report.status === 'aborted'
      : report.status === 'succeeded' && report.succeeded === stepCount(shape, size);
  if (!clean || !report.ledgerVerified)
    throw new Error(`the ${shape} run on ${root} did not succeed cleanly: ${output}`);
  return report;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/**
 * Measures `reading` on both trees `runs` times after one discarded warm-up each, alternating
 * the working tree and the baseline run by run, so a change in the machine's load falls on
 * both sides alike. Returns each reading's medians per side.
 */
function paired<T extends Record<string, number>>(
  runs: number,
  reading: (root: string, side: 'current' | 'baseline') => T,
  baselineRoot: string,
): { current: T; baseline: T } {
  const sides = { current: [] as T[], baseline: [] as T[] };
  reading(ROOT, 'current');
  reading(baselineRoot, 'baseline');
  for (let i = 0; i < runs; i += 1) {
    sides.current.push(reading(ROOT, 'current'));
    sides.baseline.push(reading(baselineRoot, 'baseline'));
  }
  const medians = (readings: T[]) =>
    Object.fromEntries(
      Object.keys(readings[0] ?? {}).map((key) => [key, median(readings.map((value) => value[key] ?? Number.NaN))]),
    ) as T;
  return { current: medians(sides.current), baseline: medians(sides.baseline) };
}

const MB = (kb: number): number => (kb * 1_024) / 1_000_000;

/**
 * `npm run bench -- --baseline REF`: the working tree (built by `npm run bench`) against REF,
 * paired: the 1,000-step chain and fan-out, the submit of a 10,000-step chain, the 10,000-step chain's peak RSS, importing the
 * library, `baton --version` and `baton status`, each on its own tree's dist/.
 */
export function runBaseline(
  ref: string,
  runs: number,
  scratch: { fresh(name: string): string },
  progress: (message: string) => void,
): BaselineReport {
  progress(`building ${ref} in a temporary worktree...`);
  const baseline = baselineTree(ref);
  try {
    const figures: PairedFigure[] = [];
    const add = (workload: string, unit: PairedFigure['unit'], current: number, base: number) =>
      figures.push({ workload, unit, current, baseline: base, ratio: current / base });
    // The 1,000-step workloads and the submit: the first run in a process (what one `baton run`
    // pays, loading included) and the last of 1 + WARM_RUNS (steady-state work). The 10,000-step
    // chain runs once per process: its peak RSS is the figure with a target.
    for (const [shape, size, warmRuns] of [
      [Shape.chain, 1_000, WARM_RUNS],
      [Shape.fanOut, 1_000, WARM_RUNS],
      [Shape.chain, 10_000, 0],
    ] as const) {
      progress(`paired ${shape} ${size}...`);
      const { current, baseline: base } = paired(
        runs,
        (root, side) => distTrial(root, scratch.fresh(`${side}-${shape}-${size}`), shape, size, warmRuns),
        baseline.root,
      );
      const name = `${shape} ${size.toLocaleString('en-US')}`;
      if (warmRuns > 0) {
        add(`${name} wall, first run`, 'ms', current.firstWallMs, base.firstWallMs);
        add(`${name} wall, warm`, 'ms', current.wallMs, base.wallMs);
      } else {
        add(`${name} wall`, 'ms', current.wallMs, base.wallMs);
        add(`${name} peak RSS`, 'MB', MB(current.maxRssKB), MB(base.maxRssKB));
      }
    }
    progress(`paired ${SUBMIT_WORKLOAD} ${SUBMIT_STEPS}...`);
    const submits = paired(
      runs,
      (root, side) => distTrial(root, scratch.fresh(`${side}-submit`), SUBMIT_WORKLOAD, SUBMIT_STEPS, WARM_RUNS),
      baseline.root,
    );
    const submitName = `${SUBMIT_WORKLOAD} ${SUBMIT_STEPS.toLocaleString('en-US')}-step chain`;
    add(`${submitName}, first run`, 'ms', submits.current.firstWallMs, submits.baseline.firstWallMs);
    add(`${submitName}, warm`, 'ms', submits.current.wallMs, submits.baseline.wallMs);
    progress('paired start-up costs...');
    const workspaces = { current: scratch.fresh('status-current'), baseline: scratch.fresh('status-baseline') };
    prepareStatusWorkspace(ROOT, workspaces.current);
    prepareStatusWorkspace(baseline.root, workspaces.baseline);
    const flat = (cost: StartupCost) => ({
      importRss: cost.libraryImport.maxRssKB,
      versionCpu: cost.version.cpuMs,
      statusCpu: cost.status.cpuMs,
    });
    const { current, baseline: base } = paired(
      runs,
      (root, side) => flat(startupCost(root, workspaces[side])),
      baseline.root,
    );
    add('library import peak RSS', 'MB', MB(current.importRss), MB(base.importRss));
    add('baton --version', 'CPU ms', current.versionCpu, base.versionCpu);
    add('baton status', 'CPU ms', current.statusCpu, base.statusCpu);
    return { ref, commit: baseline.commit, runs, figures };
  } finally {
    baseline.remove();
  }
}

/** The paired report as an aligned table. */
export function baselineText(report: BaselineReport): string {
  const header = ['workload', 'unit', 'working tree', `${report.ref}`, 'ratio'];
  const rows = report.figures.map((figure) => [
    figure.workload,
    figure.unit,
    figure.current.toFixed(1),
    figure.baseline.toFixed(1),
    `${figure.ratio.toFixed(2)}x`,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column >= 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  return [
    `The working tree against ${report.ref} (${report.commit.slice(0, 12)}), paired: medians of ${report.runs} runs per side after a warm-up, alternating sides.`,
    'ratio = working tree / baseline: below 1.00x the working tree is faster or smaller.',
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ].join('\n');
}
