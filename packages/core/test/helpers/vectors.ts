import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../../src/index.js';

const root = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));

/** Reads a file from test/fixtures/vectors (see its SOURCES.md for provenance). */
export function vectorText(path: string): string {
  return readFileSync(root + path, 'utf8');
}

export function vectorJson<T = JsonObject>(path: string): T {
  return JSON.parse(vectorText(path)) as T;
}

/** Contexts only the W3C vc-di-eddsa vectors use (examples v2, citizenship v4rc1); test-only, never bundled. */
export function examplesContexts(): Record<string, JsonObject> {
  return {
    'https://www.w3.org/ns/credentials/examples/v2': vectorJson('w3c-vc-data-model/contexts/credentials/examples/v2'),
    'https://w3id.org/citizenship/v4rc1': vectorJson('../contexts/citizenship-v4rc1.jsonld'),
  };
}
