import fc from 'fast-check';

/**
 * Valid plans built from the schema's rules (src/core/plan/schema.ts and validate.ts): every
 * skill a step asks for is offered, `after` only names earlier steps (so there is no cycle),
 * `count` fits `of`, expressions read only steps the reader runs after, defaults have their
 * declared type. The mutations below start from these (and from examples/) so that the
 * validator's deep paths are reached, not only its first "expected an object".
 */

const SKILLS = ['build', 'test', 'ship', 'review'] as const;

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
const capabilityId = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}$/);
const duration = fc
  .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('ms', 's', 'm', 'h', 'd'))
  .map(([n, unit]) => `${n}${unit}`);
/** Text that holds no template: `{{` would make it an expression. */
const plainText = fc.string({ maxLength: 20 }).filter((text) => !text.includes('{{'));

const inputDeclaration = fc.oneof(
  fc.record({ type: fc.constant('string'), default: plainText }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('integer'), default: fc.integer() }, { requiredKeys: ['type'] }),
  fc.record(
    {
      type: fc.constant('number'),
      default: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('boolean'), default: fc.boolean() }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('list'), default: fc.array(plainText, { maxLength: 3 }) }, { requiredKeys: ['type'] }),
  fc.record(
    { type: fc.constant('object'), default: fc.dictionary(identifier, plainText, { maxKeys: 3 }) },
    { requiredKeys: ['type'] },
  ),
);

const commandCapability = fc.record(
  {
    kind: fc.constant('command'),
    command: fc
      .tuple(
        fc.constantFrom('node', 'echo', './tool'),
        fc.array(fc.oneof(plainText, fc.constant('{{ input }}'), fc.constant('--n={{ inputs.size() }}')), {
          maxLength: 3,
        }),
      )
      .map(([program, args]) => [program, ...args]),
    skills: fc.dictionary(fc.constantFrom(...SKILLS), fc.double({ min: 0.01, max: 1, noNaN: true }), {
      minKeys: 1,
      maxKeys: 3,
    }),
    timeout: duration,
    description: plainText,
    cost_usd: fc.double({ min: 0, max: 10, noNaN: true }),
  },
  { requiredKeys: ['kind', 'command', 'skills'] },
);

/** A step's optional fields that depend on the steps before it. */
function stepArbitrary(
  earlier: readonly string[],
  skills: readonly string[],
  capabilityIds: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const after =
    earlier.length === 0
      ? fc.constant(undefined)
      : fc.oneof(
          fc.uniqueArray(fc.constantFrom(...earlier), { maxLength: earlier.length }),
          fc
            .uniqueArray(fc.constantFrom(...earlier), { minLength: 1, maxLength: earlier.length })
            .map((any) => ({ any })),
          fc
            .uniqueArray(fc.constantFrom(...earlier), { minLength: 1, maxLength: earlier.length })
            .chain((of) => fc.integer({ min: 1, max: of.length }).map((count) => ({ count, of }))),
        );
  return after.chain((rule) => {
    const deps = rule === undefined ? [] : Array.isArray(rule) ? rule : 'any' in rule ? rule.any : rule.of;
    const reads =
      deps.length === 0 ? ['inputs.size()'] : deps.flatMap((dep) => [`steps.${dep}.output`, `steps.${dep}.status`]);
    const when = fc.constantFrom(
      'true',
      'inputs.size() >= 0',
      ...deps.map((dep) => `steps.${dep}.status == "succeeded"`),
    );
    const input = fc.dictionary(
      identifier,
      fc.oneof(
        plainText,
        fc.integer(),
        fc.boolean(),
        fc.constantFrom(...reads).map((read) => `{{ ${read} }}`),
        fc.constantFrom(...reads).map((read) => `got {{ ${read} }}!`),
      ),
      { maxKeys: 4 },
    );
    const routed =
      skills.length > 0 && capabilityIds.length > 0
        ? fc.oneof(
            fc.constantFrom(...skills).map((skill) => ({ skill })),
            fc.constantFrom(...capabilityIds).map((capability) => ({ capability })),
          )
        : fc.constant({ await: { signal: 'go' } });
    return fc
      .tuple(
        routed,
        fc.record(
          {
            description: plainText,
            when,
            input,
            retry: fc.record({ max: fc.integer({ min: 0, max: 100 }), backoff: duration }, { requiredKeys: ['max'] }),
            timeout: duration,
            on_failure: fc.constantFrom('fail', 'continue', 'escalate'),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([route, rest]) => ({ ...route, ...(rule !== undefined && { after: rule }), ...rest }));
  });
}

/** A plan the validator accepts. */
export const validPlan: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      name: fc.string({ minLength: 1, maxLength: 20 }),
      objective: plainText,
      inputs: fc.dictionary(identifier, inputDeclaration, { maxKeys: 4 }),
      capabilities: fc.dictionary(capabilityId, commandCapability, { maxKeys: 3 }),
      stepIds: fc.uniqueArray(identifier, { minLength: 1, maxLength: 6 }),
    },
    { requiredKeys: ['name', 'capabilities', 'stepIds'] },
  )
  .chain(({ stepIds, capabilities, ...head }) => {
    const skills = [...new Set(Object.values(capabilities).flatMap((capability) => Object.keys(capability.skills)))];
    const capabilityIds = Object.keys(capabilities);
    return fc
      .tuple(...stepIds.map((id, i) => stepArbitrary(stepIds.slice(0, i), skills, capabilityIds)))
      .map((steps) => ({
        baton: 1,
        ...head,
        ...(capabilityIds.length > 0 && { capabilities }),
        steps: Object.fromEntries(stepIds.map((id, i) => [id, steps[i]])),
      }));
  });

type Path = (string | number)[];

/** Every path in a JSON value, the root included. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const paths: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

function setAt(
  root: unknown,
  path: Path,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return copy;
  let parent = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  change(parent, path.at(-1) as string | number);
  return copy;
}

/** Values that are wrong in interesting ways: other types, bad names, expressions that do not compile. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    '',
    '{{',
    '{{ }}',
    '{{ steps }}',
    '{{ steps[inputs.k] }}',
    'bad-id',
    '1m30s',
    '-1s',
    'steps.nope.output',
    'inputs.x &&',
    'a'.repeat(5_000),
    '__proto__',
    'constructor',
  ),
  fc.constantFrom(-1, 0, 1.5, 2, 1e308, Number.MAX_SAFE_INTEGER + 2, null, true, [], {}),
);

/** One small change to a valid plan: drop, replace or add a field anywhere in it. */
export function mutate(plan: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(plan);
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.constantFrom('delete', 'replace', 'add', 'rename'),
      hostileValue,
      fc.oneof(identifier, fc.constantFrom('__proto__', 'retries', 'baton', 'after')),
    )
    .map(([path, how, value, key]) => {
      if (path.length === 0) return how === 'replace' ? value : plan;
      return setAt(plan, path, (parent, last) => {
        if (how === 'delete') {
          if (Array.isArray(parent)) parent.splice(Number(last), 1);
          else delete parent[last];
        } else if (how === 'replace') parent[last] = value;
        else if (how === 'rename' && !Array.isArray(parent)) {
          const moved = parent[last];
          delete parent[last];
          Object.defineProperty(parent, key, { value: moved, enumerable: true, writable: true, configurable: true });
        } else if (parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last])) {
          Object.defineProperty(parent[last], key, { value, enumerable: true, writable: true, configurable: true });
        } else parent[last] = value;
      });
    });
}
