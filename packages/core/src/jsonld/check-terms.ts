import jsonld from 'jsonld';
import ContextResolver from 'jsonld/lib/ContextResolver.js';
import { SkillproofError } from '../errors.js';
import type { DocumentLoader, JsonObject, JsonValue } from '../types.js';
import { TERM_EVENT_CODES, toSkillproofError } from './canonize.js';

export interface CheckTermsOptions {
  /** Deepest nesting of objects and arrays accepted (`ERR_INPUT_TOO_DEEP`). Default 64. */
  maxDepth?: number;
  /** Most JSON values (objects, arrays, scalars, keys) accepted (`ERR_INPUT_TOO_LARGE`). Default 100,000. */
  maxValues?: number;
  /**
   * Most candidate places examined to locate a problem. Each costs two JSON-LD conversions of a document no larger than
   * the path to the place. When exhausted, the error is still thrown, without `path`. Default 64.
   */
  maxProbes?: number;
}

type Segment = string | number;

/** A place in the document that may be what a JSON-LD warning is about. */
interface Site {
  /** Path to the object that holds the key. */
  parent: Segment[];
  key: string;
  /** For a value site inside an array: its index; the site is `parent.key[index]`. */
  index?: number;
  /** What the site is tested for: the key itself (undefined term) or its string value (relative IRI). */
  kind: 'key' | 'value';
}

interface JsonLdEvent {
  code: string;
  level?: string;
  details?: Record<string, unknown>;
}

/**
 * Checks that every term in a JSON-LD document is defined by its contexts, as a Data Integrity verifier in safe mode
 * requires (VC Data Integrity §4.4, JSON-LD 1.1 expansion): no property that would be dropped, no `type` value that is
 * not a defined class, no relative IRI in `id` or `@id`-typed values. Throws `ERR_TERM_UNDEFINED` with `path`, the
 * JSON path of the offending key or value (`$.credentialSubject.achievement.foo`, `$.type[1]`). Context problems keep
 * their codes (`ERR_CONTEXT_UNKNOWN`, …); other unsafe JSON-LD is `ERR_JSONLD_INVALID`.
 *
 * The work is bounded by `options` and by the document loader's own limits; callers should still cap the input size
 * (a credential is a few kilobytes; 1 MiB is generous) before calling.
 *
 * @example
 * ```ts
 * await checkTerms(credential, createDocumentLoader()); // throws ERR_TERM_UNDEFINED with e.path if a term is undefined
 * ```
 */
export async function checkTerms(
  document: JsonObject,
  documentLoader: DocumentLoader,
  options: CheckTermsOptions = {},
): Promise<void> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'A JSON-LD document must be a JSON object.');
  }
  const sites = collectSites(document, options.maxDepth ?? 64, options.maxValues ?? 100_000);
  // One resolver for every conversion of this call: each context is fetched and processed once, not once per probe.
  // Nothing is tagged `static`, so nothing reaches jsonld.js's process-wide cache.
  const resolver = new ContextResolver({ sharedCache: new Map() });
  const events = await unsafeEvents(document, documentLoader, resolver);
  if (events.length === 0) return;

  // Candidate places for every event, in document order, so the first reported place is the first in the document.
  const candidates: Array<{ site: Site; order: number; event: JsonLdEvent; match: Probe }> = [];
  const seen = new Set<string>();
  for (const event of events) {
    const probe = probeFor(event);
    if (!probe) continue;
    const signature = `${probe.code}\u0000${probe.needle}`;
    if (seen.has(signature)) continue;
    seen.add(signature);
    sites.forEach((site, order) => {
      if (site.kind === probe.kind && siteText(document, site) === probe.needle) {
        candidates.push({ site, order, event, match: probe });
      }
    });
  }
  candidates.sort((a, b) => a.order - b.order);

  let probes = options.maxProbes ?? 64;
  for (const { site, event, match } of candidates) {
    if (probes-- <= 0) break;
    const [present, absent] = await Promise.all([
      countEvents(prune(document, site, true), documentLoader, resolver, match),
      countEvents(prune(document, site, false), documentLoader, resolver, match),
    ]);
    if (present > absent) throw termError(event, jsonPath(site));
  }
  // Found a problem but not its place (or ran out of probes): still a failure, only without a path.
  const first = events.find((e) => TERM_EVENT_CODES.has(e.code)) ?? events[0]!;
  throw termError(first, undefined);
}

interface Probe {
  code: string;
  kind: Site['kind'];
  /** The key (for `kind: 'key'`) or the string value (for `kind: 'value'`) the event names. */
  needle: string;
}

/** What to look for in the document for a jsonld.js warning, from the details jsonld.js 9 puts in its events. */
function probeFor(event: JsonLdEvent): Probe | undefined {
  const d = event.details ?? {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  let needle: string | undefined;
  let kind: Site['kind'] = 'value';
  switch (event.code) {
    case 'invalid property':
      needle = str(d.property);
      kind = 'key';
      break;
    case 'relative @type reference':
      needle = str(d.type);
      break;
    case 'relative @id reference':
      needle = str(d.id);
      break;
    case 'relative object reference':
      needle = str(d.object);
      break;
    case 'relative subject reference':
      needle = str(d.subject);
      break;
    case 'relative graph reference':
      needle = str(d.graph);
      break;
    default:
      return undefined;
  }
  return needle === undefined ? undefined : { code: event.code, kind, needle };
}

/** Every key and every string value of the document outside `@context`, in document order, within the limits. */
function collectSites(document: JsonObject, maxDepth: number, maxValues: number): Site[] {
  const sites: Site[] = [];
  let values = 0;
  // Iterative depth-first walk: hostile nesting cannot overflow the stack here.
  const stack: Array<{ value: JsonValue; path: Segment[] }> = [{ value: document, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (path.length >= maxDepth && value !== null && typeof value === 'object') {
      throw new SkillproofError('ERR_INPUT_TOO_DEEP', `The document nests deeper than ${maxDepth} levels.`, {
        path: formatPath(path),
      });
    }
    if (value === null || typeof value !== 'object') continue;
    const children: Array<{ value: JsonValue; path: Segment[] }> = [];
    if (Array.isArray(value)) {
      value.forEach((item, i) => children.push({ value: item, path: [...path, i] }));
    } else {
      for (const [key, child] of Object.entries(value)) {
        // A context is not data: its keys are term definitions, not terms in use.
        if (key === '@context') continue;
        sites.push({ parent: path, key, kind: 'key' });
        if (typeof child === 'string') sites.push({ parent: path, key, kind: 'value' });
        if (Array.isArray(child)) {
          child.forEach((item, index) => {
            if (typeof item === 'string') sites.push({ parent: path, key, index, kind: 'value' });
          });
        }
        children.push({ value: child, path: [...path, key] });
      }
    }
    values += children.length + 1;
    if (values > maxValues) {
      throw new SkillproofError('ERR_INPUT_TOO_LARGE', `The document has more than ${maxValues} values.`);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return sites;
}

function siteText(document: JsonObject, site: Site): string | undefined {
  if (site.kind === 'key') return site.key;
  const holder = at(document, site.parent) as JsonObject;
  const value = holder[site.key];
  const item = site.index === undefined ? value : Array.isArray(value) ? value[site.index] : undefined;
  return typeof item === 'string' ? item : undefined;
}

function at(document: JsonObject, path: Segment[]): JsonValue | undefined {
  let cur: JsonValue | undefined = document;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[seg as number] : (cur as JsonObject)[seg as string];
  }
  return cur;
}

/**
 * A copy of the document that keeps only what decides the active context at the site (JSON-LD 1.1 §4.1 and the
 * expansion algorithm): the objects on the path with their `@context` and their string members (which include every
 * `type` alias, whose type-scoped contexts apply), the keys on the path (property-scoped contexts, `@nest`) and, when
 * `present`, the site itself. Comparing the warnings of both copies tells whether that very place causes the warning,
 * even where the same key or value is fine elsewhere in the document.
 */
function prune(document: JsonObject, site: Site, present: boolean): JsonObject {
  const path: Segment[] = [...site.parent, site.key];
  const build = (value: JsonValue, depth: number): JsonValue => {
    if (depth === site.parent.length) return leafObject(value as JsonObject, site, present);
    const seg = path[depth]!;
    if (Array.isArray(value)) return [build(value[seg as number]!, depth + 1)];
    const source = value as JsonObject;
    const copy = skeleton(source);
    define(copy, seg as string, build(source[seg as string]!, depth + 1));
    return copy;
  };
  return build(document, 0) as JsonObject;
}

function leafObject(source: JsonObject, site: Site, present: boolean): JsonObject {
  const copy = skeleton(source);
  if (site.kind === 'key') {
    // The key alone decides; its value would only add warnings from inside it.
    if (present) define(copy, site.key, null);
    else delete copy[site.key];
    return copy;
  }
  const value = source[site.key];
  if (site.index !== undefined && Array.isArray(value)) {
    const strings = value.filter((v): v is string => typeof v === 'string');
    const kept = present ? strings : value.filter((v, i) => i !== site.index && typeof v === 'string');
    define(copy, site.key, kept as JsonValue);
  } else if (!present) {
    delete copy[site.key];
  }
  return copy;
}

function skeleton(source: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '@context') define(copy, key, value);
    else if (typeof value === 'string') define(copy, key, value);
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
      define(copy, key, value);
    }
  }
  return copy;
}

/** Sets an own property even for keys such as `__proto__`, which plain assignment would not. */
function define(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

async function countEvents(
  document: JsonObject,
  documentLoader: DocumentLoader,
  resolver: ContextResolver,
  probe: Probe,
): Promise<number> {
  const events = await unsafeEvents(document, documentLoader, resolver);
  return events.filter((e) => {
    const p = probeFor(e);
    return p !== undefined && p.code === probe.code && p.needle === probe.needle;
  }).length;
}

/** Most warnings kept from one conversion; one is enough to fail, more only help to report the first in the document. */
const MAX_EVENTS = 1000;

/** The warnings that safe mode turns into errors, from a conversion to RDF with the options `canonize` uses. */
async function unsafeEvents(
  document: JsonObject,
  documentLoader: DocumentLoader,
  contextResolver: ContextResolver,
): Promise<JsonLdEvent[]> {
  const events: JsonLdEvent[] = [];
  try {
    await jsonld.toRDF(
      document as never,
      {
        documentLoader: documentLoader as never,
        base: null,
        safe: false,
        contextResolver,
        eventHandler: ({ event }: { event: JsonLdEvent }) => {
          if (event.level === 'warning' && UNSAFE_EVENT_CODES.has(event.code) && events.length < MAX_EVENTS) {
            events.push(event);
          }
        },
      } as never,
    );
  } catch (e) {
    throw toSkillproofError(e);
  }
  return events;
}

/** jsonld.js 9 `safeEventHandler`: the warnings that safe mode refuses. */
const UNSAFE_EVENT_CODES: ReadonlySet<string> = new Set([
  'empty object',
  'free-floating scalar',
  'invalid @language value',
  'invalid property',
  'null @id value',
  'null @value value',
  'object with only @id',
  'object with only @language',
  'object with only @list',
  'object with only @value',
  'relative @id reference',
  'relative @type reference',
  'relative @vocab reference',
  'reserved @id value',
  'reserved @reverse value',
  'reserved term',
  'blank node predicate',
  'relative graph reference',
  'relative object reference',
  'relative predicate reference',
  'relative subject reference',
  'rdfDirection not set',
]);

function termError(event: JsonLdEvent, path: string | undefined): SkillproofError {
  const d = event.details ?? {};
  const what = [d.property, d.type, d.id, d.object, d.subject, d.graph].find((v) => typeof v === 'string');
  const where = path === undefined ? '' : ` at ${path}`;
  if (!TERM_EVENT_CODES.has(event.code)) {
    return new SkillproofError('ERR_JSONLD_INVALID', `The document is not safe JSON-LD (${event.code})${where}.`, {
      ...(path !== undefined && { path }),
      details: { event: event.code },
    });
  }
  const message =
    event.code === 'invalid property'
      ? `The term ${JSON.stringify(what)}${where} is not defined by the document's contexts.`
      : event.code === 'relative @type reference'
        ? `The type ${JSON.stringify(what)}${where} is not defined by the document's contexts.`
        : `${JSON.stringify(what ?? '')}${where} is a relative IRI that cannot be resolved (${event.code}).`;
  return new SkillproofError('ERR_TERM_UNDEFINED', message, {
    ...(path !== undefined && { path }),
    details: { event: event.code, ...(typeof what === 'string' && { term: what }) },
  });
}

function jsonPath(site: Site): string {
  const path: Segment[] = [...site.parent, site.key];
  if (site.index !== undefined) path.push(site.index);
  return formatPath(path);
}

/** `$.a.b[0]`, with bracket notation for keys that are not identifiers (`$["@id"]`). */
function formatPath(path: Segment[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
