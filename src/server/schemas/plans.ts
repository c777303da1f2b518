import { z } from 'zod';
import { preflightSchemas } from '../../core/index.js';
import { PlanField } from '../plan-input.js';

const { PreflightReportSchema } = preflightSchemas();

export const PlanBody = z.strictObject({ plan: PlanField });

export const ValidateResponse = z.object({
  valid: z.literal(true),
  name: z.string(),
  steps: z.int(),
  capabilities: z.int().describe('capabilities the plan declares'),
});

export const PreflightResponse = PreflightReportSchema.describe(
  'The pre-flight report, as `baton run --dry-run --json` prints it.',
);
