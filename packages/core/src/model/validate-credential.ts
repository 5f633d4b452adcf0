import type { z } from 'zod';
import { SkillproofError } from '../errors.js';
import { isPlainlyValidAchievementCredential } from './fast-validate.js';
import type { SchemaIssueCode } from './primitives.js';
import {
  anyAchievementCredentialSchema,
  anyClrCredentialSchema,
  anyEndorsementCredentialSchema,
  vcVersionOf,
  type AnyAchievementCredential,
  type AnyClrCredential,
  type AnyEndorsementCredential,
  type VcVersion,
} from './schemas.js';

/** The credential classes `validateCredential` knows. OpenBadgeCredential covers its alias AchievementCredential. */
export type CredentialKind = 'OpenBadgeCredential' | 'EndorsementCredential' | 'ClrCredential';

/** One problem found in a credential, located by a JSON path such as `$.credentialSubject.achievement.name`. */
export interface SchemaIssue {
  path: string;
  code: SchemaIssueCode;
  message: string;
}

/** Bounds checked before any schema runs, so hostile input ends in a coded result instead of a stack overflow. */
export interface ValidationLimits {
  /** Deepest nesting of objects and arrays. Default 64: real credentials (a CLR with endorsed issuers) stay under 20. */
  maxDepth?: number;
  /** Longest array. Default 10,000. */
  maxArrayLength?: number;
  /** Longest string, in UTF-16 units. Default 4 MiB: room for a data: URI image, not for a 10 MB blob. */
  maxStringLength?: number;
  /** Most values in total (objects, arrays, primitives). Default 500,000. */
  maxValues?: number;
}

export interface ValidateCredentialOptions {
  /** Validate as this class instead of detecting it from `type`. */
  kind?: CredentialKind;
  limits?: ValidationLimits;
}

export type ValidCredential =
  | { valid: true; kind: 'OpenBadgeCredential'; version: VcVersion; credential: AnyAchievementCredential }
  | { valid: true; kind: 'EndorsementCredential'; version: VcVersion; credential: AnyEndorsementCredential }
  | { valid: true; kind: 'ClrCredential'; version: VcVersion; credential: AnyClrCredential };

export interface InvalidCredential {
  valid: false;
  /** `ERR_SCHEMA_INVALID` for a well-formed input that breaks the data model; the others for hostile input. */
  code: 'ERR_SCHEMA_INVALID' | 'ERR_INPUT_TOO_DEEP' | 'ERR_INPUT_TOO_LARGE' | 'ERR_INPUT_INVALID';
  issues: SchemaIssue[];
}

export type CredentialValidationResult = ValidCredential | InvalidCredential;

const DEFAULT_LIMITS: Required<ValidationLimits> = {
  maxDepth: 64,
  maxArrayLength: 10_000,
  maxStringLength: 4 * 1024 * 1024,
  maxValues: 500_000,
};

const SCHEMAS: Record<CredentialKind, z.ZodType<unknown>> = {
  OpenBadgeCredential: anyAchievementCredentialSchema,
  EndorsementCredential: anyEndorsementCredentialSchema,
  ClrCredential: anyClrCredentialSchema,
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders a path as JSONPath: `$.a.b[0]['@context']`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      out += IDENTIFIER.test(name) ? `.${name}` : `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
    }
  }
  return out;
}

interface Frame {
  value: unknown;
  depth: number;
  key: PropertyKey | undefined;
  parent: Frame | undefined;
}

function framePath(frame: Frame): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) keys.push(f.key);
  return keys.reverse();
}

/**
 * Whether the input is within the limits: the walk of {@link checkLimitsWithPaths} without its frames (no allocation
 * per value), so that the common case, a credential within every limit, costs a plain walk. Answers false exactly
 * when that walk finds a violation; it then runs to name the value.
 */
function withinLimits(input: unknown, limits: Required<ValidationLimits>): boolean {
  const values: unknown[] = [input];
  const depths: number[] = [0];
  let count = 0;
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop()!;
    if (++count > limits.maxValues) return false;
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) return false;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= limits.maxDepth) return false;
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) return false;
      for (let i = value.length - 1; i >= 0; i--) {
        values.push(value[i]);
        depths.push(depth + 1);
      }
    } else {
      const keys = Object.keys(value);
      if (keys.length > limits.maxArrayLength) return false;
      for (let i = keys.length - 1; i >= 0; i--) {
        values.push((value as Record<string, unknown>)[keys[i]!]);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}

/** Checks the limits; on a violation, says where (the first value found in the same order as the walk above). */
function checkLimits(input: unknown, limits: Required<ValidationLimits>): InvalidCredential | null {
  return withinLimits(input, limits) ? null : checkLimitsWithPaths(input, limits);
}

/** Walks the input once, iteratively (no recursion, so no stack to exhaust), against the limits. */
function checkLimitsWithPaths(input: unknown, limits: Required<ValidationLimits>): InvalidCredential | null {
  const fail = (code: InvalidCredential['code'], issue: SchemaIssueCode, frame: Frame, message: string) => ({
    valid: false as const,
    code,
    issues: [{ path: jsonPath(framePath(frame)), code: issue, message }],
  });
  const stack: Frame[] = [{ value: input, depth: 0, key: undefined, parent: undefined }];
  let values = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value } = frame;
    if (++values > limits.maxValues) {
      return fail('ERR_INPUT_TOO_LARGE', 'too_large', frame, `The input has more than ${limits.maxValues} values.`);
    }
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) {
        return fail('ERR_INPUT_TOO_LARGE', 'too_large', frame, `A string is longer than ${limits.maxStringLength}.`);
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (frame.depth >= limits.maxDepth) {
      return fail('ERR_INPUT_TOO_DEEP', 'too_deep', frame, `The input nests deeper than ${limits.maxDepth} levels.`);
    }
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        return fail(
          'ERR_INPUT_TOO_LARGE',
          'too_large',
          frame,
          `An array has more than ${limits.maxArrayLength} items.`,
        );
      }
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], depth: frame.depth + 1, key: i, parent: frame });
      }
    } else {
      const keys = Object.keys(value);
      if (keys.length > limits.maxArrayLength) {
        return fail(
          'ERR_INPUT_TOO_LARGE',
          'too_large',
          frame,
          `An object has more than ${limits.maxArrayLength} keys.`,
        );
      }
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (value as Record<string, unknown>)[key], depth: frame.depth + 1, key, parent: frame });
      }
    }
  }
  return null;
}

function isPresent(input: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return false;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node !== undefined;
}

const lastKey = (path: readonly PropertyKey[]) => String(path[path.length - 1] ?? 'value');

/** Translates zod issues into ours: stable codes, JSON paths, "required" told apart from "wrong type". */
function toIssues(zodIssues: readonly z.core.$ZodIssue[], input: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of zodIssues) {
    const path = issue.path;
    switch (issue.code) {
      case 'custom': {
        const code = (issue.params?.code as SchemaIssueCode | undefined) ?? 'invalid_value';
        const message = code === 'required' ? `'${lastKey(path)}' is required.` : issue.message;
        out.push({ path: jsonPath(path), code, message });
        break;
      }
      case 'invalid_type':
        out.push(
          isPresent(input, path)
            ? { path: jsonPath(path), code: 'invalid_type', message: `Expected ${issue.expected}.` }
            : { path: jsonPath(path), code: 'required', message: `'${lastKey(path)}' is required.` },
        );
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            path: jsonPath([...path, key]),
            code: 'unknown_property',
            message: `'${key}' is not a property of this class (its JSON Schema allows no extra properties).`,
          });
        }
        break;
      case 'too_small':
      case 'too_big':
        out.push({ path: jsonPath(path), code: issue.code, message: issue.message });
        break;
      case 'invalid_format':
        out.push({ path: jsonPath(path), code: 'invalid_format', message: issue.message });
        break;
      case 'invalid_union':
        out.push({ path: jsonPath(path), code: 'invalid_type', message: issue.message });
        break;
      default:
        out.push({ path: jsonPath(path), code: 'invalid_value', message: issue.message });
    }
  }
  const seen = new Set<string>();
  return out.filter((i) => {
    const key = `${i.path}\u0000${i.code}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Checks `value` against one of the model schemas; the issues' paths start at `value` (`$`). */
export function schemaIssues<T>(schema: z.ZodType<T>, value: unknown): SchemaIssue[] {
  const result = schema.safeParse(value);
  return result.success ? [] : toIssues(result.error.issues, value);
}

/** Reads the credential class from `type`; a CLR wins over the credentials it may also name. */
export function detectCredentialKind(json: unknown): CredentialKind | undefined {
  const type = (json as { type?: unknown } | null)?.type;
  const list: unknown[] = typeof type === 'string' ? [type] : Array.isArray(type) ? type : [];
  if (list.includes('ClrCredential')) return 'ClrCredential';
  if (list.includes('OpenBadgeCredential') || list.includes('AchievementCredential')) return 'OpenBadgeCredential';
  if (list.includes('EndorsementCredential')) return 'EndorsementCredential';
  return undefined;
}

function invalid(code: InvalidCredential['code'], issues: SchemaIssue[]): InvalidCredential {
  return { valid: false, code, issues };
}

/**
 * Checks a parsed JSON value against the Open Badges 3.0 / CLR 2.0 data model (VC 2.0 form, or the VC 1.1 form OB
 * 3.0.3 still defines). Returns the issues instead of throwing; never throws, whatever the input.
 *
 * @example
 * ```ts
 * const result = validateCredential(JSON.parse(text));
 * if (!result.valid) for (const i of result.issues) console.warn(i.path, i.code, i.message);
 * else if (result.kind === 'OpenBadgeCredential') show(result.credential.credentialSubject.achievement.name);
 * ```
 */
export function validateCredential(json: unknown, options: ValidateCredentialOptions = {}): CredentialValidationResult {
  try {
    const limits = options.limits ? { ...DEFAULT_LIMITS, ...options.limits } : DEFAULT_LIMITS;
    const tooBig = checkLimits(json, limits);
    if (tooBig) return tooBig;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      return invalid('ERR_SCHEMA_INVALID', [
        { path: '$', code: 'invalid_type', message: 'A credential must be a JSON object.' },
      ]);
    }
    const kind = options.kind ?? detectCredentialKind(json);
    if (kind === undefined) {
      return invalid('ERR_SCHEMA_INVALID', [
        {
          path: '$.type',
          code: 'kind_unknown',
          message:
            "The type names none of 'OpenBadgeCredential', 'AchievementCredential', 'EndorsementCredential', 'ClrCredential'.",
        },
      ]);
    }
    // The common case, an ordinary Open Badge, is decided by plain predicates (fast-validate.ts) that say yes only
    // where the schema would; anything else, valid or not, goes to zod, which accepts it or names the issues.
    if (kind === 'OpenBadgeCredential' && isPlainlyValidAchievementCredential(json)) {
      return { valid: true, kind, version: vcVersionOf(json), credential: json } as ValidCredential;
    }
    const result = SCHEMAS[kind].safeParse(json);
    if (!result.success) return invalid('ERR_SCHEMA_INVALID', toIssues(result.error.issues, json));
    // The schemas only check, never transform: the caller's object is returned as is (key order, extensions).
    return { valid: true, kind, version: vcVersionOf(json), credential: json } as ValidCredential;
  } catch (cause) {
    // Only exotic inputs get here (a Proxy or a getter that throws); JSON.parse output never does.
    return invalid('ERR_INPUT_INVALID', [
      { path: '$', code: 'invalid_input', message: `The input could not be read: ${String(cause)}` },
    ]);
  }
}

type CredentialOf<K extends CredentialKind> = Extract<ValidCredential, { kind: K }>['credential'];

/**
 * Like {@link validateCredential} but throws a {@link SkillproofError} (`ERR_SCHEMA_INVALID` with
 * `details.issues`, or `ERR_INPUT_TOO_DEEP` / `ERR_INPUT_TOO_LARGE`) and returns the typed credential.
 *
 * @example
 * ```ts
 * const badge = assertValidCredential(json, { kind: 'OpenBadgeCredential' });
 * badge.credentialSubject.achievement.name;
 * ```
 */
export function assertValidCredential<K extends CredentialKind = CredentialKind>(
  json: unknown,
  options: ValidateCredentialOptions & { kind?: K } = {},
): CredentialOf<K> {
  const result = validateCredential(json, options);
  if (result.valid) return result.credential as CredentialOf<K>;
  const first = result.issues[0];
  const summary = result.issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  const more = result.issues.length > 3 ? ` (and ${result.issues.length - 3} more)` : '';
  throw new SkillproofError(result.code, `The credential is not valid: ${summary}${more}`, {
    ...(first ? { path: first.path } : {}),
    details: { issues: result.issues },
  });
}
