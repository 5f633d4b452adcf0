import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeText } from '../src/domains/public/docs.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';

describe.each(databaseTargets())('API docs on $name', (target) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  it('/docs lists every operation of /openapi.json, with its summary and access rule', async () => {
    const doc = (await (await ctx.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    const res = await ctx.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      for (const [method, op] of Object.entries(doc.paths[path]!)) {
        expect(page, `${method} ${path}`).toContain(`<span class="method">${method}</span> <code>${path}</code>`);
        if (op.summary) expect(page).toContain(op.summary.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
      }
    }
    expect(page).toContain('<p>Public.</p>');
    expect(page).toMatch(
      /Role <strong>\w+<\/strong> or higher in the organisation; tokens need <code>[\w:]+<\/code>\./,
    );
    expect(page).toContain('Verify a credential from any issuer');
  });

  it('is self-contained: no scripts, nothing loaded from elsewhere', async () => {
    const res = await ctx.app.request('/docs');
    const page = await res.text();
    expect(page).not.toMatch(/<script|<link[^>]+stylesheet|src="https?:/i);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('renders schemas compactly', () => {
    const components = { Kind: { type: 'string', enum: ['staff', 'learner'] } };
    const schema = {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        password: { type: 'string', minLength: 12 },
        name: { type: ['string', 'null'] },
        kind: { $ref: '#/components/schemas/Kind' },
        tags: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
      },
      required: ['email', 'password', 'kind'],
    };
    expect(typeText(schema, components)).toBe(
      [
        '{',
        '  email: string (email)',
        '  password: string (≥ 12 chars)',
        '  name?: string | null',
        '  kind: "staff" | "learner"',
        '  tags?: (string | integer)[]',
        '}',
      ].join('\n'),
    );
    const loop = { Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' } } } };
    expect(typeText({ $ref: '#/components/schemas/Node' }, loop)).toBe('{\n  next?: Node\n}');
  });
});
