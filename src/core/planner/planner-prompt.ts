import type { Constraints } from '../plan/schema.js';
import type { RegistrySummary } from './registry-summary.js';

/** The workspace context a planner may read (`--context`): what the workspace pursues, learned and decided. */
export interface PlanningContext {
  objectives: { id: string; text: string; status: string; outcome?: string | null }[];
  insights: { id: string; text: string }[];
  decisions: { runId: string; id: string; status: string; reason?: string | null }[];
}

/** What one planning prompt is made of. */
export interface PlannerPromptInput {
  objective: string;
  /** The design document the plan must carry out (`--from`), its name and text. */
  design?: { name: string; text: string };
  registry: RegistrySummary;
  constraints?: Constraints;
  context?: PlanningContext;
}

/** What the previous answer was refused for, sent back for a repair. */
export interface RepairRequest {
  attempt: number;
  issues: string[];
  /** The plan the model answered, as it answered it. */
  previous: unknown;
}

/** How every planner is told its job: the rules Baton will check the answer against. */
export const PLANNER_SYSTEM = [
  'You are the planner of Baton, an orchestration engine. You draft plans; you never run anything.',
  'Answer with one JSON object {"plan": PLAN, "skills_needed": [{"skill": NAME, "why": TEXT}]}.',
  'PLAN is written in the Baton plan language (baton: 1): a name, and steps that each need a skill (or name a capability), with after: for order.',
  'Use the skills of the registry capabilities listed. Never declare a capability of kind command; declare others only of the kinds the registry allows.',
  'skills_needed lists every skill the objective needs, whether the registry has it or not.',
  'For each needed skill the registry lacks, put a step in phase "infrastructure" that builds it (builds: [SKILL]) with a check: { capability: ID } that proves it; at most 3 such steps may run at once.',
  'Keep within the constraints given; Baton checks the plan (schema, references, cycles, routes, budget, deadline, policy) and sends back what is wrong.',
].join('\n');

function section(title: string, body: string): string {
  return `## ${title}\n${body}`;
}

/**
 * The prompt of one planning call: the objective, the design document, the registry as the
 * planner may see it (no commands, no secrets: see `summarizeRegistry`), the constraints, the
 * workspace context, and for a repair the issues of the previous answer with that answer.
 * Pure: the same input gives the same text, so its hash identifies it in the planning record.
 * @example
 * plannerPrompt({ objective: 'Publish the release notes', registry: summarizeRegistry(workspace) })
 */
export function plannerPrompt(input: PlannerPromptInput, repair?: RepairRequest): string {
  const parts = [section('Objective', input.objective)];
  if (input.design !== undefined) parts.push(section(`Design document (${input.design.name})`, input.design.text));
  parts.push(section('Registry (the capabilities the plan can use)', JSON.stringify(input.registry, null, 1)));
  if (input.constraints !== undefined)
    parts.push(section('Constraints (the plan must declare these)', JSON.stringify(input.constraints)));
  if (input.context !== undefined) parts.push(section('Workspace context', JSON.stringify(input.context, null, 1)));
  if (repair !== undefined)
    parts.push(
      section(
        `Repair ${repair.attempt}: your previous answer was refused`,
        [
          'Baton found these issues; answer again with the whole corrected plan:',
          ...repair.issues.map((issue) => `- ${issue}`),
          'Your previous plan:',
          JSON.stringify(repair.previous),
        ].join('\n'),
      ),
    );
  return parts.join('\n\n');
}
