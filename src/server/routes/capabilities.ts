import { z } from 'zod';
import { planSchemas } from '../../core/index.js';
import { limitParam } from '../schemas/common.js';
import { defineRoute, type Route } from '../route.js';
import type { RouteDeps } from './deps.js';

const { CapabilityKind } = planSchemas();

const Descriptor = z.object({
  id: z.string(),
  kind: CapabilityKind,
  skills: z.record(z.string(), z.number()),
  description: z.string().optional(),
  costUsd: z.number().optional(),
  permissions: z.array(z.string()).optional(),
  timeoutMs: z.int().optional(),
});

const Health = z.object({
  capability: z.string(),
  status: z
    .enum(['healthy', 'failing', 'unknown'])
    .describe('by its latest attempt outcome in the runs read; `unknown` when it has none'),
  succeeded: z.int(),
  failed: z.int(),
  lastOutcomeAt: z.string().nullable(),
  lastError: z
    .object({ type: z.string(), message: z.string(), retryable: z.boolean(), at: z.string(), runId: z.string() })
    .loose()
    .nullable(),
});

export const CapabilityRegistryResponse = z.object({
  capabilities: z.array(
    z.object({
      descriptor: Descriptor,
      source: z
        .enum(['registered', 'workspace', 'plan'])
        .describe(
          "where it is declared: registered in code, the workspace registry (`baton.yaml`), or a recent run's plan",
        ),
      runs: z.array(z.string()),
      health: Health,
      limit: z
        .string()
        .optional()
        .describe("the provider limit key its model calls draw on, when the workspace registry's `limits:` has it"),
    }),
  ),
  runsRead: z.int(),
  unverified: z.array(z.string()).describe('runs left out because their ledger fails verification'),
  limits: z
    .array(
      z.object({
        key: z.string(),
        concurrent: z.int().optional(),
        requests_per_minute: z.int().optional(),
        tokens_per_minute: z.int().optional(),
        load: z
          .object({ inFlight: z.int(), requests: z.int(), tokens: z.int() })
          .describe(
            'calls in flight, and requests and tokens counting in the current window, across every run in the store',
          ),
        capabilities: z.array(z.string()).describe('the listed capabilities that draw on it'),
      }),
    )
    .describe("the workspace registry's provider limits (`limits:`), with their load now"),
});

export function capabilityRoutes({ baton }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/capabilities',
      operationId: 'listCapabilities',
      tag: 'capabilities',
      summary: 'The capability registry, with health',
      description:
        "Functions registered in the server, the capabilities of its workspace registry (`baton.yaml`), and those the plans of the newest runs declared, each with its health observed in those runs' ledgers: successes, failures, the latest outcome and error. Health is an observation; routing does not read it. With the registry's provider limits, each limit's load across every run in the store.",
      scope: 'read',
      query: z.strictObject({
        runs: limitParam(500, 20).describe('how many of the newest runs to read (1 to 500, default 20)'),
      }),
      responses: { 200: { description: 'the registry', schema: CapabilityRegistryResponse } },
      handle: async ({ c, query }) => c.json(await baton.capabilityRegistry({ recentRuns: query.runs })),
    }),
  ];
}
