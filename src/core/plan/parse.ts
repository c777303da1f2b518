import { isMap, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { cut, PlanError, type PlanIssue } from '../errors.js';
import type { Registry } from '../registry.js';
import { Plan } from './schema.js';
import { validatePlan } from './validate.js';

/** A parsed YAML/JSON document that can point at the line and column of any path in it. */
export interface PlanSource {
  file: string | undefined;
  locate(path: readonly (string | number)[], at?: 'key' | 'value'): { line: number; column: number } | undefined;
}

function zodIssuesToPlanIssues(issues: readonly z.core.$ZodIssue[]): PlanIssue[] {
  return issues.flatMap((issue): PlanIssue[] => {
    const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
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

function locateAll(issues: PlanIssue[], source: PlanSource): PlanIssue[] {
  // An unknown field is pointed at by its key; any other problem by its value.
  return issues.map((issue) => ({
    ...issue,
    ...(source.file !== undefined && { file: source.file }),
    ...source.locate(issue.path, /^unknown field|is not a valid name|is a reserved name/.test(issue.message) ? 'key' : 'value'),
  }));
}

/**
 * Parses a plan from YAML or JSON text (JSON is YAML), validates it against the schema and the
 * registry, and returns it. Throws PlanError listing every problem with file:line:col.
 * Pure: reads no file; the caller passes the text.
 */
export function parsePlan(text: string, options: { file?: string; registry: (plan: Plan) => Registry }): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = makeSource(doc, lines, options.file);
  if (doc.errors.length > 0) {
    throw new PlanError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { path: [], message: `not valid YAML or JSON: ${error.message.split('\n')[0]}`, line, column: col, ...(options.file !== undefined && { file: options.file }) };
      }),
    );
  }
  const keyOffset = firstNonPlainKeyOffset(doc);
  if (keyOffset !== undefined) {
    // `{[a]: 1}`, `? [a]`, `*alias: 1`, `!!binary x: 1`: toJS would turn the key into text
    // and print a process warning.
    const { line, col } = lines.linePos(keyOffset);
    throw new PlanError([{ path: [], message: 'not valid for a plan: a key must be a plain name, not a list, map, alias or binary value', line, column: col, ...(options.file !== undefined && { file: options.file }) }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Aliases are resolved here, not while parsing: an alias to no anchor, or so many that
    // the document would expand without bound ("billion laughs"), is refused at the first alias.
    const { line, col } = lines.linePos(firstAliasOffset(doc));
    throw new PlanError([{ path: [], message: `not valid YAML or JSON: ${(error as Error).message}`, line, column: col, ...(options.file !== undefined && { file: options.file }) }]);
  }
  return checkPlan(data, options.registry, source);
}

function firstNonPlainKeyOffset(doc: Document): number | undefined {
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
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: data, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: (string | number)[] };
    if (Array.isArray(value)) value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        if (key === '__proto__') found.push([...path, key]);
        else stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
  }
  return found;
}

/** Validates a plan given as data (from the builder or the API); issues carry JSON paths. */
export function checkPlan(data: unknown, registry: (plan: Plan) => Registry, source?: PlanSource): Plan {
  const reserved = reservedKeyPaths(data).map((path) => ({ path, message: '"__proto__" is a reserved name and cannot be used as a key in a plan (a step id, capability id, input name or field); choose another name' }));
  if (reserved.length > 0) throw new PlanError(source ? locateAll(reserved, source) : reserved);
  const parsed = Plan.safeParse(data);
  if (!parsed.success) {
    const issues = zodIssuesToPlanIssues(parsed.error.issues);
    throw new PlanError(source ? locateAll(issues, source) : issues);
  }
  const issues = validatePlan(parsed.data, registry(parsed.data));
  if (issues.length > 0) throw new PlanError(source ? locateAll(issues, source) : issues);
  return parsed.data;
}
