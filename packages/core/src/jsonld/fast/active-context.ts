/**
 * JSON-LD 1.1 context processing (JSON-LD 1.1 Processing Algorithms §4.1, §4.2, IRI expansion §5.2) for the fast
 * toRDF path, mirroring jsonld.js 9 (lib/context.js) decision for decision on the subset it supports. Active contexts
 * are immutable and memoized per (parent, local context, flags): a document walk never clones one. Anything jsonld.js
 * would report (an error, or a warning that safe mode turns into an error) or that this subset does not implement
 * throws {@link Bail}, which the caller turns into "take the slow path".
 */
import type { JsonObject, JsonValue } from '../../types.js';

/** Thrown when the fast path cannot be sure of jsonld.js's result; never escapes {@link toQuadsFast}. */
export class Bail extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Bail';
  }
}

/**
 * Resolves a context URL to the JSON document a document loader would return for it (the object with `@context`),
 * synchronously, or `undefined` when the URL is not known (the fast path then steps aside). A `ReadonlyMap` such as
 * `bundledContexts()` works as is. It must answer as the document loader of the slow path would (same document for
 * the same URL), or the two paths could disagree; compiled contexts are cached per document object, not per URL.
 *
 * @example
 * ```ts
 * const contexts: ContextResolver = (url) => overrides.get(url) ?? bundledContexts().get(url);
 * ```
 */
export type ContextResolver = ((url: string) => JsonObject | undefined) | ReadonlyMap<string, JsonObject>;

/** A term definition in jsonld.js's own shape: `_deepCompare` of protected redefinitions depends on every key. */
export interface TermDefinition {
  reverse: boolean;
  _termHasColon: boolean;
  '@id'?: string | null;
  _prefix?: boolean;
  protected?: boolean;
  '@type'?: string;
  '@container'?: string[];
  '@context'?: JsonValue;
}

// jsonld.js lib/url.js `isAbsolute` (blank node identifiers count as absolute), lib/util.js REGEX_KEYWORD.
export const ABSOLUTE_IRI = /^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$/;
const KEYWORD_LIKE = /^@[a-zA-Z]+$/;
const KEYWORDS = new Set([
  '@base',
  '@container',
  '@context',
  '@default',
  '@direction',
  '@embed',
  '@explicit',
  '@graph',
  '@id',
  '@included',
  '@index',
  '@json',
  '@language',
  '@list',
  '@nest',
  '@none',
  '@omitDefault',
  '@prefix',
  '@preserve',
  '@protected',
  '@requireAll',
  '@reverse',
  '@set',
  '@type',
  '@value',
  '@version',
  '@vocab',
]);

export const isKeyword = (v: string): boolean => KEYWORDS.has(v);
export const isAbsoluteIri = (v: string): boolean => ABSOLUTE_IRI.test(v);

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** See {@link ActiveContext.info}. */
export interface KeyInfo {
  readonly iri: string | null;
  /** `iri`: absolute and not a blank node; `bad`: null or relative (safe mode rejects it). */
  readonly kind: 'keyword' | 'iri' | 'blank' | 'bad';
  readonly def: TermDefinition | undefined;
}

/** Result of IRI expansion that jsonld.js would have to resolve against the document base: never certain here. */
const NEEDS_BASE = Symbol('needs base');

interface Flags {
  propagate: boolean;
  overrideProtected: boolean;
}

/** An active context. Never mutated once {@link processContext} or the initial context hands it out. */
export class ActiveContext {
  readonly terms: Map<string, TermDefinition>;
  vocab: string | undefined;
  /** jsonld.js `previousContext`: the context a non-propagated (type-scoped) context reverts to. */
  previous: ActiveContext | undefined;
  /** jsonld.js `protected`: terms ever marked protected in this context (never unmarked, as in jsonld.js). */
  readonly protectedTerms: Set<string>;
  // Memo tables, keyed by the identity of the local context object (or null for a `null` context).
  private readonly applied = new Map<string, WeakMap<object, ActiveContext>>();
  private withPreviousMemo: ActiveContext | undefined;
  private readonly infos = new Map<string, KeyInfo>();
  private typeAliasList: readonly string[] | undefined;

  constructor(parent?: ActiveContext) {
    this.terms = new Map(parent?.terms);
    this.vocab = parent?.vocab;
    this.previous = parent?.previous;
    this.protectedTerms = new Set(parent?.protectedTerms);
  }

  /** This context with `previous` set to itself (jsonld.js clones before a non-propagated context applies). */
  withPrevious(): ActiveContext {
    if (!this.withPreviousMemo) {
      const c = new ActiveContext(this);
      c.previous = this;
      this.withPreviousMemo = c;
    }
    return this.withPreviousMemo;
  }

  /** jsonld.js `revertToPreviousContext` (a clone there; the same immutable object here). */
  revert(): ActiveContext {
    return this.previous ?? this;
  }

  memoGet(flagsKey: string, local: object): ActiveContext | undefined {
    return this.applied.get(flagsKey)?.get(local);
  }

  memoSet(flagsKey: string, local: object, result: ActiveContext): void {
    let m = this.applied.get(flagsKey);
    if (!m) this.applied.set(flagsKey, (m = new WeakMap()));
    m.set(local, result);
  }

  /** IRI expansion with `vocab: true` (property keys, `@type` values), memoized: this context never changes. */
  expandVocab(value: string): string | null {
    return this.info(value).iri;
  }

  /**
   * What a key (or a `@type` value) means here: its vocab expansion, whether that is a keyword or an IRI jsonld.js
   * accepts as a predicate or class (absolute, not a blank node), and the term definition. Memoized.
   */
  info(value: string): KeyInfo {
    let r = this.infos.get(value);
    if (r === undefined) {
      const iri = expandIri(this, value, true, false);
      if (iri === NEEDS_BASE) throw new Bail(`IRI ${value} would be resolved against the document base`);
      const kind =
        iri === null
          ? 'bad'
          : isKeyword(iri)
            ? 'keyword'
            : isAbsoluteIri(iri)
              ? iri.startsWith('_:')
                ? 'blank'
                : 'iri'
              : 'bad';
      r = { iri, kind, def: this.terms.get(value) };
      if (this.infos.size < 4096) this.infos.set(value, r);
    }
    return r;
  }

  /**
   * The keys whose {@link info} is `@type` here: `@type` itself and the terms aliasing it (only a term definition can
   * expand to a keyword: compact IRIs and `@vocab` give IRIs). Memoized.
   */
  typeAliases(): readonly string[] {
    if (!this.typeAliasList) {
      const list = ['@type'];
      for (const [term, def] of this.terms) if (def['@id'] === '@type' && !KEYWORD_LIKE.test(term)) list.push(term);
      this.typeAliasList = list;
    }
    return this.typeAliasList;
  }

  /** IRI expansion with `base: true` only (`@id` values, `@type: @id` values). */
  expandBase(value: string): string | null {
    const r = expandIri(this, value, false, true);
    if (r === NEEDS_BASE) throw new Bail(`IRI ${value} would be resolved against the document base`);
    return r;
  }
}

/** jsonld.js getInitialContext: no terms, no vocab, processing mode JSON-LD 1.1. */
export const INITIAL_CONTEXT = new ActiveContext();

/**
 * jsonld.js `_expandIri` (JSON-LD 1.1 IRI Expansion, §5.2). During context processing `local`/`defined` are given
 * so that terms the value depends on are defined first.
 */
function expandIri(
  ctx: ActiveContext,
  value: string,
  vocab: boolean,
  base: boolean,
  local?: JsonObject,
  defined?: Map<string, boolean>,
): string | null | typeof NEEDS_BASE {
  if (isKeyword(value)) return value;
  if (KEYWORD_LIKE.test(value)) return null;
  if (local && defined && hasOwn(local, value) && defined.get(value) !== true) {
    createTermDefinition(ctx, local, value, defined, false);
  }
  if (vocab) {
    const mapping = ctx.terms.get(value);
    if (mapping && '@id' in mapping) return mapping['@id'] ?? null;
  }
  const colon = value.indexOf(':');
  if (colon > 0) {
    const prefix = value.slice(0, colon);
    const suffix = value.slice(colon + 1);
    if (prefix === '_' || suffix.startsWith('//')) return value;
    if (local && defined && hasOwn(local, prefix)) createTermDefinition(ctx, local, prefix, defined, false);
    const mapping = ctx.terms.get(prefix);
    if (mapping && mapping._prefix) return mapping['@id'] + suffix;
    if (isAbsoluteIri(value)) return value;
  }
  if (vocab && ctx.vocab !== undefined) return ctx.vocab + value;
  if (base) return NEEDS_BASE;
  return value;
}

/** One context entry after URL resolution: a context object, or `null` (reset). */
type Resolved = JsonObject | null;

function resolveUrl(url: string, resolver: ContextResolver): JsonObject {
  if (!isAbsoluteIri(url) || url.startsWith('_:')) throw new Bail(`relative context URL ${url}`);
  const doc = typeof resolver === 'function' ? resolver(url) : resolver.get(url);
  if (!doc) throw new Bail(`unknown context ${url}`);
  if (!isObject(doc) || !('@context' in doc)) throw new Bail(`context ${url} has no @context`);
  return doc;
}

/** jsonld.js ContextResolver.resolve: flattens URL references (recursively) into context objects and nulls. */
function resolveContexts(local: JsonValue, resolver: ContextResolver, out: Resolved[], depth: number): void {
  if (depth > 10) throw new Bail('context nesting too deep');
  // jsonld.js unwraps `{ "@context": … }` only when the value is truthy.
  if (isObject(local) && local['@context']) local = local['@context'];
  const list = Array.isArray(local) ? local : [local];
  for (const ctx of list) {
    if (typeof ctx === 'string') {
      const doc = resolveUrl(ctx, resolver);
      resolveContexts(doc['@context'] ?? null, resolver, out, depth + 1);
    } else if (ctx === null) {
      out.push(null);
    } else if (isObject(ctx)) {
      if ('@context' in ctx) throw new Bail('context object with a nested @context');
      out.push(ctx);
    } else {
      throw new Bail('invalid local context');
    }
  }
}

/**
 * jsonld.js `context.process`: the active context after `local` (a context value: URL, object, null or an array of
 * them) is applied to `active`. Memoized per (active, local object identity, flags) when `local` is a JSON object or
 * array (values inside context documents and documents are stable objects); string URLs are resolved on every call
 * (the resolver decides what they mean) and then memoized per resolved document.
 */
export function processContext(
  active: ActiveContext,
  local: JsonValue,
  flags: Flags,
  resolver: ContextResolver,
): ActiveContext {
  const resolved: Resolved[] = [];
  resolveContexts(local, resolver, resolved, 0);
  if (resolved.length === 0) return active;
  let { propagate } = flags;
  const first = resolved[0];
  if (first && typeof first['@propagate'] === 'boolean') propagate = first['@propagate'];
  let rval = active;
  if (!propagate && !rval.previous) rval = rval.withPrevious();
  for (const ctx of resolved) {
    if (ctx === null) {
      if (!flags.overrideProtected && rval.protectedTerms.size !== 0) {
        throw new Bail('nullifying a context with protected terms');
      }
      rval = INITIAL_CONTEXT;
      continue;
    }
    const key = flags.overrideProtected ? 'o' : '-';
    let next = rval.memoGet(key, ctx);
    if (!next) {
      next = applyContextObject(rval, ctx, flags.overrideProtected, resolver);
      rval.memoSet(key, ctx, next);
    }
    rval = next;
  }
  return rval;
}

/** One context object applied to `active` (the body of jsonld.js's `process` loop). */
function applyContextObject(
  active: ActiveContext,
  ctx: JsonObject,
  overrideProtected: boolean,
  resolver: ContextResolver,
): ActiveContext {
  const rval = new ActiveContext(active);
  const defined = new Map<string, boolean>();
  if ('@version' in ctx) {
    if (ctx['@version'] !== 1.1) throw new Bail('@version other than 1.1');
    defined.set('@version', true);
  }
  if ('@base' in ctx) throw new Bail('@base in a context');
  if ('@vocab' in ctx) {
    const value = ctx['@vocab'];
    if (value === null) rval.vocab = undefined;
    else if (typeof value !== 'string') throw new Bail('invalid @vocab');
    else {
      const vocab = expandIri(rval, value, true, true);
      if (typeof vocab !== 'string' || !isAbsoluteIri(vocab)) throw new Bail('relative @vocab');
      rval.vocab = vocab;
    }
    defined.set('@vocab', true);
  }
  if ('@language' in ctx) throw new Bail('@language in a context');
  if ('@direction' in ctx) throw new Bail('@direction in a context');
  if ('@import' in ctx) throw new Bail('@import in a context');
  if ('@propagate' in ctx) {
    if (typeof ctx['@propagate'] !== 'boolean') throw new Bail('invalid @propagate');
    defined.set('@propagate', true);
  }
  // jsonld.js stores `ctx['@protected'] || false`; an explicit `false` then reads as a cycle when the key loop
  // reaches it ("Cyclical context definition detected"): an error there, a bail here.
  const isProtected = ctx['@protected'];
  if (isProtected !== undefined && isProtected !== true) throw new Bail('@protected other than true');
  defined.set('@protected', isProtected === true);

  for (const key in ctx) {
    createTermDefinition(rval, ctx, key, defined, overrideProtected);
    const value = ctx[key];
    if (isObject(value) && '@context' in value) {
      // jsonld.js processes every scoped context once here to validate it (errors become "invalid scoped
      // context"); the snapshot is the context as defined so far.
      validateScoped(new ActiveContext(rval), value['@context'] ?? null, resolver);
    }
  }
  return rval;
}

function validateScoped(snapshot: ActiveContext, scoped: JsonValue, resolver: ContextResolver): void {
  if (typeof scoped === 'string') throw new Bail('URL as a scoped context');
  processContext(snapshot, scoped, { propagate: true, overrideProtected: true }, resolver);
}

const VALID_DEFINITION_KEYS = new Set([
  '@container',
  '@id',
  '@language',
  '@reverse',
  '@type',
  '@context',
  '@direction',
  '@index',
  '@nest',
  '@prefix',
  '@protected',
]);

/** jsonld.js `createTermDefinition` (JSON-LD 1.1 Create Term Definition, §4.2), on the supported subset. */
function createTermDefinition(
  active: ActiveContext,
  local: JsonObject,
  term: string,
  defined: Map<string, boolean>,
  overrideProtected: boolean,
): void {
  if (defined.has(term)) {
    if (defined.get(term)) return;
    throw new Bail('cyclic term definition');
  }
  defined.set(term, false);
  let value: JsonValue | undefined = hasOwn(local, term) ? local[term] : undefined;
  if (isKeyword(term)) throw new Bail(`keyword ${term} redefined`);
  if (KEYWORD_LIKE.test(term)) throw new Bail(`reserved term ${term}`);
  if (term === '') throw new Bail('empty term');

  const previous = active.terms.get(term);
  active.terms.delete(term);

  let simpleTerm = false;
  if (typeof value === 'string' || value === null) {
    simpleTerm = true;
    value = { '@id': value };
  }
  if (!isObject(value)) throw new Bail(`invalid term definition ${term}`);

  const mapping: TermDefinition = { reverse: false, _termHasColon: false };
  active.terms.set(term, mapping);
  for (const kw in value) {
    if (!VALID_DEFINITION_KEYS.has(kw)) throw new Bail(`invalid term definition key ${kw}`);
  }
  for (const kw of ['@reverse', '@index', '@language', '@direction', '@nest']) {
    if (kw in value) throw new Bail(`${kw} in a term definition is not supported`);
  }
  const colon = term.indexOf(':');
  mapping._termHasColon = colon > 0;

  if ('@id' in value) {
    const id = value['@id'];
    if (id !== null && typeof id !== 'string') throw new Bail('invalid IRI mapping');
    if (id === null) {
      mapping['@id'] = null;
    } else if (!isKeyword(id) && KEYWORD_LIKE.test(id)) {
      throw new Bail('reserved @id value in a context');
    } else if (id !== term) {
      const expanded = expandIri(active, id, true, false, local, defined);
      if (typeof expanded !== 'string' || (!isAbsoluteIri(expanded) && !isKeyword(expanded))) {
        throw new Bail('invalid IRI mapping');
      }
      if (/(?::[^:])|\//.test(term)) {
        const termDefined = new Map(defined).set(term, true);
        if (expandIri(active, term, true, false, local, termDefined) !== expanded) {
          throw new Bail('term in form of IRI must expand to definition');
        }
      }
      mapping['@id'] = expanded;
      mapping._prefix = simpleTerm && !mapping._termHasColon && /[:/?#[\]@]$/.test(expanded);
    }
  }

  if (!('@id' in mapping)) {
    if (mapping._termHasColon) {
      const prefix = term.slice(0, colon);
      if (hasOwn(local, prefix)) createTermDefinition(active, local, prefix, defined, false);
      const prefixMapping = active.terms.get(prefix);
      if (prefixMapping) {
        const prefixId = prefixMapping['@id'];
        if (typeof prefixId !== 'string') throw new Bail('prefix without an IRI');
        mapping['@id'] = prefixId + term.slice(colon + 1);
      } else {
        mapping['@id'] = term;
      }
    } else {
      if (active.vocab === undefined) throw new Bail('term without @id and no @vocab');
      mapping['@id'] = active.vocab + term;
    }
  }

  if (value['@protected'] === true || (defined.get('@protected') === true && value['@protected'] !== false)) {
    active.protectedTerms.add(term);
    mapping.protected = true;
  }
  defined.set(term, true);

  if ('@type' in value) {
    let type = value['@type'];
    if (typeof type !== 'string') throw new Bail('invalid type mapping');
    if (type !== '@json' && type !== '@none' && type !== '@id' && type !== '@vocab') {
      const expanded = expandIri(active, type, true, false, local, defined);
      if (typeof expanded !== 'string' || !isAbsoluteIri(expanded) || expanded.startsWith('_:')) {
        throw new Bail('invalid type mapping');
      }
      type = expanded;
    }
    mapping['@type'] = type;
  }

  if ('@container' in value) {
    const raw = value['@container'];
    if (raw !== null && typeof raw !== 'string' && !Array.isArray(raw)) throw new Bail('invalid container mapping');
    const container: JsonValue[] = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    if (!container.every((c): c is string => typeof c === 'string')) throw new Bail('invalid container mapping');
    const hasSet = container.includes('@set');
    let isValid = true;
    if (container.includes('@list')) {
      if (container.length !== 1) throw new Bail('invalid container mapping');
    } else if (container.includes('@graph')) {
      if (container.some((k) => k !== '@graph' && k !== '@id' && k !== '@index' && k !== '@set')) {
        throw new Bail('invalid container mapping');
      }
    } else {
      isValid = container.length <= (hasSet ? 2 : 1);
    }
    if (container.includes('@type')) {
      mapping['@type'] = mapping['@type'] ?? '@id';
      if (mapping['@type'] !== '@id' && mapping['@type'] !== '@vocab') throw new Bail('invalid type mapping');
    }
    const valid = ['@list', '@set', '@index', '@language', '@graph', '@id', '@type'];
    isValid = isValid && container.every((c) => valid.includes(c));
    isValid = isValid && !(hasSet && container.includes('@list'));
    if (!isValid) throw new Bail('invalid container mapping');
    mapping['@container'] = container;
  }

  if ('@context' in value) mapping['@context'] = value['@context'];

  if ('@prefix' in value) {
    if (/:|\//.test(term)) throw new Bail('@prefix on a compact IRI term');
    if (typeof mapping['@id'] === 'string' && isKeyword(mapping['@id'])) throw new Bail('keyword as a prefix');
    if (typeof value['@prefix'] !== 'boolean') throw new Bail('invalid @prefix value');
    mapping._prefix = value['@prefix'];
  }

  const id = mapping['@id'];
  if (id === '@context' || id === '@preserve') throw new Bail('invalid keyword alias');

  if (previous && previous.protected && !overrideProtected) {
    active.protectedTerms.add(term);
    mapping.protected = true;
    if (!deepCompare(previous, mapping)) throw new Bail(`protected term ${term} redefined`);
  }
}

/** jsonld.js `_deepCompare` (containers compared as sets). */
function deepCompare(x1: unknown, x2: unknown): boolean {
  if (!(x1 && typeof x1 === 'object') || !(x2 && typeof x2 === 'object')) return x1 === x2;
  const a1 = Array.isArray(x1);
  if (a1 !== Array.isArray(x2)) return false;
  if (a1) {
    const y1 = x1 as unknown[];
    const y2 = x2 as unknown[];
    if (y1.length !== y2.length) return false;
    return y1.every((v, i) => deepCompare(v, y2[i]));
  }
  const o1 = x1 as Record<string, unknown>;
  const o2 = x2 as Record<string, unknown>;
  if (Object.keys(o1).length !== Object.keys(o2).length) return false;
  for (const k in o1) {
    let v1 = o1[k];
    let v2 = o2[k];
    if (k === '@container' && Array.isArray(v1) && Array.isArray(v2)) {
      v1 = [...(v1 as string[])].sort();
      v2 = [...(v2 as string[])].sort();
    }
    if (!deepCompare(v1, v2)) return false;
  }
  return true;
}
