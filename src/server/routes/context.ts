import { z } from 'zod';
import { ContextEntrySchema } from '../../engine/index.js';
import { RunId } from '../schemas/common.js';
import { RunSummarySchema } from '../schemas/runs.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const Entry = ContextEntrySchema;

const WorkspaceContextSchema = z.object({
  objectives: z.array(Entry),
  insights: z.array(Entry),
  runs: z.array(RunSummarySchema.omit({ pending: true }).extend({ status: z.string() })),
  decisions: z.array(
    z.object({
      runId: z.string(),
      id: z.string(),
      status: z.enum(['pending', 'approved', 'denied']),
      kind: z.string(),
      reason: z.string().nullable(),
      by: z.string().nullable(),
      comment: z.string().nullable(),
    }),
  ),
});

const EntryBody = z.strictObject({
  text: z.string().describe('in words; at most 10,000 characters'),
  runId: RunId.optional().describe('the run it is about'),
});

/** What the workspace pursues and has learned, across sessions: `baton context`. */
export function contextRoutes({ baton }: RouteDeps): Route[] {
  const add = (kind: 'objective' | 'insight') =>
    defineRoute({
      method: 'post',
      path: `/v1/context/${kind}s`,
      operationId: kind === 'objective' ? 'addObjective' : 'addInsight',
      tag: 'context',
      summary: kind === 'objective' ? 'Record an objective' : 'Record an insight',
      scope: 'operate',
      body: EntryBody,
      responses: { 201: { description: 'recorded', schema: Entry } },
      handle: async ({ c, body }) => {
        const options = body.runId !== undefined ? { runId: body.runId } : {};
        return c.json(
          kind === 'objective'
            ? await baton.addObjective(body.text, options)
            : await baton.addInsight(body.text, options),
          201,
        );
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
        'Objectives and insights, oldest first; the decisions of recent runs, pending ones first; and the recent runs.',
      scope: 'read',
      responses: { 200: { description: 'the context', schema: WorkspaceContextSchema } },
      handle: async ({ c }) => c.json(await baton.context()),
    }),
    add('objective'),
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
  ];
}
