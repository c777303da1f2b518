import type { Measurement } from './measure.js';
import type { PeakRss } from './peak-rss.js';
import type { StartupCost } from './startup-cost.js';
import { Shape, type Workload } from './workloads.js';

export interface WorkloadResult {
  shape: Workload;
  engine: 'Baton' | 'LangGraph' | 'Mastra';
  persistence: string;
  steps: number;
  measurement: Measurement;
  /** What was checked after each run: that it is a correct result, not only a fast one. */
  check: string;
  target?: Target;
}

export interface Target {
  description: string;
  /** The figure compared with the limit. */
  metric: 'ms/step' | 'wall ms' | 'MB' | 'CPU s' | 'x Mastra';
  limit: number;
}

export interface BenchReport {
  method: string;
  machine: {
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    loadAverage1m: { start: number; end: number };
  };
  workloads: WorkloadResult[];
  peakRss: PeakRss;
  peakRssTarget: Target;
  /** Start-up costs of the built tree, each the median of the measured runs. */
  startup: StartupCost;
  startupTargets: { libraryImport: Target; version: Target; status: Target };
  /** Baton's wall time over Mastra's (in memory) on the same shape must stay under this. */
  versusMastraTarget: Target;
}

/** Baton's median wall time over Mastra's on one shape, when both ran. */
export function versusMastra(report: BenchReport, shape: Shape): number | undefined {
  const wall = (engine: WorkloadResult['engine']) =>
    report.workloads.find((result) => result.engine === engine && result.shape === shape)?.measurement.wallMs;
  const baton = wall('Baton');
  const mastra = wall('Mastra');
  return baton === undefined || mastra === undefined ? undefined : baton / mastra;
}

/** The start-up figures with their targets, for the text and Markdown reports alike. */
export function startupFigures(
  report: BenchReport,
): { figure: string; value: number; shown: string; target: Target }[] {
  const { startup, startupTargets } = report;
  return [
    {
      figure: 'importing the library (`node` on dist/index.js), peak RSS',
      value: kbToMB(startup.libraryImport.maxRssKB),
      shown: `${kbToMB(startup.libraryImport.maxRssKB).toFixed(1)} MB`,
      target: startupTargets.libraryImport,
    },
    {
      figure: '`baton --version`, CPU',
      value: startup.version.cpuMs / 1_000,
      shown: `${(startup.version.cpuMs / 1_000).toFixed(3)} s`,
      target: startupTargets.version,
    },
    {
      figure: '`baton status` on a workspace with one run, CPU',
      value: startup.status.cpuMs / 1_000,
      shown: `${(startup.status.cpuMs / 1_000).toFixed(3)} s`,
      target: startupTargets.status,
    },
  ];
}

export const perStepMs = (result: WorkloadResult): number => result.measurement.wallMs / result.steps;
export const stepsPerSecond = (result: WorkloadResult): number => (result.steps * 1_000) / result.measurement.wallMs;
/** Decimal megabytes (10^6 bytes) from the kibibytes a peak RSS is read in, so a 150 MB limit is not loosened to 150 MiB. */
export const kbToMB = (kb: number): number => (kb * 1_024) / 1_000_000;

export function targetValue(result: WorkloadResult, target: Target): number {
  return target.metric === 'ms/step' ? perStepMs(result) : result.measurement.wallMs;
}

/** `met`, or `MISSED by x%` over the limit. */
export function verdict(value: number, target: Target): string {
  if (value <= target.limit) return 'met';
  return `MISSED by ${(((value - target.limit) / target.limit) * 100).toFixed(0)}%`;
}

export function toJson(report: BenchReport): unknown {
  return {
    ...report,
    workloads: report.workloads.map((result) => ({
      ...result,
      wallMs: round(result.measurement.wallMs, 2),
      stepsPerSecond: Math.round(stepsPerSecond(result)),
      perStepMs: round(perStepMs(result), 4),
      ...(result.target && { verdict: verdict(targetValue(result, result.target), result.target) }),
    })),
    peakRss: {
      ...report.peakRss,
      maxRssMB: round(kbToMB(report.peakRss.maxRssKB), 1),
      verdict: verdict(kbToMB(report.peakRss.maxRssKB), report.peakRssTarget),
    },
    startup: startupFigures(report).map(({ figure, value, target }) => ({
      figure,
      value: round(value, 3),
      target: target.description,
      verdict: verdict(value, target),
    })),
    versusMastra: [Shape.chain, Shape.fanOut].map((shape) => {
      const ratio = versusMastra(report, shape);
      return {
        shape,
        ratio: ratio === undefined ? null : round(ratio, 3),
        target: report.versusMastraTarget.description,
        verdict: ratio === undefined ? 'not measured' : verdict(ratio, report.versusMastraTarget),
      };
    }),
  };
}

/** The human report: method, an aligned table, the RSS figure, each against its target. */
export function toText(report: BenchReport): string {
  const header = [
    'workload',
    'engine',
    'persistence',
    'steps',
    'wall ms',
    'min-max ms',
    'steps/s',
    'ms/step',
    'setup ms',
    'check',
    'target',
    'verdict',
  ];
  const rows = report.workloads.map((result) => {
    const { measurement: m, target } = result;
    return [
      result.shape,
      result.engine,
      result.persistence,
      String(result.steps),
      m.wallMs.toFixed(1),
      `${m.minMs.toFixed(1)}-${m.maxMs.toFixed(1)}`,
      Math.round(stepsPerSecond(result)).toLocaleString('en-US'),
      perStepMs(result).toFixed(3),
      m.setupMs.toFixed(1),
      result.check,
      target?.description ?? '',
      target ? verdict(targetValue(result, target), target) : '',
    ];
  });
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rss = report.peakRss;
  const rssMB = kbToMB(rss.maxRssKB);
  return [
    `Baton vs LangGraph and Mastra, no-op steps (${report.machine.cpus} CPUs, ${report.machine.cpuModel}, Node ${report.machine.node}, ${report.machine.platform})`,
    `1-minute load average: ${report.machine.loadAverage1m.start.toFixed(2)} before the run, ${report.machine.loadAverage1m.end.toFixed(2)} after it (the bench itself adds about 1; more means other processes shared the CPUs).`,
    report.method,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `peak RSS, ${rss.steps.toLocaleString('en-US')}-step Baton chain in a child \`node\` on dist/: ${rssMB.toFixed(1)} MB` +
      ` (peak ${rss.maxRssKB} KB; ${kbToMB(rss.baselineMaxRssKB).toFixed(1)} MB after loading the library, before the run;` +
      ` run ${rss.wallMs.toFixed(0)} ms, ${rss.ledgerEvents} ledger events verified)`,
    `  target ${report.peakRssTarget.description}: ${verdict(rssMB, report.peakRssTarget)}`,
    ...[Shape.chain, Shape.fanOut].map((shape) => {
      const ratio = versusMastra(report, shape);
      return ratio === undefined
        ? `Baton / Mastra wall, ${shape}: not measured`
        : `Baton / Mastra wall, ${shape}: ${ratio.toFixed(2)}x (target ${report.versusMastraTarget.description}: ${verdict(ratio, report.versusMastraTarget)})`;
    }),
    ...startupFigures(report).map(
      ({ figure, value, shown, target }) =>
        `${figure}: ${shown} (target ${target.description}: ${verdict(value, target)})`,
    ),
    '',
    'wall ms = median of the measured runs; steps/s and ms/step are derived from it; ms/step = wall / steps.',
    'setup ms = untimed work before the clock starts (Baton: open the workspace; LangGraph: build + compile the graph, open the saver; Mastra: build + commit the workflow).',
    'MB = 10^6 bytes.',
  ].join('\n');
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
