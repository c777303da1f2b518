import {
  compileExpression,
  type CompiledExpression,
  type ExpressionContext,
  type ExpressionScope,
} from './expressions.js';
import { setOwn, type Json } from './json.js';

/**
 * `{{ expr }}` templates in step inputs and command arguments. A string that is exactly one
 * template keeps the expression's type (`"{{ steps.a.output }}"` can be a list); a string
 * with text around templates is interpolated, non-strings rendered as JSON.
 * An expression cannot contain `}}`.
 */
const TEMPLATE = /\{\{(.*?)\}\}/gs;

type Segment = string | CompiledExpression;

interface CompiledTemplate {
  readonly whole: CompiledExpression | undefined;
  readonly segments: readonly Segment[];
}

function compileTemplate(text: string, scope: ExpressionScope): CompiledTemplate | undefined {
  if (!text.includes('{{')) return undefined;
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(TEMPLATE)) {
    if (match.index > last) segments.push(text.slice(last, match.index));
    segments.push(compileExpression((match[1] ?? '').trim(), scope));
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push(text.slice(last));
  const only = segments.length === 1 ? segments[0] : undefined;
  return { whole: typeof only === 'object' ? only : undefined, segments };
}

function render(template: CompiledTemplate, context: ExpressionContext): Json {
  if (template.whole) return template.whole.evaluate(context);
  return template.segments
    .map((segment) => {
      if (typeof segment === 'string') return segment;
      const value = segment.evaluate(context);
      return typeof value === 'string' ? value : JSON.stringify(value);
    })
    .join('');
}

/** Every expression inside the templates of a JSON value; throws ExpressionError on the first that does not compile. */
export function compileTemplates(value: Json | undefined, scope: ExpressionScope): CompiledExpression[] {
  const found: CompiledExpression[] = [];
  const walk = (node: Json | undefined): void => {
    if (typeof node === 'string') {
      const template = compileTemplate(node, scope);
      if (template) for (const segment of template.segments) if (typeof segment !== 'string') found.push(segment);
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(value);
  return found;
}

/**
 * Fills every template inside a JSON value.
 * @example renderTemplates({ n: '{{ inputs.n * 2 }}' }, 'step', { inputs: { n: 2 } }) // { n: 4 }
 */
export function renderTemplates(value: Json | undefined, scope: ExpressionScope, context: ExpressionContext): Json {
  if (value === undefined) return null;
  if (typeof value === 'string') {
    const template = compileTemplate(value, scope);
    return template ? render(template, context) : value;
  }
  if (Array.isArray(value)) return value.map((item) => renderTemplates(item, scope, context));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, renderTemplates(v, scope, context));
    return out;
  }
  return value;
}

/** Renders one command argument: always a string, so a template can never add or split arguments. */
export function renderArgument(argument: string, context: ExpressionContext): string {
  const value = renderTemplates(argument, 'command', context);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
