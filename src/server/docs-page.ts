/**
 * The API reference as one self-contained HTML page (no scripts, no CDN), rendered from the
 * OpenAPI document: what the page says is what the document says.
 */

type Json = Record<string, unknown>;

function escape(text: unknown): string {
  return String(text).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );
}

/** Inline Markdown of the descriptions: `code` only, the rest as text. */
function prose(text: unknown): string {
  return escape(text ?? '')
    .split(/\n\n+/)
    .map((paragraph) => `<p>${paragraph.replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('');
}

function schemaLink(schema: unknown): string {
  const ref = (schema as Json | undefined)?.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1) as string;
    return `<a href="#schema-${escape(name)}"><code>${escape(name)}</code></a>`;
  }
  return `<code>${escape(JSON.stringify(schema ?? {}))}</code>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{margin-bottom:0}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f6f8fa;padding:.75rem;overflow:auto;border-radius:4px}section.op{border:1px solid #e3e3e3;border-radius:6px;padding:.25rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}.get{color:#0a6}.post{color:#06c}.delete{color:#c30}.put{color:#a60}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;text-align:left;padding:.25rem .5rem;vertical-align:top}.scope{float:right;font-size:13px;color:#555}
nav ul{columns:2}`;

function operationHtml(path: string, method: string, op: Json): string {
  const id = escape(op.operationId);
  const params = (op.parameters as Json[] | undefined) ?? [];
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}${p.required ? ', required' : ''}</td><td>${schemaLink(p.schema)}</td><td>${prose(p.description)}</td></tr>`,
    )
    .join('');
  const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as
    Json | undefined;
  const responses = Object.entries((op.responses as Json | undefined) ?? {})
    .map(([status, response]) => {
      const content = ((response as Json).content ?? {}) as Json;
      const types = Object.entries(content).map(
        ([type, media]) => `${escape(type)} ${(media as Json).schema ? schemaLink((media as Json).schema) : ''}`,
      );
      return `<tr><td><code>${escape(status)}</code></td><td>${prose((response as Json).description)}</td><td>${types.join('<br>')}</td></tr>`;
    })
    .join('');
  const scope = (op['x-baton-scope'] as string | undefined) ?? 'public';
  return `<section class="op" id="${id}">
<h3><span class="method ${escape(method)}">${escape(method)}</span> <code>${escape(path)}</code> <span class="scope">scope: ${escape(scope)}</span></h3>
<p><strong>${escape(op.summary)}</strong></p>${prose(op.description)}
${rows ? `<table><tr><th>parameter</th><th>in</th><th>schema</th><th></th></tr>${rows}</table>` : ''}
${body ? `<p>Body (JSON): ${schemaLink(body.schema)}</p>` : ''}
<table><tr><th>status</th><th>meaning</th><th>content</th></tr>${responses}</table>
</section>`;
}

export function renderDocsPage(document: Json): string {
  const info = document.info as Json;
  const paths = document.paths as Record<string, Record<string, Json>>;
  const byTag = new Map<string, string[]>();
  const toc: string[] = [];
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const tag = ((op.tags as string[] | undefined) ?? ['other'])[0] as string;
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationHtml(path, method, op)]);
      toc.push(`<li><a href="#${escape(op.operationId)}">${escape(method.toUpperCase())} ${escape(path)}</a></li>`);
    }
  }
  const schemas = Object.entries(((document.components as Json).schemas ?? {}) as Json)
    .map(
      ([name, schema]) =>
        `<h3 id="schema-${escape(name)}"><code>${escape(name)}</code></h3><pre>${escape(JSON.stringify(schema, null, 2))}</pre>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(info.title)}</title><style>${STYLE}</style></head>
<body><h1>${escape(info.title)}</h1><p>version ${escape(info.version)} · OpenAPI ${escape(document.openapi)} document: <a href="/openapi.json">/openapi.json</a></p>
${prose(info.description)}
<nav><h2>Routes</h2><ul>${toc.join('')}</ul></nav>
${[...byTag].map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join('\n')}`).join('\n')}
<h2>Schemas</h2>${schemas}
</body></html>`;
}
