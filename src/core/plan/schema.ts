import type { z } from 'zod';
import { builtOnFirstUse, zodPackage, type ZodPackage } from '../deferred-packages.js';
import { DURATION_PATTERN, durationToMs } from './duration.js';
import { HTTP_MAX_RESPONSE_BYTES_LIMIT, HTTP_METHODS, buildHttpFieldSchemas } from './http-fields.js';

/**
 * The plan language, v1. This zod schema is the single definition of the user contract:
 * it validates plans, it is exported as JSON Schema (`baton schema`), and the TypeScript
 * types below are inferred from it. Semantic checks that need the whole plan (references,
 * cycles, expressions) live in validate.ts.
 */

/**
 * Bounds on the text a plan names things with. Names and ids are printed in every status line,
 * log and message: a 20 MB name made `baton status` write hundreds of megabytes. Long prose
 * belongs in `objective` or a step's input. Documented in docs/plan-language.md.
 */
export const PLAN_LIMITS = { id: 128, name: 200, description: 4_000, objective: 20_000 } as const;

/** What a step id is: a CEL identifier (plain-steps.ts checks plain steps by it too). */
export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a skill name is (plain-steps.ts checks plain steps by it too). */
export const SKILL_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/** Bounds an `llm` capability works within when its config leaves them out (documented in docs/plan-language.md). */
export const LLM_DEFAULTS = { max_input_tokens: 8_000, max_output_tokens: 4_096 } as const;

/** Steps an `agent` takes when its config leaves `max_steps` out (documented in docs/plan-language.md). */
export const AGENT_DEFAULT_MAX_STEPS = 10;

/** What a model's terms must hold together, for `llm` and `agent` alike. */
function checkLlmModelTerms(
  capability: {
    provider: string;
    base_url?: string | undefined;
    price?: object | undefined;
    cost_usd?: number | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (capability.provider === 'openai-compatible' && capability.base_url === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['base_url'],
      message: 'an openai-compatible provider needs base_url (e.g. http://127.0.0.1:11434/v1 for Ollama)',
    });
  if (capability.price !== undefined && capability.cost_usd !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['cost_usd'],
      message: 'give price or cost_usd, not both: with a price the worst case is computed from the token bounds',
    });
}

/**
 * The plan language's schemas, built on first use (planSchemas) rather than at import: most
 * processes that import Baton never parse a plan, and zod costs them 100 ms (core/deferred-packages.ts).
 */
function buildPlanSchemas({ z }: ZodPackage) {
  const { HttpHeaderName, HttpUrl } = buildHttpFieldSchemas(z);
  /** `__proto__` as a key would set an object's prototype instead of adding an entry: the step would vanish. */
  const id = (what: string) =>
    z
      .string()
      .max(PLAN_LIMITS.id, `${what} is at most ${PLAN_LIMITS.id} characters`)
      .refine((value) => value !== '__proto__', `"__proto__" is reserved and cannot be ${what}; choose another name`);
  const Description = z
    .string()
    .max(
      PLAN_LIMITS.description,
      `a description is at most ${PLAN_LIMITS.description.toLocaleString('en-US')} characters`,
    );

  /** Step ids are CEL identifiers so that `steps.<id>.output` reads naturally in expressions. */
  const StepId = id('a step id').regex(
    STEP_ID_PATTERN,
    'a step id is a letter or _ followed by letters, digits or _ (it is used as steps.<id> in expressions)',
  );

  const CapabilityId = id('a capability id').regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
    'a capability id is letters, digits, _, . and -',
  );

  const SkillName = id('a skill name').regex(SKILL_NAME_PATTERN, 'a skill name is letters, digits, _, ., : and -');

  /**
   * A skill chosen per item at dispatch: a `{{ expr }}` template over `item`, `index`, `inputs` and
   * `steps` (e.g. `{{ item.skill }}`), on a `for_each` step only. What it renders to is routed
   * against the registry like a written skill; no capability offering it escalates the step.
   */
  const SkillTemplate = z
    .string()
    .max(PLAN_LIMITS.id * 4, `a skill template is at most ${PLAN_LIMITS.id * 4} characters`)
    .regex(/\{\{.*\}\}/s, 'a skill template holds a `{{ expr }}`, e.g. "{{ item.skill }}"');

  const Duration = z.string().regex(DURATION_PATTERN, 'a duration is a number and a unit: 500ms, 2s, 1.5m, 1h, 1d');

  /** A timeout or a deadline: zero (or what rounds to 0 ms) would fail every attempt, or the run, before it starts. */
  const PositiveDuration = Duration.refine((value) => !DURATION_PATTERN.test(value) || durationToMs(value) > 0, {
    message: 'must be longer than 0 (e.g. 500ms, 30s, 5m); leave it out for no limit',
  });

  /** A CEL expression (https://cel.dev), compiled and checked in validate.ts. */
  const Expression = z.string().min(1, 'an expression cannot be empty');

  const InputType = z.enum(['string', 'number', 'integer', 'boolean', 'list', 'object']);

  const InputDeclaration = z.strictObject({
    type: InputType,
    description: Description.optional(),
    default: z.json().optional(),
  });

  const Skills = z.record(SkillName, z.number().min(0).max(1));

  /** What a capability may need and a run may grant: `network`, `fs:write`, `spend`, or any name of your own. */
  const Permission = id('a permission').regex(
    /^[a-z][a-z0-9_.:-]*$/,
    'a permission is lower-case letters, digits, _, ., : and - (for example `network`, `fs:write`)',
  );

  const EnvironmentVariable = z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'an environment variable name is letters, digits and _, not starting with a digit (for example `DEPLOY_URL`)',
    );

  /**
   * `plan` is a step's sub-plan (`plan:` on a step), run as a child run: a kind so that `allow`
   * can narrow it like any other, never declared under `capabilities`.
   */
  const CapabilityKind = z.enum(['command', 'function', 'human', 'http', 'mcp', 'llm', 'agent', 'plan']);

  /** What every capability kind can declare besides its skills. */
  const capabilityTerms = {
    description: Description.optional(),
    skills: Skills,
    /** The most one attempt can cost, in US dollars; reserved against the budget before dispatch. */
    cost_usd: z.number().min(0).optional(),
    /** What the capability needs; a run that does not grant all of it cannot use it. */
    permissions: z.array(Permission).optional(),
  };

  const CommandCapability = z.strictObject({
    kind: z.literal('command'),
    ...capabilityTerms,
    /** argv, never a shell string; each argument may hold `{{ expr }}` templates over `input` and `inputs`. */
    command: z.array(z.string()).min(1, 'command needs at least the program to run'),
    /** Default timeout for every attempt on this capability; a step's own `timeout` wins. */
    timeout: PositiveDuration.optional(),
    /**
     * The directory the command runs in. In a plan file it (and the default, `.`) is relative to
     * the plan file's directory, so `[node, scripts/work.mjs]` finds the script next to the plan
     * wherever `baton` is started; in a plan given as text or data, to the engine's directory.
     */
    cwd: z.string().min(1, "cwd cannot be empty (leave it out for the plan file's directory)").optional(),
  });

  /** A person: the step waits until someone submits its result (`baton submit RUN STEP`). */
  const HumanCapability = z.strictObject({
    kind: z.literal('human'),
    ...capabilityTerms,
  });

  /**
   * An HTTP endpoint: the step's input as a JSON body to `url` (plain or a template over `input` and
   * `inputs`). Secrets are named by environment variable, never written here: `headers_env` maps a
   * header to the variable holding its value, `secret_env` the HMAC key that signs each request.
   */
  const HttpCapability = z.strictObject({
    kind: z.literal('http'),
    ...capabilityTerms,
    url: HttpUrl,
    /** Default POST. GET sends no body. */
    method: z.enum(HTTP_METHODS).optional(),
    /** Header name -> the environment variable holding its value (read per attempt, redacted like any secret). */
    headers_env: z
      .record(HttpHeaderName, EnvironmentVariable)
      .refine(
        (headers) =>
          new Set(Object.keys(headers).map((name) => name.toLowerCase())).size === Object.keys(headers).length,
        {
          message: 'header names are case-insensitive: name each header once',
        },
      )
      .optional(),
    /** The variable holding the HMAC-SHA256 key; each request then carries `Baton-Timestamp` and `Baton-Signature`. */
    secret_env: EnvironmentVariable.optional(),
    /** Larger response bodies fail the attempt; reading stops at the limit. Default 1 MiB. */
    max_response_bytes: z.int().min(1).max(HTTP_MAX_RESPONSE_BYTES_LIMIT).optional(),
    /** Default timeout for every attempt on this capability; a step's own `timeout` wins. */
    timeout: PositiveDuration.optional(),
  });

  /** An MCP server Baton starts and talks to over stdin/stdout. */
  const McpStdioServer = z.strictObject({
    /** argv of the server, never a shell string; a relative program or path is relative to `cwd`. */
    command: z.array(z.string().min(1)).min(1, 'command needs at least the program to run'),
    /**
     * Variables the server gets, each from a variable of Baton's environment (`{ API_KEY: MY_API_KEY }`),
     * besides a few harmless ones (PATH, HOME, ...): never the rest of Baton's environment. Names only:
     * the values are secrets, redacted from everything an attempt reports.
     */
    env_from: z.record(EnvironmentVariable, EnvironmentVariable).optional(),
    /** The directory the server runs in; in a plan file relative to the plan file's directory (default: it). */
    cwd: z.string().min(1, "cwd cannot be empty (leave it out for the plan file's directory)").optional(),
  });

  /** An MCP server Baton reaches over streamable HTTP. */
  const McpHttpServer = z.strictObject({
    url: z.url({ protocol: /^https?$/, error: 'url is an http(s) URL of an MCP endpoint' }),
    /**
     * Request headers, each set to the value of a variable of Baton's environment
     * (`{ Authorization: MCP_AUTHORIZATION }`). Names only: the values are secrets, redacted from
     * everything an attempt reports.
     */
    headers_env: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), EnvironmentVariable).optional(),
  });

  /** One call of one tool on an MCP server: the step's input is the tool's arguments. */
  const McpCapability = z.strictObject({
    kind: z.literal('mcp'),
    ...capabilityTerms,
    server: z.union([McpStdioServer, McpHttpServer]),
    /** The tool to call; pre-flight refuses the plan when the server does not offer it. */
    tool: z.string().min(1, 'tool names the tool the server offers'),
    /** Default timeout for every attempt on this capability; a step's own `timeout` wins. */
    timeout: PositiveDuration.optional(),
  });

  /** US dollars per million tokens. */
  const PerMillionTokens = z.number().min(0);

  /** A provider limit's name in a workspace registry's `limits:` (core/provider-limits.ts). */
  const LimitKey = id('a limit key').regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/,
    'a limit key is letters, digits, _, ., : and - (e.g. openai)',
  );

  /** The model an `llm` or `agent` capability calls, its bounds and its price. */
  const llmModelTerms = {
    /** `openai-compatible` serves Ollama, vLLM, LM Studio, llama.cpp server and the like at `base_url`. */
    provider: z.enum(['openai', 'anthropic', 'openai-compatible']),
    model: z.string().min(1, 'model names the model, e.g. gpt-4o-mini'),
    base_url: z
      .url({ protocol: /^https?$/, error: 'base_url is an http(s) URL, e.g. http://127.0.0.1:11434/v1' })
      .optional(),
    /** The environment variable that holds the API key; its value is a secret, redacted from everything recorded. */
    api_key_env: EnvironmentVariable.optional(),
    system: z.string().optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** A prompt estimated longer fails its attempt before any call, so the reserved worst case holds. */
    max_input_tokens: z.int().min(1).optional(),
    /** Passed to the model as its limit. */
    max_output_tokens: z.int().min(1).optional(),
    price: z
      .strictObject({
        input_per_mtok: PerMillionTokens,
        output_per_mtok: PerMillionTokens,
        /** Default: the input price. */
        cached_input_per_mtok: PerMillionTokens.optional(),
      })
      .optional(),
    timeout: PositiveDuration.optional(),
    /**
     * The provider limit its calls draw on (the workspace registry's `limits:`); default: its
     * provider. Name one to share a limit between capabilities of different providers, or to
     * keep an `openai-compatible` server's limit apart from another's.
     */
    limit: LimitKey.optional(),
  };

  /**
   * A model called through the Vercel AI SDK: one prompt in, one answer (text, or JSON that
   * matches `output_schema`) out. Its worst case, `max_input_tokens` at the input price plus
   * `max_output_tokens` at the output price, is reserved before dispatch; the usage the provider
   * reports settles it. The API key is named by its environment variable, never written here.
   */
  const LlmCapability = z
    .strictObject({
      kind: z.literal('llm'),
      ...capabilityTerms,
      ...llmModelTerms,
      /** A template over `input` and `inputs`; default: the step's input, as it is when text, else as JSON. */
      prompt: z.string().min(1, 'prompt cannot be empty (leave it out to send the step input)').optional(),
      /** A JSON Schema: the answer is structured output, validated against it. */
      output_schema: z.record(z.string(), z.json()).optional(),
      /**
       * Stream the answer: its text so far reaches progress and the event stream while it is
       * written (never the ledger, which records the final answer as without it).
       */
      stream: z.boolean().optional(),
    })
    .superRefine((capability, ctx) => {
      checkLlmModelTerms(capability, ctx);
      if (capability.output_schema !== undefined) {
        try {
          z.fromJSONSchema(capability.output_schema as Parameters<typeof z.fromJSONSchema>[0]);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            path: ['output_schema'],
            message: `output_schema is not a JSON Schema Baton can check answers with: ${(error as Error).message}`,
          });
        }
      }
    });

  /** `SERVER/TOOL`: a tool of one of an agent's servers. */
  const AgentToolName = z
    .string()
    .regex(/^[A-Za-z0-9_-]+\/[^/\s]+$/, 'a tool is named SERVER/TOOL, e.g. files/read_text_file');

  /** A tool a step lets its agent call: `TOOL` (on any of the agent's servers) or `SERVER/TOOL`. */
  const StepToolName = z
    .string()
    .regex(
      /^(?:[A-Za-z0-9_-]+\/)?[^/\s]+$/,
      'a tool is named TOOL or SERVER/TOOL, e.g. read_text_file or files/read_text_file',
    );

  /**
   * A model in a tool loop: given a mission (and its success criteria), it calls the MCP tools its
   * allow-list names on the servers it names, step by step, until it answers or `max_steps` is
   * reached. Every tool call is recorded; one whose arguments leave the step's scope or whose
   * continuation would pass the attempt's reserved cost is refused. Its worst case is `max_steps`
   * model calls at the `llm` worst case each.
   */
  const AgentCapability = z
    .strictObject({
      kind: z.literal('agent'),
      ...capabilityTerms,
      ...llmModelTerms,
      /** A template over `input` and `inputs`; default: the step's input, as it is when text, else as JSON. */
      mission: z.string().min(1, 'mission cannot be empty (leave it out to send the step input)').optional(),
      /** Told to the model with the mission: what a finished mission looks like. */
      success_criteria: z.string().min(1).optional(),
      /** Model calls in the loop at most (each answer to tool results is one). */
      max_steps: z.int().min(1).max(100).optional(),
      /** The MCP servers the agent's tools come from, by a name of your own. */
      servers: z.record(
        z.string().regex(/^[A-Za-z0-9_-]+$/, 'a server name is letters, digits, _ and -'),
        z.union([McpStdioServer, McpHttpServer]),
      ),
      /** The only tools the model is offered, as SERVER/TOOL; every other tool of the servers stays hidden. */
      tools: z.array(AgentToolName).min(1, 'tools lists at least one SERVER/TOOL the agent may call'),
    })
    .superRefine((capability, ctx) => {
      checkLlmModelTerms(capability, ctx);
      capability.tools.forEach((tool, i) => {
        const server = tool.split('/')[0] ?? '';
        if (!Object.hasOwn(capability.servers, server))
          ctx.addIssue({
            code: 'custom',
            path: ['tools', i],
            message: `no server "${server}" in servers (it names: ${Object.keys(capability.servers).join(', ') || 'none'})`,
          });
      });
    });

  /** Capability kinds a plan file can declare. `function` capabilities are registered in code. */
  const PlanCapability = z.discriminatedUnion('kind', [
    CommandCapability,
    HumanCapability,
    HttpCapability,
    McpCapability,
    LlmCapability,
    AgentCapability,
  ]);

  /** Limits a run (or one step) works within; every one is enforced before dispatch, except `secrets`, applied to what attempts report. */
  const Constraints = z.strictObject({
    /** The whole run must end within this long after it was created; then it ends `timed_out`. */
    deadline: PositiveDuration.optional(),
    /** Money ceiling in US dollars: worst-case costs are reserved before dispatch, so it is never exceeded. */
    budget_usd: z.number().min(0).optional(),
    /** Attempts running at once across the run. */
    max_parallel: z.int().min(1).optional(),
    /** Capability kinds the run may use (default: all). */
    allow: z.array(CapabilityKind).optional(),
    /** Permissions granted; a capability that needs one not listed here is denied. */
    permissions: z.array(Permission).optional(),
    /**
     * Paths (`./out`, `/srv/data`), http(s) URLs (`https://api.example.com/v1`) and hosts
     * (`api.example.com`) capabilities may touch; entries are checked by `scopeIssues`, and
     * command arguments against them by `argumentOutsideScope` (governance/scope*.ts).
     */
    scope: z.array(z.string().min(1)).optional(),
    /** Steps that need a person's yes before they are dispatched. */
    confirm: z.array(StepId).optional(),
    /**
     * Environment variables whose values are secrets, besides those whose names match the
     * secret patterns (`*_KEY`, `*_TOKEN`, ...): their values are replaced by `[redacted:NAME]`
     * in everything an attempt reports. Names only: a value never belongs in a plan.
     */
    secrets: z.array(EnvironmentVariable).optional(),
  });

  /** A step's own limits: they can only narrow the run's. */
  const StepConstraints = Constraints.pick({ budget_usd: true, allow: true, permissions: true, scope: true });

  const PhaseId = id('a phase id').regex(
    /^[A-Za-z_][A-Za-z0-9_-]*$/,
    'a phase id is a letter or _ followed by letters, digits, _ or -',
  );

  /** What an evidence gate (or requirement) needs: artifacts present and sealed, check steps succeeded. */
  const EvidenceRequirement = z.strictObject({
    /** Artifacts (`step/file`) that must exist and be sealed. */
    artifacts: z.array(z.string().min(1)).optional(),
    /** Steps that must have succeeded (their `check`, if any, included). */
    checks: z.array(StepId).optional(),
  });

  /**
   * Another run's sealed artifact, as a gate requires it: `run` is a run id or `NAME@latest`
   * (the newest run of the plan named NAME), `artifact` is `step/file` in that run. The engine
   * checks it (the run's chain verifies, the artifact is sealed) at pre-flight and again at the gate.
   */
  const PrerequisiteRequirement = z.strictObject({
    run: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(@latest)?$/,
        'a prerequisite run is a run id or NAME@latest (letters, digits, ., _ or -)',
      ),
    artifact: z.string().regex(/^[^/]+\/.+$/, 'an artifact is named STEP/FILE (e.g. "build/report.json")'),
    /** Only sealed artifacts can be required: an unsealed one could change after the gate opened. */
    sealed: z.literal(true, 'a prerequisite artifact must be sealed: write `sealed: true`'),
  });

  /** A role of the workspace registry (`roles:`), named where a gate counts its members. */
  const GateRole = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a role name is letters, digits, _, . and -');

  /**
   * `approval: true` is one person; `approval: { count: N }` is N distinct people;
   * `approval: { count: N, role: R }` is N distinct members of the workspace registry's role R,
   * as the run pinned them when it was created.
   */
  const ApprovalRequirement = z.union([
    z.literal(true),
    z.strictObject({
      count: z.int().min(1, 'count is at least 1').max(10, 'count is at most 10'),
      role: GateRole.optional(),
    }),
  ]);

  /** One requirement of a composed gate (`gate: { all: [...] }`): every one must hold. */
  const GateRequirement = z.union([
    z.strictObject({ approval: ApprovalRequirement }),
    z.strictObject({ evidence: EvidenceRequirement }),
    z.strictObject({ policy: Expression }),
    z.strictObject({ requires: PrerequisiteRequirement }),
  ]);

  /**
   * Whether a person may let a closed gate through anyway: `never`, or `{ approval_by: [...] }`,
   * the principals who may, or `{ approval_by: ROLE }`, the members of a registry role (with
   * `baton override`, a distinct act with its own reason).
   */
  const GateOverride = z.union([
    z.literal('never'),
    z.strictObject({
      approval_by: z.union([z.array(z.string().min(1)).min(1, 'name at least one principal'), GateRole]),
    }),
  ]);

  const Gate = z.union([
    z.strictObject({ approval: z.literal(true) }),
    z.strictObject({ evidence: EvidenceRequirement }),
    z.strictObject({ policy: Expression }),
    /** A composed gate: every requirement must hold; `override` defaults to `never`. */
    z.strictObject({
      all: z.array(GateRequirement).min(1, 'a composed gate lists at least one requirement'),
      override: GateOverride.optional(),
    }),
  ]);

  const Phase = z.union([
    PhaseId,
    z.strictObject({
      id: PhaseId,
      /** What must hold before this phase opens. */
      gate: Gate.optional(),
      /** When some steps of the phase before failed and others did not: `block` (default) escalates, `continue` opens this phase anyway. */
      on_partial: z.enum(['block', 'continue']).optional(),
    }),
  ]);

  const Consensus = z.strictObject({
    /** How many distinct capabilities run the step. */
    n: z.int().min(2).max(10),
    agree: z.enum(['all', 'majority']),
    /**
     * `exact` (same JSON text), `json` (same value, any key order), a CEL expression over `a` and
     * `b`, or a judge: `judge` (a capability with skill `judge`) or `{ judge: SKILL }` decides
     * whether the votes agree, and its verdict and reasons are recorded.
     */
    compare: z
      .union([
        z.literal('exact'),
        z.literal('json'),
        z.literal('judge'),
        z.strictObject({ judge: SkillName }),
        Expression,
      ])
      .optional(),
  });

  const Check = z.strictObject({
    /** The capability that proves the step's work: it gets the step's output as input unless `input` says otherwise. */
    capability: CapabilityId,
    input: z.json().optional(),
  });

  const After = z.union([
    z.array(StepId),
    z.strictObject({ any: z.array(StepId).min(1) }),
    z.strictObject({ count: z.int().min(1), of: z.array(StepId).min(1) }),
  ]);

  const Retry = z.strictObject({
    /** Retries after the first attempt. */
    max: z.int().min(0).max(100),
    /** Wait before the first retry; doubles for each further retry. Default 0. */
    backoff: Duration.optional(),
  });

  /** A circuit breaker per capability within a run: it keeps a failing capability out of routing for a while. */
  const Breaker = z.strictObject({
    /** Retryable failures in a row of one capability that make it unavailable. */
    failures: z.int().min(1).max(100),
    /** How long it stays unavailable; then the next dispatch may try it again (one success closes the circuit). */
    cool_down: PositiveDuration,
  });

  /** How the conductor routes around failing capabilities. Absent: a retry goes where the step was routed. */
  const Routing = z.strictObject({
    /** A retry after a retryable failure goes to the next-best allowed capability offering the skill, when there is one. */
    fallback: z.boolean().optional(),
    breaker: Breaker.optional(),
  });

  const Repeat = z.strictObject({
    until: Expression,
    max: z.int().min(1).max(10_000),
  });

  /** A context entry's id as `baton context` prints it: an objective `obj-N`, a task `task-N`. */
  const OpenContextId = z
    .string()
    .regex(/^(obj|task)-[1-9][0-9]{0,8}$/, 'an open objective or task id like obj-1 or task-2');

  /**
   * What a step records in the workspace context when it succeeds (`baton context`): an insight
   * (a template, rendered like the step's input, which may read the step's own output), and the
   * objective or task it completes, with an outcome (a template too; by default it names the run
   * and step). Written once, in the same transaction as the ledger event that says so.
   */
  const Records = z
    .strictObject({
      insight: z.string().min(1).max(10_000).optional(),
      completes: OpenContextId.optional(),
      outcome: z.string().min(1).max(10_000).optional(),
    })
    .refine((records) => records.insight !== undefined || records.completes !== undefined, {
      message: '`records` needs `insight` (something learned) or `completes` (an objective or task id), or both',
    })
    .refine((records) => records.outcome === undefined || records.completes !== undefined, {
      message: '`outcome` says how what `completes` names ended; add `completes: obj-N` or drop `outcome`',
      path: ['outcome'],
    });

  const Step = z
    .strictObject({
      description: Description.optional(),
      /** The skill to route by; or a template (`{{ item.skill }}`) rendered per item of a `for_each` at dispatch. */
      skill: z.union([SkillName, SkillTemplate]).optional(),
      capability: CapabilityId.optional(),
      after: After.optional(),
      when: Expression.optional(),
      for_each: Expression.optional(),
      concurrency: z.int().min(1).optional(),
      repeat: Repeat.optional(),
      input: z.json().optional(),
      retry: Retry.optional(),
      timeout: PositiveDuration.optional(),
      /** `fail` (default) fails the run, `continue` lets it go on, `escalate` waits for an operator. */
      on_failure: z.enum(['fail', 'continue', 'escalate']).optional(),
      phase: PhaseId.optional(),
      constraints: StepConstraints.optional(),
      /** Need a person's yes before dispatch (as if listed in `constraints.confirm`). */
      confirm: z.boolean().optional(),
      /** Wait for a named signal (`baton signal RUN NAME`), or the first of several. */
      await: z.strictObject({ signal: z.union([SkillName, z.array(SkillName).min(1)]) }).optional(),
      consensus: Consensus.optional(),
      /** Run this capability with the step's output as input if the run is aborted after the step completed. */
      compensate: CapabilityId.optional(),
      /** Infrastructure: skills this step makes work; capabilities offering them are routable only once it (and its check) succeeded. */
      builds: z.array(SkillName).min(1).optional(),
      check: Check.optional(),
      /** Seal the artifacts the step writes: any later change fails `baton verify`. */
      seal: z.boolean().optional(),
      /** For a step on an `agent`: the only ones of its tools the model is offered (it narrows, never adds). */
      tools: z.array(StepToolName).min(1, 'tools lists at least one TOOL or SERVER/TOOL').optional(),
      /** Recorded in the workspace context when the step succeeds: an insight, an objective or task completed. */
      records: Records.optional(),
      /**
       * A sub-plan run as a child run: a plan file (relative to this plan file's directory) or a
       * plan written inline. Files are read when the run is admitted and recorded inline, so the
       * ledger holds the child plan and replay never reads a file. Its constraints are narrowed by
       * the parent's, never widened (core/sub-plan.ts).
       */
      plan: z
        .union([
          z.string().min(1, 'plan names a plan file (e.g. ./team.yaml) or is a plan written inline'),
          z.record(z.string(), z.json()),
        ])
        .optional(),
    })
    .superRefine((step, ctx) => {
      if (step.plan !== undefined) {
        const clash = (
          ['skill', 'capability', 'await', 'for_each', 'repeat', 'consensus', 'check', 'tools'] as const
        ).find((field) => step[field] !== undefined);
        if (clash !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: `a step with \`plan\` runs that plan as a child run; it cannot also have \`${clash}\` (put that in a step of its own)`,
            path: [clash],
          });
        return;
      }
      const routed = step.skill !== undefined || step.capability !== undefined;
      if (step.skill !== undefined && step.capability !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'a step needs exactly one of `skill` (routed to the strongest capability) or `capability` (pinned)',
          path: ['capability'],
        });
      } else if (!routed && step.await === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'a step needs `skill` (routed to the strongest capability), `capability` (pinned), `plan` (a sub-plan) or `await` (it waits for a signal)',
          path: [],
        });
      }
      if (step.consensus !== undefined && step.skill === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: '`consensus` needs a `skill`: it runs on several capabilities that offer it',
          path: ['consensus'],
        });
      }
      if (step.consensus !== undefined && (step.for_each !== undefined || step.repeat !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: '`consensus` cannot be combined with `for_each` or `repeat` (put the loop in its own step)',
          path: ['consensus'],
        });
      }
      if (
        step.check !== undefined &&
        (step.for_each !== undefined || step.repeat !== undefined || step.consensus !== undefined || !routed)
      ) {
        ctx.addIssue({
          code: 'custom',
          message:
            '`check` applies to a plain step with a skill or capability (not `for_each`, `repeat`, `consensus` or a pure `await`)',
          path: ['check'],
        });
      }
      if (step.skill !== undefined && step.skill.includes('{{')) {
        const clash = step.for_each === undefined ? 'for_each' : step.consensus !== undefined ? 'consensus' : null;
        if (clash !== null)
          ctx.addIssue({
            code: 'custom',
            message:
              clash === 'for_each'
                ? 'a skill template (`{{ ... }}`) is rendered per item: it needs `for_each` (write a plain skill otherwise)'
                : '`consensus` needs a written skill, not a template: its capabilities are chosen before any item is known',
            path: ['skill'],
          });
      }
      if (step.concurrency !== undefined && step.for_each === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: '`concurrency` only applies to a `for_each` step',
          path: ['concurrency'],
        });
      }
      if (step.for_each !== undefined && step.repeat !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'a step cannot have both `for_each` and `repeat` (put the loop in its own step)',
          path: ['repeat'],
        });
      }
    });

  /** A risk's name in the plan's `risks:` register, e.g. `data-leak` or `R7`. */
  const RiskId = id('a risk id').regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
    'a risk id is letters, digits, _, . and - (for example `data-leak` or `R7`)',
  );

  /**
   * One control that mitigates a risk, naming something the plan has; pre-flight checks that it is
   * there (governance/risks.ts). Exactly one key each:
   * - `gate: PHASE`: the phase has a gate (approval, evidence or policy);
   * - `approval: PHASE`: the phase's gate is a person's approval;
   * - `check: STEP`: the step has a `check`;
   * - `budget: true` / `budget: STEP`: the run has `constraints.budget_usd` / the step works within one (its own or the run's);
   * - `scope: true` / `scope: STEP`: the run has `constraints.scope` / the step works within one (its own or the run's);
   * - `confirm: STEP`: the step needs a person's yes before dispatch;
   * - `consensus: STEP`: the step runs on several capabilities that must agree.
   */
  const RiskControl = z.union(
    [
      z.strictObject({ gate: PhaseId }),
      z.strictObject({ approval: PhaseId }),
      z.strictObject({ check: StepId }),
      z.strictObject({ budget: z.union([z.literal(true), StepId]) }),
      z.strictObject({ scope: z.union([z.literal(true), StepId]) }),
      z.strictObject({ confirm: StepId }),
      z.strictObject({ consensus: StepId }),
    ],
    {
      error:
        'a control is one of { gate: PHASE }, { approval: PHASE }, { check: STEP }, { budget: true | STEP }, { scope: true | STEP }, { confirm: STEP }, { consensus: STEP }',
    },
  );

  /** A risk the plan declares, and the controls that mitigate it; a risk without a present control refuses the plan. */
  const Risk = z.strictObject({
    description: Description.min(1, 'a risk needs a description: what could go wrong'),
    controls: z.array(RiskControl),
  });

  /**
   * Replanning: when a step escalates, the planner (a capability with skill `plan` in the
   * workspace registry) is asked for a revision of the steps not yet done, at most `max` times
   * in the run. The proposal waits for a person's approval (`approve: person`, the default) or is
   * adopted at once (`approve: auto`); either way the escalation stays answerable meanwhile.
   */
  const Replan = z.strictObject({
    on: z.literal('escalation', 'replanning happens `on: escalation` (the only trigger so far)'),
    max: z.int().min(1).max(10),
    approve: z.enum(['person', 'auto']).optional(),
  });

  const Plan = z.strictObject({
    baton: z.literal(1, 'the plan language version; this Baton reads `baton: 1`'),
    name: z
      .string()
      .min(1, 'a plan needs a name')
      .max(PLAN_LIMITS.name, `a plan name is at most ${PLAN_LIMITS.name} characters`),
    objective: z
      .string()
      .max(PLAN_LIMITS.objective, `an objective is at most ${PLAN_LIMITS.objective.toLocaleString('en-US')} characters`)
      .optional(),
    inputs: z
      .record(id('an input name').regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an input name is an identifier'), InputDeclaration)
      .optional(),
    capabilities: z.record(CapabilityId, PlanCapability).optional(),
    constraints: Constraints.optional(),
    routing: Routing.optional(),
    /** Ordered phases; a phase opens when the one before is complete and its gate passes. */
    phases: z.array(Phase).min(1).optional(),
    steps: z.record(StepId, Step).refine((steps) => Object.keys(steps).length > 0, 'a plan needs at least one step'),
    /** The risk register: risk id -> what could go wrong and the controls of this plan that mitigate it. */
    risks: z.record(RiskId, Risk).optional(),
    replan: Replan.optional(),
  });

  /**
   * The plan with its steps taken as they are: checkPlan parses a plan whose steps are all plain
   * (plain-steps.ts) with it, and puts the plain steps in; the steps' key keeps its place.
   */
  const PlanWithPlainSteps = Plan.extend({ steps: z.unknown() });

  return {
    StepId,
    CapabilityId,
    SkillName,
    SkillTemplate,
    Duration,
    PositiveDuration,
    Expression,
    InputType,
    InputDeclaration,
    Skills,
    Permission,
    EnvironmentVariable,
    CapabilityKind,
    CommandCapability,
    HumanCapability,
    HttpCapability,
    McpStdioServer,
    McpHttpServer,
    McpCapability,
    LimitKey,
    LlmCapability,
    AgentCapability,
    PlanCapability,
    Constraints,
    StepConstraints,
    PhaseId,
    EvidenceRequirement,
    PrerequisiteRequirement,
    ApprovalRequirement,
    GateRequirement,
    GateOverride,
    Gate,
    Phase,
    Consensus,
    Check,
    After,
    Retry,
    Breaker,
    Routing,
    Repeat,
    OpenContextId,
    Records,
    Step,
    RiskId,
    RiskControl,
    Risk,
    Replan,
    Plan,
    PlanWithPlainSteps,
  };
}

export type PlanSchemas = ReturnType<typeof buildPlanSchemas>;

/** The plan language's zod schemas (`planSchemas().Plan.safeParse(data)`), built on the first call. */
export const planSchemas = builtOnFirstUse(buildPlanSchemas);

export type Plan = z.infer<PlanSchemas['Plan']>;
export type Step = z.infer<PlanSchemas['Step']>;
export type After = z.infer<PlanSchemas['After']>;
export type PlanCapability = z.infer<PlanSchemas['PlanCapability']>;
export type CommandCapability = z.infer<PlanSchemas['CommandCapability']>;
export type HttpCapability = z.infer<PlanSchemas['HttpCapability']>;
export type McpCapability = z.infer<PlanSchemas['McpCapability']>;
export type LlmCapability = z.infer<PlanSchemas['LlmCapability']>;
export type AgentCapability = z.infer<PlanSchemas['AgentCapability']>;
export type InputDeclaration = z.infer<PlanSchemas['InputDeclaration']>;
export type InputType = z.infer<PlanSchemas['InputType']>;
export type Constraints = z.infer<PlanSchemas['Constraints']>;
export type Gate = z.infer<PlanSchemas['Gate']>;
export type GateRequirement = z.infer<PlanSchemas['GateRequirement']>;
export type GateOverride = z.infer<PlanSchemas['GateOverride']>;
export type PrerequisiteRequirement = z.infer<PlanSchemas['PrerequisiteRequirement']>;
export type Phase = z.infer<PlanSchemas['Phase']>;
export type Consensus = z.infer<PlanSchemas['Consensus']>;
export type Routing = z.infer<PlanSchemas['Routing']>;
export type Risk = z.infer<PlanSchemas['Risk']>;
export type Replan = z.infer<PlanSchemas['Replan']>;
export type RiskControl = z.infer<PlanSchemas['RiskControl']>;
export type CapabilityKind = z.infer<PlanSchemas['CapabilityKind']>;

/** The plan language as JSON Schema (draft 2020-12), for editors and other tools. */
export function planJsonSchema(): Record<string, unknown> {
  return {
    title: 'Baton plan (v1)',
    ...zodPackage().z.toJSONSchema(planSchemas().Plan, { target: 'draft-2020-12', io: 'input' }),
  };
}
