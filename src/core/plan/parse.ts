import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { yamlPackage } from '../deferred-packages.js';
import type { z } from 'zod';
import { cut, PlanError, type PlanIssue } from '../errors.js';
import { pathOf, textTooDeep, tooDeep, tooDeepMessage, type WalkedValue } from '../nesting.js';
import type { Registry } from '../registry.js';
import { planSchemas, type Plan, type PlanSchemas } from './schema.js';
import { plainSteps } from './plain-steps.js';
import { inlineSubPlanIssues } from './sub-plans.js';
import { validatePlan } from './validate.js';

/** A parsed YAML/JSON document that can point at the line and column of any path in it. */
export interface PlanSource {
  file: string | undefined;
  locate(path: readonly (string | number)[], at?: 'key' | 'value'): { line: number; column: number } | undefined;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

/** Where, inside `value`, a number too large for a double (YAML `1e400`, read as Infinity) is. */
function nonFiniteAt(value: unknown, path: (string | number)[]): (string | number)[] | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = nonFiniteAt(child, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return undefined;
}

const GATE_KINDS = ['approval', 'evidence', 'policy', 'all'] as const;
const REQUIREMENT_KINDS = ['approval', 'evidence', 'policy', 'requires'] as const;
const REQUIREMENT_FORMS =
  '{approval: true}, {approval: {count: N}}, {approval: {count: N, role: ROLE}}, {evidence: {artifacts: [...], checks: [...]}}, {policy: EXPRESSION} or {requires: {run: ID | NAME@latest, artifact: STEP/FILE, sealed: true}}';

/** One requirement of a composed gate that matched no form: explain the form its key names, or list the forms. */
function explainRequirement(
  issue: z.core.$ZodIssueInvalidUnion,
  path: (string | number)[],
  data: unknown,
): PlanIssue[] {
  const value = valueAt(data, path);
  const kinds =
    value !== null && typeof value === 'object' ? REQUIREMENT_KINDS.filter((kind) => Object.hasOwn(value, kind)) : [];
  const branch =
    kinds.length === 1
      ? issue.errors[REQUIREMENT_KINDS.indexOf(kinds[0] as (typeof REQUIREMENT_KINDS)[number])]
      : undefined;
  if (branch === undefined)
    return [
      {
        path,
        message: `a requirement holds exactly one of approval, evidence, policy or requires (list each as its own item): one of ${REQUIREMENT_FORMS}`,
      },
    ];
  return zodIssuesToPlanIssues(
    branch.map((sub) => ({ ...sub, path: [...path, ...sub.path] })),
    data,
  );
}

/** A phase or gate that matched no branch of its union: say which rule it broke, not "Invalid input". */
function explainPhase(
  issue: z.core.$ZodIssueInvalidUnion,
  path: (string | number)[],
  data: unknown,
): PlanIssue[] | undefined {
  const value = valueAt(data, path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const isGate = path.at(-1) === 'gate';
  const gate = isGate ? value : (value as { gate?: unknown }).gate;
  const kinds = gate !== null && typeof gate === 'object' ? GATE_KINDS.filter((kind) => Object.hasOwn(gate, kind)) : [];
  const phasePath = isGate ? path.slice(0, -1) : path;
  const phaseId = (valueAt(data, phasePath) as { id?: unknown }).id;
  const which = typeof phaseId === 'string' ? `phase "${cut(phaseId)}"` : 'this phase';
  if (kinds.length > 1) {
    return [
      {
        path: [...phasePath, 'gate'],
        message: `the gate of ${which} combines ${kinds.join(' and ')}: a gate holds exactly one of approval, evidence or policy; to require several, list them under all (gate: { all: [ {approval: {count: 2}}, {evidence: {...}} ], override: never })`,
      },
    ];
  }
  // The branch to explain: the object form of a phase, or the gate form the gate names.
  const branch = isGate
    ? kinds.length === 1
      ? issue.errors[GATE_KINDS.indexOf(kinds[0] as (typeof GATE_KINDS)[number])]
      : undefined
    : issue.errors[1];
  if (isGate && kinds.length === 0)
    return [
      {
        path,
        message:
          'a gate is one of {approval: true}, {evidence: {artifacts: [...], checks: [...]}}, {policy: EXPRESSION} or {all: [REQUIREMENT, ...], override: never | {approval_by: [PRINCIPAL, ...] | ROLE}}',
      },
    ];
  if (branch === undefined) return undefined;
  return zodIssuesToPlanIssues(
    branch.map((sub) => ({ ...sub, path: [...path, ...sub.path] })),
    data,
  );
}

/** Zod issues as plan issues, each with a message a person can act on (for any file written like a plan). */
export function zodIssuesToPlanIssues(issues: readonly z.core.$ZodIssue[], data: unknown): PlanIssue[] {
  return issues.flatMap((issue): PlanIssue[] => {
    const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
    const huge = nonFiniteAt(valueAt(data, path), path);
    if (huge)
      return [
        { path: huge, message: 'number out of range: it is too large for a number (the largest is about 1.8e308)' },
      ];
    if (issue.code === 'invalid_union' && path[0] === 'phases' && (path.length === 2 || path.at(-1) === 'gate')) {
      const explained = explainPhase(issue, path, data);
      if (explained) return explained;
    }
    if (issue.code === 'invalid_union' && path[0] === 'phases' && path.at(-2) === 'all')
      return explainRequirement(issue, path, data);
    if (issue.code === 'invalid_union' && path[0] === 'phases' && path.at(-1) === 'approval')
      return [
        {
          path,
          message:
            'approval is true (one person), {count: N} (N distinct people, 1 to 10) or {count: N, role: ROLE} (N distinct members of a registry role)',
        },
      ];
    if (issue.code === 'invalid_union' && path[0] === 'phases' && path.at(-1) === 'override')
      return [
        {
          path,
          message:
            'override is never (the default), {approval_by: [PRINCIPAL, ...]}, the people who may override, or {approval_by: ROLE}, the members of a registry role',
        },
      ];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${cut(key)}"` }));
    }
    if (issue.code === 'invalid_key') {
      const key = cut(String(path.at(-1)));
      return [{ path, message: `"${key}" is not a valid name: ${issue.issues[0]?.message ?? issue.message}` }];
    }
    if (issue.code === 'invalid_union' && path.at(-1) === 'after') {
      return [{ path, message: 'expected a list of step ids, {any: [ids]} or {count: N, of: [ids]}' }];
    }
    if (issue.code === 'invalid_union' && path[0] === 'capabilities') {
      return [{ path, message: `${issue.message}; plan files declare capabilities of kind: command` }];
    }
    return [{ path, message: issue.message }];
  });
}

function makeSource(doc: Document, lines: LineCounter, file: string | undefined): PlanSource {
  const { isMap, isPair, isScalar } = yamlPackage();
  return {
    file,
    locate(path, at = 'value') {
      // Walk as deep as the path exists; an unknown key points at its own key node.
      let node: unknown = doc.contents;
      // An empty document (no contents) is pointed at by its first character.
      let offset: number | undefined = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
      for (const [depth, part] of path.entries()) {
        const last = depth === path.length - 1;
        if (!isMap(node) && !(node && typeof node === 'object' && 'items' in node)) break;
        const items = (node as { items: unknown[] }).items;
        let next: unknown;
        if (isMap(node)) {
          const pair = items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === part);
          if (!isPair(pair)) break;
          offset = (pair.key as YamlNode).range?.[0] ?? offset;
          next = pair.value;
          if (last && at === 'key') break;
          if (next && typeof next === 'object' && 'range' in next) offset = (next as YamlNode).range?.[0] ?? offset;
        } else if (typeof part === 'number') {
          next = items[part];
          if (next && typeof next === 'object' && 'range' in next) offset = (next as YamlNode).range?.[0] ?? offset;
        } else break;
        node = next;
      }
      if (offset === undefined) return undefined;
      const { line, col } = lines.linePos(offset);
      return { line, column: col };
    },
  };
}

/** The issues with the file, line and column of each path in `source`. */
export function locateAll(issues: PlanIssue[], source: PlanSource): PlanIssue[] {
  // An unknown field is pointed at by its key; any other problem by its value.
  return issues.map((issue) => ({
    ...issue,
    ...(source.file !== undefined && { file: source.file }),
    ...source.locate(
      issue.path,
      /^unknown field|is not a valid name|is a reserved name/.test(issue.message) ? 'key' : 'value',
    ),
  }));
}

/**
 * Parses a plan from YAML or JSON text (JSON is YAML), validates it against the schema and the
 * registry, and returns it. Throws PlanError listing every problem with file:line:col.
 * Pure: reads no file; the caller passes the text.
 */
export function parsePlan(text: string, options: { file?: string; registry: (plan: Plan) => Registry }): Plan {
  const { data, source } = readYamlDocument(text, options.file);
  return checkPlan(data, options.registry, source);
}

/**
 * Reads YAML or JSON text as plain data with the safety rules of a plan (no tags, aliases
 * bounded, plain keys, nesting bounded), and a source that locates any path in it. Throws
 * PlanError with file:line:col. For plans, and for other files written like them (the
 * workspace registry).
 * @example
 * const { data, source } = readYamlDocument('capabilities: {}', 'baton.yaml');
 */
export function readYamlDocument(text: string, file?: string): { data: unknown; source: PlanSource } {
  const options = { file };
  const deep = textTooDeep(text);
  if (deep !== undefined)
    throw new PlanError([
      { path: [], message: tooDeepMessage(), ...deep, ...(options.file !== undefined && { file: options.file }) },
    ]);
  const { LineCounter, parseDocument } = yamlPackage();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = makeSource(doc, lines, options.file);
  if (doc.errors.length > 0) {
    throw new PlanError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return {
          path: [],
          message: `not valid YAML or JSON: ${error.message.split('\n')[0]}`,
          line,
          column: col,
          ...(options.file !== undefined && { file: options.file }),
        };
      }),
    );
  }
  const tagIssues = disallowedTags(doc).map(({ tag, offset }) => {
    const { line, col } = lines.linePos(offset);
    const message = PLAIN_TAGS.has(tag.replace(/^!!/, 'tag:yaml.org,2002:'))
      ? `the value does not fit its YAML tag ${tag}; write the value without a tag`
      : `the YAML tag ${tag} is not allowed in a plan: a plan holds only strings, numbers, booleans, null, lists and maps; write the value without a tag`;
    return { path: [], message, line, column: col, ...(options.file !== undefined && { file: options.file }) };
  });
  if (tagIssues.length > 0) throw new PlanError(tagIssues);
  const keyOffset = firstNonPlainKeyOffset(doc);
  if (keyOffset !== undefined) {
    // `{[a]: 1}`, `? [a]`, `*alias: 1`, `!!binary x: 1`: toJS would turn the key into text
    // and print a process warning.
    const { line, col } = lines.linePos(keyOffset);
    throw new PlanError([
      {
        path: [],
        message: 'not valid for a plan: a key must be a plain name, not a list, map, alias or binary value',
        line,
        column: col,
        ...(options.file !== undefined && { file: options.file }),
      },
    ]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Aliases are resolved here, not while parsing: an alias to no anchor, or so many that
    // the document would expand without bound ("billion laughs"), is refused at the first alias.
    const { line, col } = lines.linePos(firstAliasOffset(doc));
    throw new PlanError([
      {
        path: [],
        message: `not valid YAML or JSON: ${(error as Error).message}`,
        line,
        column: col,
        ...(options.file !== undefined && { file: options.file }),
      },
    ]);
  }
  return { data, source };
}

/** Tags a plan may carry: the ones that only restate a plain JSON value. */
const PLAIN_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/**
 * Every tag that would give a plan something other than plain data. An unknown tag
 * (`!!js/function`, `!foo`) only warns in the YAML parser and its value silently becomes a
 * string; `!!binary`, `!!set` and friends give values no plan field means.
 */
function disallowedTags(doc: Document): { tag: string; offset: number }[] {
  const found = doc.warnings
    .filter((warning) => warning.code === 'TAG_RESOLVE_FAILED')
    .map((warning) => ({
      tag: shortTag(/Unresolved tag: (\S+)/.exec(warning.message)?.[1] ?? 'tag'),
      offset: warning.pos[0],
    }));
  const { visit } = yamlPackage();
  visit(doc, {
    Node(_key, node) {
      const tag = (node as { tag?: string }).tag;
      if (tag !== undefined && !PLAIN_TAGS.has(tag) && !found.some((known) => known.tag === shortTag(tag)))
        found.push({ tag: shortTag(tag), offset: node.range?.[0] ?? 0 });
    },
  });
  return found.sort((a, b) => a.offset - b.offset);
}

function firstNonPlainKeyOffset(doc: Document): number | undefined {
  const { isScalar, visit } = yamlPackage();
  let offset: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key as YamlNode | null;
      // A plain key is a scalar holding a string, number, boolean or null; `!!binary` holds bytes.
      if (key === null || (isScalar(key) && (key.value === null || typeof key.value !== 'object'))) return undefined;
      offset = key.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

function firstAliasOffset(doc: Document): number {
  const { visit } = yamlPackage();
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * Where the data has a `__proto__` key. The schema never sees one (an object assigned that key
 * gets a new prototype, not an entry), so a step named `__proto__` would silently vanish.
 */
function reservedKeyPaths(data: unknown): (string | number)[][] {
  const found: (string | number)[][] = [];
  // A stack, not recursion: plan data from the API can be nested deeper than the call stack.
  if (data === null || typeof data !== 'object') return found;
  // Only objects and lists are pushed: nothing inside a string or a number can be a key.
  const stack: WalkedValue[] = [{ value: data, depth: 0, key: '', parent: undefined }];
  while (stack.length > 0) {
    const walked = stack.pop() as WalkedValue;
    const value = walked.value as object;
    const depth = walked.depth + 1;
    if (Array.isArray(value)) {
      for (let key = 0; key < value.length; key += 1) {
        const item: unknown = value[key];
        if (item !== null && typeof item === 'object') stack.push({ value: item, depth, key, parent: walked });
      }
    } else {
      for (const key of Object.keys(value)) {
        if (key === '__proto__') {
          found.push([...pathOf(walked), key]);
          continue;
        }
        const item = (value as Record<string, unknown>)[key];
        if (item !== null && typeof item === 'object') stack.push({ value: item, depth, key, parent: walked });
      }
    }
  }
  return found;
}

/**
 * The plan schema's parse of `data`. When every step is plain (plain-steps.ts), the rest of the
 * plan is parsed without them and the plain steps put in: the same result for a fraction of the
 * work on a large plan. Anything the schema refuses is parsed by the whole schema, so a refused
 * plan gets its issues, in their order, as before.
 */
function parsePlanData(data: unknown): ReturnType<PlanSchemas['Plan']['safeParse']> {
  const { Plan, PlanWithPlainSteps } = planSchemas();
  const steps = data !== null && typeof data === 'object' ? plainSteps((data as { steps?: unknown }).steps) : undefined;
  if (steps !== undefined) {
    const parsed = PlanWithPlainSteps.safeParse(data);
    if (parsed.success) {
      // A new object of the schema's, its `steps` key already in the schema's place.
      parsed.data.steps = steps;
      return parsed as ReturnType<PlanSchemas['Plan']['safeParse']>;
    }
  }
  return Plan.safeParse(data);
}

/** Validates a plan given as data (from the builder or the API); issues carry JSON paths. */
export function checkPlan(data: unknown, registry: (plan: Plan) => Registry, source?: PlanSource): Plan {
  return checkPlanAt(data, registry, source, 1);
}

/** `checkPlan` of a plan `depth` deep in sub-plans (1: no one's child). */
export function checkPlanAt(
  data: unknown,
  registry: (plan: Plan) => Registry,
  source: PlanSource | undefined,
  depth: number,
): Plan {
  const deep = tooDeep(data);
  if (deep !== undefined) throw new PlanError([{ path: deep, message: tooDeepMessage() }]);
  const reserved = reservedKeyPaths(data).map((path) => ({
    path,
    message:
      '"__proto__" is a reserved name and cannot be used as a key in a plan (a step id, capability id, input name or field); choose another name',
  }));
  if (reserved.length > 0) throw new PlanError(source ? locateAll(reserved, source) : reserved);
  const parsed = parsePlanData(data);
  if (!parsed.success) {
    const issues = zodIssuesToPlanIssues(parsed.error.issues, data);
    throw new PlanError(source ? locateAll(issues, source) : issues);
  }
  // Frozen, so that its step listing is made once (step-list.ts); nothing changes a checked plan's steps.
  Object.freeze(parsed.data.steps);
  const issues = [
    ...validatePlan(parsed.data, registry(parsed.data)),
    ...inlineSubPlanIssues(parsed.data, depth, (child, at) => checkPlanAt(child, registry, undefined, at)),
  ];
  if (issues.length > 0) throw new PlanError(source ? locateAll(issues, source) : issues);
  return parsed.data;
}
