import { z } from 'zod';
import {
  contextMetricsSchema,
  contextResumeSchema,
  contextSchemas,
  DEFAULT_METRICS_RUNS,
  MAX_METRICS_RUNS,
} from '../../engine/index.js';
import { limitParam, RunId } from '../schemas/common.js';
import { RunSummarySchema } from '../schemas/runs.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const { ContextDecisionSchema, ContextEntrySchema, RunAgentsSchema } = contextSchemas();
const ContextMetricsSchema = contextMetricsSchema();
const ContextResumeSchema = contextResumeSchema();

const Entry = ContextEntrySchema;

const WorkspaceContextSchema = z.object({
  objectives: z.array(Entry),
  tasks: z.array(Entry),
  insights: z.array(Entry),
  runs: z.array(RunSummarySchema.omit({ pending: true }).extend({ status: z.string() })),
  decisions: z.array(ContextDecisionSchema),
  agents: z.array(RunAgentsSchema),
});

const EntryBody = z.strictObject({
  text: z.string().describe('in words; at most 10,000 characters'),
  runId: RunId.optional().describe('the run it is about'),
});

const ADD = {
  objective: { operationId: 'addObjective', summary: 'Record an objective' },
  task: { operationId: 'addTask', summary: 'Record a task (open until completed)' },
  insight: { operationId: 'addInsight', summary: 'Record an insight' },
} as const;

/** What the workspace pursues, has open and has learned, across sessions: `baton context`. */
export function contextRoutes({ baton }: RouteDeps): Route[] {
  const add = (kind: keyof typeof ADD) =>
    defineRoute({
      method: 'post',
      path: `/v1/context/${kind}s`,
      operationId: ADD[kind].operationId,
      tag: 'context',
      summary: ADD[kind].summary,
      scope: 'operate',
      body: EntryBody,
      responses: { 201: { description: 'recorded', schema: Entry } },
      handle: async ({ c, body }) => {
        const options = body.runId !== undefined ? { runId: body.runId } : {};
        const entry =
          kind === 'objective'
            ? await baton.addObjective(body.text, options)
            : kind === 'task'
              ? await baton.addTask(body.text, options)
              : await baton.addInsight(body.text, options);
        return c.json(entry, 201);
      },
    });
  return [
    defineRoute({
      method: 'get',
      path: '/v1/context',
      operationId: 'getContext',
      tag: 'context',
      summary: "The workspace's context",
      description:
        'Objectives, tasks and insights, oldest first; the decisions of recent runs, pending ones first; the agents they spawned or heard from; and the recent runs.',
      scope: 'read',
      responses: { 200: { description: 'the context', schema: WorkspaceContextSchema } },
      handle: async ({ c }) => c.json(await baton.context()),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/context/resume',
      operationId: 'getContextResume',
      tag: 'context',
      summary: 'What a new session needs to continue',
      description:
        'Open objectives and tasks (oldest first), the decisions waiting for a person in every running run, the running runs, and the newest insights (10): `baton context resume`.',
      scope: 'read',
      responses: { 200: { description: 'what to continue', schema: ContextResumeSchema } },
      handle: async ({ c }) => c.json(await baton.contextResume()),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/context/metrics',
      operationId: 'getContextMetrics',
      tag: 'context',
      summary: 'Runs, steps, agents, cost, tokens and decisions by day',
      description:
        'Of the newest runs (created since `since`, when given), each folded from its verified ledger: `baton context metrics`.',
      scope: 'read',
      query: z.strictObject({
        since: z.string().max(64).optional().describe('only runs created since this date or time (2026-12-01)'),
        runs: limitParam(MAX_METRICS_RUNS, DEFAULT_METRICS_RUNS).describe(
          `how many of the newest runs to look at (1 to ${MAX_METRICS_RUNS}, default ${DEFAULT_METRICS_RUNS})`,
        ),
      }),
      responses: { 200: { description: 'the metrics', schema: ContextMetricsSchema } },
      handle: async ({ c, query }) =>
        c.json(
          await baton.contextMetrics({ runs: query.runs, ...(query.since !== undefined && { since: query.since }) }),
        ),
    }),
    add('objective'),
    add('task'),
    add('insight'),
    defineRoute({
      method: 'post',
      path: '/v1/context/objectives/:objective/complete',
      operationId: 'completeObjective',
      tag: 'context',
      summary: 'Complete an objective',
      description: 'An objective that is complete already, or an insight, is a 409.',
      scope: 'operate',
      params: z.strictObject({ objective: z.string().min(1).max(100).describe('`obj-N`') }),
      body: z.strictObject({ outcome: z.string().describe('how it ended, in words') }),
      responses: { 200: { description: 'completed', schema: Entry } },
      handle: async ({ c, params, body }) => c.json(await baton.completeObjective(params.objective, body.outcome)),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/context/tasks/:task/complete',
      operationId: 'completeTask',
      tag: 'context',
      summary: 'Complete a task',
      description: 'A task that is complete already, or an insight, is a 409.',
      scope: 'operate',
      params: z.strictObject({ task: z.string().min(1).max(100).describe('`task-N`') }),
      body: z.strictObject({ outcome: z.string().describe('how it ended, in words') }),
      responses: { 200: { description: 'completed', schema: Entry } },
      handle: async ({ c, params, body }) => c.json(await baton.completeContextEntry(params.task, body.outcome)),
    }),
  ];
}
