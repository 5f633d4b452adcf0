import { SkillproofError } from '../errors.js';
import type { JsonObject } from '../types.js';

export interface InputLimits {
  /** Largest input accepted, in bytes (UTF-8). Default 10 MiB. */
  maxBytes?: number;
  /** Deepest nesting of objects and arrays accepted. Default 64: far beyond any credential, far below the stack. */
  maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

/** Measures nesting depth iteratively, so hostile input cannot overflow the stack here or in jsonld.js later. */
export function assertDepth(value: unknown, maxDepth: number): void {
  // Two parallel stacks (objects only, and their depths) rather than a pair per value: no allocation per node.
  const nodes: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === 'object') {
    nodes.push(value);
    depths.push(1);
  }
  let visited = 0;
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) {
      throw new SkillproofError('ERR_INPUT_TOO_DEEP', `The input nests deeper than ${maxDepth} levels.`);
    }
    if (++visited > 5_000_000) throw new SkillproofError('ERR_INPUT_TOO_LARGE', 'The input has too many values.');
    const children = Array.isArray(node) ? (node as unknown[]) : Object.values(node as Record<string, unknown>);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
}

/** Parses JSON text into an object within the limits, or throws a coded error. */
export function parseJsonObject(text: string, limits: InputLimits = {}): JsonObject {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  // A UTF-16 length over the byte limit is over it in UTF-8 too; the exact count is only needed near the bound.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes)) {
    throw new SkillproofError('ERR_INPUT_TOO_LARGE', `The input is larger than ${maxBytes} bytes.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SkillproofError('ERR_JSON_PARSE', `The input is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'A credential must be a JSON object.');
  }
  assertDepth(value, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  return value as JsonObject;
}

/** Validates an already-parsed value as a credential-shaped JSON object within the limits. */
export function assertJsonObject(value: unknown, limits: InputLimits = {}): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'A credential must be a JSON object.');
  }
  assertDepth(value, limits.maxDepth ?? DEFAULT_MAX_DEPTH);
  return value as JsonObject;
}

/**
 * A deep copy of a JSON object that shares nothing with the input, checking the depth as it goes (one walk instead of
 * a depth check and a structuredClone). Members whose value is `undefined` are dropped, as JSON.stringify drops them.
 */
export function cloneJsonObject(value: unknown, limits: InputLimits = {}): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'A credential must be a JSON object.');
  }
  return cloneValue(value, 1, limits.maxDepth ?? DEFAULT_MAX_DEPTH) as JsonObject;
}

function cloneValue(value: unknown, depth: number, maxDepth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > maxDepth)
    throw new SkillproofError('ERR_INPUT_TOO_DEEP', `The input nests deeper than ${maxDepth} levels.`);
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i], depth + 1, maxDepth);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = cloneValue(v, depth + 1, maxDepth);
  }
  return out;
}
