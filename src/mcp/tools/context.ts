import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { contextSchemas, contextResumeSchema } from '../../engine/index.js';
import { defineTool } from '../define-tool.js';
import { args, RunId } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

const { ContextEntrySchema } = contextSchemas();
const ContextResumeSchema = contextResumeSchema();

/** What the workspace pursues, has open and learns, kept across sessions (`baton context`). */
export function registerContextTools(server: McpServer, session: McpSession): void {
  defineTool(
    server,
    session,
    {
      name: 'record_insight',
      title: 'Record an insight',
      description:
        "Records something learned in the workspace's context, which lasts across sessions (baton context shows it): `ins-1`, `ins-2`, ... Optionally tied to a run. Text is trimmed; empty or longer than 10,000 characters is refused.",
      scope: Scope.operate,
      input: args({
        text: z.string().describe('What was learned'),
        runId: RunId.optional().describe('The run it was learned in'),
      }),
      output: ContextEntrySchema,
    },
    async ({ text, runId }) => {
      const entry = await session.baton.addInsight(text, runId !== undefined ? { runId } : {});
      return {
        value: { ...entry },
        summary: `recorded insight ${entry.id}${entry.runId ? ` (run ${entry.runId})` : ''}`,
      };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'record_task',
      title: 'Record a task',
      description:
        "Records a task in the workspace's context (`task-1`, `task-2`, ...): open until completed with complete_context_entry, listed by context_resume. Optionally linked to a run. Text is trimmed; empty or longer than 10,000 characters is refused.",
      scope: Scope.operate,
      input: args({
        text: z.string().describe('What is to be done'),
        runId: RunId.optional().describe('The run it belongs to'),
      }),
      output: ContextEntrySchema,
    },
    async ({ text, runId }) => {
      const entry = await session.baton.addTask(text, runId !== undefined ? { runId } : {});
      return {
        value: { ...entry },
        summary: `recorded task ${entry.id}${entry.runId ? ` (run ${entry.runId})` : ''}`,
      };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'complete_context_entry',
      title: 'Complete an objective or task',
      description:
        'Completes an open objective (`obj-N`) or task (`task-N`) with its outcome. One that is complete already, or an insight, is refused (conflict); an unknown id is not_found.',
      scope: Scope.operate,
      input: args({
        id: z.string().min(1).max(100).describe('`obj-N` or `task-N`'),
        outcome: z.string().describe('How it ended, in words'),
      }),
      output: ContextEntrySchema,
    },
    async ({ id, outcome }) => {
      const entry = await session.baton.completeContextEntry(id, outcome);
      return { value: { ...entry }, summary: `completed ${entry.kind} ${entry.id}: ${entry.outcome ?? ''}` };
    },
  );

  defineTool(
    server,
    session,
    {
      name: 'context_resume',
      title: 'What to continue',
      description:
        'What a new session needs to continue in this workspace (baton context resume): open objectives and tasks, the decisions waiting for a person in every running run, the running runs, and the newest insights (10).',
      scope: Scope.read,
      input: args({}),
      output: ContextResumeSchema,
      annotations: { readOnlyHint: true },
    },
    async () => {
      const resume = await session.baton.contextResume();
      return {
        value: resume,
        summary: `${resume.objectives.length} open objectives, ${resume.tasks.length} open tasks, ${resume.pending.length} pending decisions, ${resume.running.length} running runs`,
      };
    },
  );
}
