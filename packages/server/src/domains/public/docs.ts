import type { OpenAPIHono } from '@hono/zod-openapi';
import { html, raw } from 'hono/html';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { htmlResponse } from '../../http/schemas.js';
import type { InProcessApp } from '../../http/self-fetcher.js';
import { page, sendPage, type Html } from './layout.js';

type Json = Record<string, unknown>;

const docsPage = route({
  method: 'get',
  path: '/docs',
  access: access.public('public'),
  hide: true,
  summary: 'API reference (page)',
  responses: { 200: htmlResponse('The page') },
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * GET /docs: the API reference, rendered on the server from the app's own /openapi.json (asked for in-process, once:
 * routes do not change while the app runs). Nothing is loaded by the browser.
 */
export function registerDocsRoutes(app: OpenAPIHono<AppEnv> & InProcessApp): void {
  let rendered: Promise<string> | undefined;
  app.openapi(docsPage, async (c) => {
    rendered ??= Promise.resolve(app.request('/openapi.json'))
      .then((res) => res.json() as Promise<Json>)
      .then(async (doc) => (await renderDocs(doc)).toString())
      .catch((e: unknown) => {
        rendered = undefined;
        throw e;
      });
    return sendPage(c, raw(await rendered));
  });
}

interface Operation {
  method: string;
  path: string;
  op: Json;
}

function renderDocs(doc: Json): Html {
  const info = (doc['info'] ?? {}) as Json;
  const byTag = new Map<string, Operation[]>();
  for (const [path, item] of Object.entries((doc['paths'] ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const tag = ((op['tags'] as string[] | undefined) ?? [])[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  const components = ((doc['components'] as Json | undefined)?.['schemas'] ?? {}) as Record<string, Json>;
  const body = html`<h1>
      ${String(info['title'] ?? 'API')} <span class="muted">${String(info['version'] ?? '')}</span>
    </h1>
    <section>
      <p>${String(info['description'] ?? '')}</p>
      <p>
        The machine-readable document is <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1). Errors
        are <code>{ "error": { "code", "message" } }</code> with a stable code. Signed-in calls use the session cookie
        (and the <code>X-CSRF-Token</code> header on unsafe methods) or <code>Authorization: Bearer sp_token_…</code>.
      </p>
      <nav aria-label="Sections">
        <ul>
          ${[...byTag.keys()].map((t) => html`<li><a href="#tag-${anchor(t)}">${t}</a></li>`)}
        </ul>
      </nav>
    </section>
    ${[...byTag].map(
      ([tag, ops]) =>
        html`<section id="tag-${anchor(tag)}">
          <h2>${tag}</h2>
          ${ops.map((o) => operationHtml(o, components))}
        </section>`,
    )}`;
  return page({ title: `${String(info['title'] ?? 'API')} reference`, body });
}

function operationHtml({ method, path, op }: Operation, components: Record<string, Json>): Html {
  const params = (op['parameters'] as Json[] | undefined) ?? [];
  const requestBody = op['requestBody'] as Json | undefined;
  const responses = (op['responses'] ?? {}) as Record<string, Json>;
  return html`<div class="card" id="${anchor(`${method} ${path}`)}">
    <h3><span class="method">${method}</span> <code>${path}</code></h3>
    ${op['summary'] ? html`<p><strong>${String(op['summary'])}</strong></p>` : ''}
    ${op['description'] ? markdown(String(op['description'])) : ''}
    ${
      params.length > 0
        ? html`<table>
            <thead>
              <tr>
                <th>Parameter</th>
                <th>In</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              ${params.map(
                (p) =>
                  html`<tr>
                    <td><code>${String(p['name'])}</code>${p['required'] ? '' : ' (optional)'}</td>
                    <td>${String(p['in'])}</td>
                    <td><code>${typeText(p['schema'], components)}</code></td>
                    <td>${String(p['description'] ?? (p['schema'] as Json | undefined)?.['description'] ?? '')}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
    ${
      requestBody
        ? html`<p><strong>Request body</strong></p>
            ${contentHtml(requestBody['content'], components)}`
        : ''
    }
    <p><strong>Responses</strong></p>
    ${Object.entries(responses).map(
      ([status, r]) =>
        html`<p><code>${status}</code> ${String(r['description'] ?? '')}</p>
          ${contentHtml(r['content'], components)}`,
    )}
  </div>`;
}

function contentHtml(content: unknown, components: Record<string, Json>): Html | string {
  if (!content || typeof content !== 'object') return '';
  return html`${Object.entries(content as Record<string, Json>).map(
    ([type, media]) =>
      html`<div class="muted">${type}</div>
        <pre><code>${typeText(media['schema'], components)}</code></pre>`,
  )}`;
}

/** A schema as compact, TypeScript-like text: `{ email: string (email), name?: string | null }`. */
export function typeText(schema: unknown, components: Record<string, Json>, depth = 0, seen: string[] = []): string {
  if (!schema || typeof schema !== 'object') return 'any';
  const s = schema as Json;
  const indent = '  '.repeat(depth);
  const ref = typeof s['$ref'] === 'string' ? s['$ref'].replace('#/components/schemas/', '') : undefined;
  if (ref !== undefined) {
    const target = components[ref];
    return !target || seen.includes(ref) || depth > 4 ? ref : typeText(target, components, depth, [...seen, ref]);
  }
  const union = (s['anyOf'] ?? s['oneOf']) as unknown[] | undefined;
  if (union) return union.map((u) => typeText(u, components, depth, seen)).join(' | ');
  if (s['allOf']) return (s['allOf'] as unknown[]).map((u) => typeText(u, components, depth, seen)).join(' & ');
  if ('const' in s) return JSON.stringify(s['const']);
  if (Array.isArray(s['enum'])) return s['enum'].map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(s['type']))
    return s['type'].map((t) => typeText({ ...s, type: t }, components, depth, seen)).join(' | ');
  switch (s['type']) {
    case 'object': {
      const props = Object.entries((s['properties'] ?? {}) as Record<string, unknown>);
      const required = new Set((s['required'] as string[] | undefined) ?? []);
      const extra = s['additionalProperties'];
      const lines = props.map(
        ([k, v]) => `${indent}  ${k}${required.has(k) ? '' : '?'}: ${typeText(v, components, depth + 1, seen)}`,
      );
      if (extra && typeof extra === 'object')
        lines.push(`${indent}  [key: string]: ${typeText(extra, components, depth + 1, seen)}`);
      return lines.length === 0 ? 'object' : `{\n${lines.join('\n')}\n${indent}}`;
    }
    case 'array': {
      const item = typeText(s['items'], components, depth, seen);
      return /[|&]/.test(item) && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
    }
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null': {
      const notes = [
        s['format'],
        s['minLength'] !== undefined && `≥ ${String(s['minLength'])} chars`,
        s['maxLength'] !== undefined && `≤ ${String(s['maxLength'])} chars`,
        s['minimum'] !== undefined && `≥ ${String(s['minimum'])}`,
        s['maximum'] !== undefined && `≤ ${String(s['maximum'])}`,
        s['default'] !== undefined && `default ${JSON.stringify(s['default'])}`,
      ].filter(Boolean);
      return notes.length > 0 ? `${s['type']} (${notes.join(', ')})` : s['type'];
    }
    default:
      return 'any';
  }
}

/** The little Markdown route descriptions use: paragraphs, **bold** and `code`; everything else is text. */
function markdown(text: string): Html {
  const escaped = text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const paragraphs = escaped
    .split(/\n{2,}/)
    .map(
      (p) => `<p>${p.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`,
    );
  return raw(paragraphs.join('\n'));
}

function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
