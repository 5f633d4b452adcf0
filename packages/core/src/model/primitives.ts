import { z } from 'zod';
import { EXTENSION_TERM_PATTERN } from './vocabulary.js';

/** The fine-grained codes a schema issue carries (the credential as a whole fails with `ERR_SCHEMA_INVALID`). */
export type SchemaIssueCode =
  | 'required'
  | 'invalid_type'
  | 'invalid_value'
  | 'invalid_format'
  | 'invalid_context'
  | 'missing_class'
  | 'missing_identifier'
  | 'unknown_property'
  | 'kind_unknown'
  | 'too_small'
  | 'too_big'
  | 'too_deep'
  | 'too_large'
  | 'invalid_input';

type Problem = { code: SchemaIssueCode; message: string } | null;

/** Adds one issue with our own code; zod prefixes the path as the issue bubbles up. */
export function report(
  ctx: z.core.ParsePayload<unknown>,
  code: SchemaIssueCode,
  message: string,
  path: PropertyKey[] = [],
): void {
  ctx.issues.push({ code: 'custom', message, input: ctx.value, params: { code }, path });
}

/**
 * A schema checked by a plain function. Used where zod's built-in messages or union errors would hide the precise
 * problem (a wrong `type`, a value outside an EnumExt vocabulary). `undefined` is "required": `.optional()` stops
 * before the check runs.
 */
export function checked<T>(check: (value: unknown) => Problem): z.ZodType<T> {
  return z.any().check((ctx) => {
    if (ctx.value === undefined) {
      report(ctx, 'required', 'A value is required.');
      return;
    }
    const problem = check(ctx.value);
    if (problem) report(ctx, problem.code, problem.message);
  }) as unknown as z.ZodType<T>;
}

/**
 * Chooses the schema for a value by looking at it (single value or array; VC 2.0 or VC 1.1 credential), then reports
 * that schema's issues with their paths intact, which `z.union` would bury under `invalid_union`.
 */
export function select<T>(pick: (value: unknown) => z.ZodType<T>): z.ZodType<T> {
  return z.any().check((ctx) => {
    if (ctx.value === undefined) {
      report(ctx, 'required', 'A value is required.');
      return;
    }
    const result = pick(ctx.value).safeParse(ctx.value);
    if (!result.success) for (const issue of result.error.issues) ctx.issues.push({ ...issue, input: ctx.value });
  }) as unknown as z.ZodType<T>;
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

function stringProblem(value: unknown): Problem {
  return typeof value === 'string'
    ? null
    : { code: 'invalid_type', message: `Expected a string, got ${describe(value)}.` };
}

// RFC 3986 §3: scheme ":" hier-part; characters that can never appear in a URI (space, controls, <>"{}|\^`) are
// refused. Non-ASCII letters are allowed because the OB "IRI" type (RFC 3987) and did/urn identifiers are IRIs.
// eslint-disable-next-line no-control-regex -- control characters are exactly what the class refuses
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`\u0000-\u001f\u007f]+$/;

/** True when `value` is an absolute URI/IRI (a scheme and something after it). */
export function isAbsoluteUri(value: string): boolean {
  return ABSOLUTE_URI.test(value);
}

/** OB `URI` / `URL` / `IRI` derived types: JSON-LD would resolve a relative reference against an unknown base. */
export const uri = checked<string>((v) =>
  typeof v !== 'string'
    ? stringProblem(v)
    : isAbsoluteUri(v)
      ? null
      : { code: 'invalid_format', message: 'Expected an absolute URI.' },
);

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The days of `month` (1–12) in `year`, as `new Date(Date.UTC(year, month, 0)).getUTCDate()` gives them (Date.UTC
 * reads years 0–99 as 1900–1999, so year 0 is not a leap year here), without allocating a Date per date checked.
 */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  const y = year >= 0 && year <= 99 ? year + 1900 : year;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

function calendarOk(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * Checks an XSD dateTime. `requireZone` is OB's `DateTimeZ` ("A DateTime with the trailing timezone specifier
 * included") used by validFrom/validUntil/awardedDate; OB's `DateTime` (activityStartDate, proof.created) may omit it.
 * The regex fixes the shape, the component checks refuse 2023-02-30 or 24:00 which Date.parse would roll over.
 */
export function isDateTime(value: string, requireZone: boolean): boolean {
  // Issuers repeat their dates (one validFrom and one proof `created` for a whole batch): each text is checked once.
  let kind = value.length <= 64 ? dateTimeKinds.get(value) : undefined;
  if (kind === undefined) {
    kind = dateTimeKind(value);
    if (value.length <= 64) {
      if (dateTimeKinds.size >= 1024) dateTimeKinds.clear();
      dateTimeKinds.set(value, kind);
    }
  }
  return requireZone ? kind === ZONED : kind !== NOT_A_DATE_TIME;
}

const NOT_A_DATE_TIME = 0;
const LOCAL = 1;
const ZONED = 2;
const dateTimeKinds = new Map<string, number>();

function dateTimeKind(value: string): number {
  const m = DATE_TIME.exec(value);
  if (!m) return NOT_A_DATE_TIME;
  const [, y, mo, d, h, mi, s, , zone, zh, zm] = m;
  if (!calendarOk(Number(y), Number(mo), Number(d))) return NOT_A_DATE_TIME;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return NOT_A_DATE_TIME;
  if (zh !== undefined && (Number(zh) > 23 || Number(zm) > 59)) return NOT_A_DATE_TIME;
  if (!Number.isFinite(Date.parse(zone === undefined ? `${value}Z` : value))) return NOT_A_DATE_TIME;
  return zone === undefined ? LOCAL : ZONED;
}

const dateTimeSchema = (requireZone: boolean) =>
  checked<string>((v) =>
    typeof v !== 'string'
      ? stringProblem(v)
      : isDateTime(v, requireZone)
        ? null
        : {
            code: 'invalid_format',
            message: requireZone
              ? 'Expected an ISO 8601 date-time with a timezone, e.g. 2024-01-01T00:00:00Z.'
              : 'Expected an ISO 8601 date-time, e.g. 2024-01-01T00:00:00.',
          },
  );

/** OB `DateTimeZ`. */
export const dateTimeZ = dateTimeSchema(true);
/** OB `DateTime`. */
export const dateTime = dateTimeSchema(false);

/** True when `value` is an OB `Date`: YYYY-MM-DD naming a day of the calendar. */
export function isDate(value: string): boolean {
  const m = DATE.exec(value);
  return m !== null && calendarOk(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** OB `Date` (`dateOfBirth`): YYYY-MM-DD. */
export const date = checked<string>((v) => {
  if (typeof v !== 'string') return stringProblem(v);
  return isDate(v) ? null : { code: 'invalid_format', message: 'Expected a date YYYY-MM-DD.' };
});

const LANGUAGE_CODE = /^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;

/** True when `value` is an OB `LanguageCode` (BCP 47), with the pattern of the OB 3.0 JSON Schema. */
export function isLanguageCode(value: string): boolean {
  return LANGUAGE_CODE.test(value);
}

/** OB `LanguageCode` (BCP 47), with the pattern of the OB 3.0 JSON Schema. */
export const languageCode = checked<string>((v) =>
  typeof v !== 'string'
    ? stringProblem(v)
    : isLanguageCode(v)
      ? null
      : { code: 'invalid_format', message: 'Expected a BCP 47 language code such as "en" or "en-US".' },
);

const COMPACT_JWS = /^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$/;

/** True when `value` is an OB `CompactJws` (RFC 7515 compact serialization), per the OB 3.0 JSON Schema pattern. */
export function isCompactJws(value: string): boolean {
  return COMPACT_JWS.test(value);
}

/** OB `CompactJws` (RFC 7515 compact serialization), with the pattern of the OB 3.0 JSON Schema. */
export const compactJws = checked<string>((v) =>
  typeof v !== 'string'
    ? stringProblem(v)
    : isCompactJws(v)
      ? null
      : { code: 'invalid_format', message: 'Expected a compact JWS (header.payload.signature).' },
);

/** True when `value` belongs to an EnumExt vocabulary: one of the `known` terms or an `ext:` extension term. */
export function isEnumExtValue(known: ReadonlySet<string>, value: string): boolean {
  return known.has(value) || EXTENSION_TERM_PATTERN.test(value);
}

/** An EnumExt value: one of the listed terms or an `ext:` extension term. */
export function enumExt<T extends string>(values: readonly string[], name: string): z.ZodType<T> {
  const known = new Set(values);
  return checked<T>((v) =>
    typeof v !== 'string'
      ? stringProblem(v)
      : isEnumExtValue(known, v)
        ? null
        : { code: 'invalid_value', message: `${JSON.stringify(v)} is not a ${name} value nor an "ext:" extension.` },
  );
}

/** A closed Enumeration (no extension terms). */
export function closedEnum<T extends string>(values: readonly T[], name: string): z.ZodType<T> {
  const known = new Set<string>(values);
  return checked<T>((v) =>
    typeof v !== 'string'
      ? stringProblem(v)
      : known.has(v)
        ? null
        : { code: 'invalid_value', message: `${JSON.stringify(v)} is not a ${name} value.` },
  );
}

/** Whether `list` holds every one of `classes` (`all`) or at least one (`anyOf`); no closure per call (hot path). */
function includesClasses(list: readonly unknown[], classes: readonly string[], mode: 'all' | 'anyOf'): boolean {
  for (const c of classes) {
    const has = list.includes(c);
    if (mode === 'all' ? !has : has) return mode !== 'all';
  }
  return mode === 'all';
}

/**
 * `type` of cardinality 1..* and "array-compacted": a string or a non-empty array of strings that includes every
 * one of `classes` (for `anyOf`, at least one of them).
 */
export function typeIncluding(classes: readonly string[], mode: 'all' | 'anyOf' = 'all'): z.ZodType<string | string[]> {
  const label = classes.map((c) => `'${c}'`).join(mode === 'all' ? ' and ' : ' or ');
  return checked<string | string[]>((v) => {
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? (v as unknown[]) : null;
    if (list === null || list.length === 0 || list.some((t) => typeof t !== 'string')) {
      return { code: 'invalid_type', message: 'Expected a type string or a non-empty array of type strings.' };
    }
    return includesClasses(list, classes, mode)
      ? null
      : { code: 'missing_class', message: `The type must include ${label}.` };
  });
}

/** `type` of cardinality 1 with "Constraint equals": exactly the string `cls` (Image, IdentityObject, …). */
export function typeEquals<T extends string>(cls: T): z.ZodType<T> {
  return checked<T>((v) =>
    v === cls
      ? null
      : typeof v === 'string'
        ? { code: 'invalid_value', message: `The type must be '${cls}'.` }
        : { code: 'invalid_type', message: `The type must be the string '${cls}'.` },
  );
}

/** 0..* properties that are not "array-compacted" are JSON arrays in the OB JSON Schema. */
export function arrayOf<T>(item: z.ZodType<T>) {
  return z.array(item);
}

/** 0..* "array-compacted" properties (proof, credentialSchema, termsOfUse): one value or an array of them. */
export function oneOrMany<T>(item: z.ZodType<T>): z.ZodType<T | T[]> {
  const many = z.array(item);
  return select<T | T[]>((v) => (Array.isArray(v) ? many : item));
}

/** A property that must be a JSON string. */
export const text = z.string();

/** True when `value` is an OB `Date` or an OB `DateTime` (see {@link dateOrDateTime}). */
export function isDateOrDateTime(value: string): boolean {
  return isDate(value) || isDateTime(value, false);
}

/**
 * `activityStartDate` / `activityEndDate`: the OB 3.0 data model says DateTime, but the OB 3.0.x JSON-LD contexts type
 * them `xsd:date`, so both forms occur in conformant credentials and both are accepted.
 */
export const dateOrDateTime = checked<string>((v) => {
  if (typeof v !== 'string') return stringProblem(v);
  return isDateOrDateTime(v)
    ? null
    : { code: 'invalid_format', message: 'Expected a date (YYYY-MM-DD) or an ISO 8601 date-time.' };
});
