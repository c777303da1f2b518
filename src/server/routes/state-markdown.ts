import { pipelineState, renderPipelineStateMarkdown } from '../../ledger/index.js';
import { RunParams } from '../schemas/common.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

/** The pipeline state as the Markdown seed files use (`baton state RUN --md`), for pages and agents that show it as written. */
export function stateMarkdownRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/runs/:id/state.md',
      operationId: 'getPipelineStateMarkdown',
      tag: 'runs',
      summary: 'Get the pipeline state as Markdown',
      description:
        'The same projection as `/state`, rendered as `baton state RUN --md` renders it. Computed from the ledger once it verifies.',
      scope: 'read',
      params: RunParams,
      responses: { 200: { description: 'the pipeline state as Markdown', contentType: 'text/markdown' } },
      handle: async ({ c, params }) =>
        c.body(renderPipelineStateMarkdown(pipelineState(await baton.verifiedEvents(params.id))), 200, {
          'Content-Type': 'text/markdown; charset=utf-8',
        }),
    }),
  ];
}
