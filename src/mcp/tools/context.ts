import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextEntrySchema } from '../../engine/index.js';
import { defineTool } from '../define-tool.js';
import { args, RunId } from '../schemas.js';
import { Scope } from '../scopes.js';
import type { McpSession } from '../session.js';

/** What the workspace learns, kept across sessions (`baton context`). */
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
}
