/**
 * The fast JSON-LD → RDF path: walks a compacted credential once with memoized active contexts and emits the quads
 * jsonld.js 9 would emit (`expand` → `createNodeMap` → `toRDF`, JSON-LD 1.1 Processing Algorithms §5.1 Expansion,
 * §7.1 Node Map Generation, §8.1 Deserialize JSON-LD to RDF), in safe mode. Whatever it is not certain of returns
 * `undefined`, and the caller takes the slow path (jsonld.js), which produces the result or the exact error.
 */
import type { JsonObject, JsonValue } from '../../types.js';
import {
  type ActiveContext,
  type TermDefinition,
  Bail,
  hasOwn,
  INITIAL_CONTEXT,
  isAbsoluteIri,
  processContext,
  type ContextResolver,
} from './active-context.js';

export type { ContextResolver } from './active-context.js';

/** An IRI term. */
export interface FastNamedNode {
  readonly termType: 'NamedNode';
  readonly value: string;
}
/** A blank node; `value` is the label without `_:`. */
export interface FastBlankNode {
  readonly termType: 'BlankNode';
  readonly value: string;
}
/** A literal, with `datatype` always set (`rdf:langString` when `language` is set), as jsonld.js makes them. */
export interface FastLiteral {
  readonly termType: 'Literal';
  readonly value: string;
  readonly datatype: FastNamedNode;
  readonly language?: string;
}
export interface FastDefaultGraph {
  readonly termType: 'DefaultGraph';
  readonly value: '';
}
/**
 * One quad in jsonld.js's dataset shape (what rdf-canonize's `canonize` and `canonicalizeQuads` take). Term objects
 * for rdf:type, rdf:first/rest/nil and the default graph are shared between quads: treat them as immutable.
 */
export interface FastQuad {
  readonly subject: FastNamedNode | FastBlankNode;
  readonly predicate: FastNamedNode;
  readonly object: FastNamedNode | FastBlankNode | FastLiteral;
  readonly graph: FastDefaultGraph | FastNamedNode | FastBlankNode;
}

const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const XSD = 'http://www.w3.org/2001/XMLSchema#';
const RDF_TYPE: FastNamedNode = { termType: 'NamedNode', value: `${RDF}type` };
const RDF_FIRST: FastNamedNode = { termType: 'NamedNode', value: `${RDF}first` };
const RDF_REST: FastNamedNode = { termType: 'NamedNode', value: `${RDF}rest` };
const RDF_NIL: FastNamedNode = { termType: 'NamedNode', value: `${RDF}nil` };
const RDF_LANGSTRING = `${RDF}langString`;
const XSD_BOOLEAN = `${XSD}boolean`;
const XSD_DOUBLE = `${XSD}double`;
const XSD_INTEGER = `${XSD}integer`;
const XSD_STRING = `${XSD}string`;
const DEFAULT_GRAPH: FastDefaultGraph = { termType: 'DefaultGraph', value: '' };
const EMPTY: string[] = [];
const PROPERTY_SCOPED = { propagate: true, overrideProtected: true } as const;
const TYPE_SCOPED = { propagate: false, overrideProtected: false } as const;
const EMBEDDED = { propagate: true, overrideProtected: false } as const;
// jsonld.js lib/util.js REGEX_BCP47: a tag that does not match is a safe-mode error.
const BCP47 = /^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/;

/** An expanded value, compared as jsonld.js's `compareValues` compares them when the node map drops duplicates. */
type Item =
  | { readonly k: 'ref'; readonly id: string }
  | { readonly k: 'value'; readonly v: string | number | boolean; readonly t?: string; readonly l?: string }
  | { readonly k: 'list'; readonly items: Item[] };

type Graph = FastDefaultGraph | FastBlankNode;

/** What one object expanded to: a node (its reference and its count of expanded keys) or a value object. */
interface Expanded {
  readonly item: Item;
  /** Keys of the expanded object (jsonld.js drops empty objects and `{@id}`-only objects at the top and in graphs). */
  readonly count: number;
  readonly isValue: boolean;
}

const sameItem = (a: Item, b: Item): boolean =>
  a.k === 'ref'
    ? b.k === 'ref' && a.id === b.id
    : a.k === 'value' && b.k === 'value' && a.v === b.v && a.t === b.t && a.l === b.l;

/** Whether `items[0..end)` holds a value equal to `item` (jsonld.js's `addValue` keeps the first). */
function hasItemBefore(items: readonly Item[], end: number, item: Item): boolean {
  for (let k = 0; k < end; k++) if (sameItem(items[k]!, item)) return true;
  return false;
}

/** One occurrence of a node: its types, and its properties (predicate IRIs and their values, in parallel). */
interface Occurrence {
  readonly types: readonly string[];
  readonly predicates: readonly string[];
  readonly values: readonly (readonly Item[])[];
}

function hasEarlierItem(occurrence: Occurrence, predicate: string, item: Item): boolean {
  const at = occurrence.predicates.indexOf(predicate);
  return at >= 0 && hasItemBefore(occurrence.values[at]!, occurrence.values[at]!.length, item);
}

/**
 * The RDF quads of a JSON-LD document (a compacted credential, presentation, proof configuration, …), exactly those
 * `jsonld.toRDF(document, { safe: true, documentLoader })` produces, up to blank node labels and quad order: passing
 * them to rdf-canonize's `canonize(quads, { algorithm: 'RDFC-1.0' })` (or `canonicalizeQuads`) gives the same
 * canonical N-Quads as `jsonld.canonize`. Duplicate quads that jsonld.js keeps (RDF-equal values its node map does
 * not consider equal, such as `5` and `"5"` under one datatype) are kept too.
 *
 * Returns `undefined` when the document is outside what this path is certain of: a context URL `contexts` does not
 * know, an embedded context object, `@graph`/`@reverse`/`@included`/`@nest`/`@index`/`@json`/`@direction`, language,
 * index, id or type maps, blank node identifiers, any IRI that would be resolved against the document base, an
 * undefined term, anything safe mode rejects. The caller then runs jsonld.js, which gives the result or the error.
 * Contexts are processed once and memoized per (active context, local context); the document is never mutated.
 *
 * @example
 * ```ts
 * const quads = toQuadsFast(credential, bundledContexts()) ?? (await jsonld.toRDF(credential, options));
 * ```
 */
export function toQuadsFast(document: JsonObject, contexts: ContextResolver): FastQuad[] | undefined {
  try {
    const walker = new Walker(contexts);
    walker.top(document);
    return walker.quads;
  } catch (e) {
    if (e instanceof Bail) return undefined;
    // A stack overflow on a very deep document is not ours to report: let the slow path decide.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * Why {@link toQuadsFast} steps aside for a document (the first construct it is not certain of), or `undefined` when
 * it does not. For tests, profiling and logs; the reason is English text, not a stable code.
 *
 * @example
 * ```ts
 * explainSlowPath({ ...credential, '@context': [...urls, { ex: 'https://example.org/' }] }, bundledContexts());
 * // 'embedded context object'
 * ```
 */
export function explainSlowPath(document: JsonObject, contexts: ContextResolver): string | undefined {
  try {
    new Walker(contexts).top(document);
    return undefined;
  } catch (e) {
    if (e instanceof Bail || e instanceof RangeError) return e.message;
    throw e;
  }
}

class Walker {
  readonly quads: FastQuad[] = [];
  private blankCount = 0;
  /** Per graph (`''` for the default graph, else the blank label): each named subject's occurrences so far. */
  private readonly named = new Map<string, Map<string, Occurrence[]>>();

  constructor(private readonly resolver: ContextResolver) {}

  top(document: JsonObject): void {
    if (typeof document !== 'object' || document === null || !isPlainObject(document)) {
      throw new Bail('not a JSON object');
    }
    const r = this.object(INITIAL_CONTEXT, undefined, document, DEFAULT_GRAPH);
    // jsonld.js drops (and safe mode rejects) a top-level value object, empty object or `{@id}`-only object.
    if (r.isValue || r.count === 0 || (r.count === 1 && r.item.k === 'ref' && !r.item.id.startsWith('_:'))) {
      throw new Bail('top-level object jsonld.js would drop');
    }
  }

  private newBlank(): string {
    // jsonld.js labels b0, b1, …; RDFC-1.0 relabels, but a label starting with c14n would be kept by rdf-canonize.
    return `_:b${this.blankCount++}`;
  }

  /**
   * jsonld.js `expand` on an object (node or value object), then its node-map entry and quads. `propertyDef`: the term
   * definition of the key it is the value of, in `ctxIn` (`undefined` at the top or for an undefined-free key).
   */
  private object(
    ctxIn: ActiveContext,
    propertyDef: TermDefinition | undefined,
    element: JsonObject,
    graph: Graph,
  ): Expanded {
    let ctx = ctxIn;
    const keys = Object.keys(element);
    const hasContext = '@context' in element;
    // §5.1.2 step 7: a type-scoped context does not propagate into a nested node object, unless the object is a
    // value object or only an @id (jsonld.js keeps the type-scoped context for those).
    if (ctx.previous) {
      let mustRevert = true;
      if (keys.length <= 2 && !hasContext) {
        for (const key of keys) {
          const ep = ctx.info(key).iri;
          if (ep === '@value' || (ep === '@id' && keys.length === 1)) {
            mustRevert = false;
            break;
          }
        }
      }
      if (mustRevert) ctx = ctx.revert();
    }
    if (propertyDef && propertyDef['@context'] !== undefined) {
      ctx = processContext(ctx, propertyDef['@context'], PROPERTY_SCOPED, this.resolver);
    }
    if (hasContext) {
      const local = element['@context'];
      const refs = Array.isArray(local) ? local : [local];
      if (!refs.every((c) => typeof c === 'string' || c === null)) throw new Bail('embedded context object');
      ctx = processContext(ctx, local ?? null, EMBEDDED, this.resolver);
    }
    const typeScopedCtx = ctx;

    let typeKey: string | undefined;
    for (const alias of ctx.typeAliases()) {
      if (!hasOwn(element, alias)) continue;
      if (typeKey !== undefined) throw new Bail('two keys expand to @type');
      typeKey = alias;
    }
    let rawTypes: string[] = EMPTY;
    if (typeKey !== undefined) {
      const value = element[typeKey];
      const list = (Array.isArray(value) ? value : [value]) as unknown[];
      for (const t of list) if (typeof t !== 'string') throw new Bail('@type values must be strings');
      rawTypes = list as string[];
      const sorted = rawTypes.length > 1 ? [...rawTypes].sort() : rawTypes;
      for (const type of sorted) {
        const def = typeScopedCtx.info(type).def;
        if (def && def['@context'] !== undefined) {
          ctx = processContext(ctx, def['@context'], TYPE_SCOPED, this.resolver);
        }
      }
      if (rawTypes.length > 0 && ctx.info(rawTypes[0]!).iri === '@json') throw new Bail('@json value');
    }

    let id: string | undefined;
    const types: string[] = [];
    // The expanded properties, in order of first appearance: predicate IRIs and their values (a node has a few).
    const predicates: string[] = [];
    const values: Item[][] = [];
    for (const key of keys) {
      if (key === '@context') continue;
      const info = ctx.info(key);
      const ep = info.iri!;
      if (info.kind === 'keyword') {
        const value = element[key];
        if (ep === '@id') {
          if (typeof value !== 'string') throw new Bail('@id must be a string');
          id = this.iri(ctx.expandBase(value));
          continue;
        }
        if (ep === '@type') {
          // A key that only a type-scoped context aliases to @type: jsonld.js's order-dependent handling is not ours.
          if (key !== typeKey) throw new Bail('a second key expanding to @type');
          for (const t of rawTypes) {
            const typeInfo = typeScopedCtx.info(t);
            if (typeInfo.kind !== 'iri') throw new Bail(`relative @type reference ${t}`);
            types.push(typeInfo.iri!);
          }
          continue;
        }
        // §5.1.2 step 15: a value object (everything else in it is checked there).
        if (ep === '@value') return this.valueObject(ctx, typeScopedCtx, element, keys, typeKey);
        if (ep === '@language' && keys.some((k) => ctx.info(k).iri === '@value')) {
          return this.valueObject(ctx, typeScopedCtx, element, keys, typeKey);
        }
        throw new Bail(`keyword ${ep} is not supported`);
      }
      if (info.kind !== 'iri') throw new Bail(`invalid property ${key}`);
      const value = element[key];
      const def = info.def;
      let termCtx = ctx;
      let container = EMPTY;
      if (def) {
        if (def['@context'] !== undefined)
          termCtx = processContext(ctx, def['@context'], PROPERTY_SCOPED, this.resolver);
        container = def['@container'] ?? EMPTY;
        for (const c of container) {
          if (c === '@language' || c === '@index' || c === '@id' || c === '@type') {
            throw new Bail(`${c} container is not supported`);
          }
        }
        if (def['@type'] === '@json') throw new Bail('@json term');
      }
      if (value === null || value === undefined) continue;
      let items: Item[];
      if (container.includes('@graph')) {
        items = this.graphContainer(termCtx, key, value);
        if (items.length === 0) continue;
      } else {
        items = [];
        const valueDef = termCtx === ctx ? def : termCtx.info(key).def;
        if (Array.isArray(value)) {
          const valueContainer = valueDef?.['@container'] ?? EMPTY;
          this.value(termCtx, key, valueDef, value, graph, items, valueContainer.includes('@list'));
        } else this.value(termCtx, key, valueDef, value, graph, items, false);
        if (container.includes('@list')) {
          // A single value or an array under an @list term becomes one list (§5.1.2 step 13.9).
          items = [{ k: 'list', items }];
        } else if (items.length === 0) {
          // jsonld.js keeps the key with an empty array: it counts as an entry of the expanded node.
          if (!predicates.includes(ep)) {
            predicates.push(ep);
            values.push([]);
          }
          continue;
        }
      }
      const at = predicates.indexOf(ep);
      if (at >= 0) values[at]!.push(...items);
      else {
        predicates.push(ep);
        values.push(items);
      }
    }

    const subject = id ?? this.newBlank();
    const count = (id !== undefined ? 1 : 0) + (types.length > 0 ? 1 : 0) + predicates.length;
    this.emitNode(subject, id !== undefined, { types, predicates, values }, graph);
    return { item: { k: 'ref', id: subject }, count, isValue: false };
  }

  private valueObject(
    ctx: ActiveContext,
    typeScopedCtx: ActiveContext,
    element: JsonObject,
    keys: string[],
    typeKey: string | undefined,
  ): Expanded {
    let v: JsonValue | undefined;
    let t: string | undefined;
    let l: string | undefined;
    let hasLanguage = false;
    for (const key of keys) {
      if (key === '@context') continue;
      const ep = ctx.info(key).iri;
      const value = element[key];
      if (ep === '@value') v = value;
      else if (ep === '@type' && key === typeKey) {
        if (typeof value !== 'string') throw new Bail('value object @type must be one string');
        const dt = typeScopedCtx.info(value);
        if (dt.kind !== 'iri') throw new Bail('invalid typed value');
        t = dt.iri!;
      } else if (ep === '@language') {
        if (value === null) continue;
        if (typeof value !== 'string') throw new Bail('@language must be a string');
        l = value.toLowerCase();
        if (!BCP47.test(l)) throw new Bail('invalid @language value');
        hasLanguage = true;
      } else throw new Bail(`${String(ep)} in a value object`);
    }
    if (t !== undefined && hasLanguage) throw new Bail('value object with @type and @language');
    if (v === null || v === undefined) throw new Bail('null @value');
    if (typeof v === 'object') throw new Bail('@value must be a scalar');
    if (hasLanguage && typeof v !== 'string') throw new Bail('only strings may be language-tagged');
    const item: Item = { k: 'value', v, ...(t !== undefined && { t }), ...(l !== undefined && { l }) };
    return { item, count: 1, isValue: true };
  }

  /** An IRI that jsonld.js emits unchanged: absolute, not a blank node identifier. */
  private iri(expanded: string | null): string {
    if (expanded === null || !isAbsoluteIri(expanded) || expanded.startsWith('_:')) {
      throw new Bail(`not an absolute IRI: ${String(expanded)}`);
    }
    return expanded;
  }

  /** jsonld.js `expand` of a property value (array, scalar or object), appending the expanded items. */
  private value(
    ctx: ActiveContext,
    key: string,
    def: TermDefinition | undefined,
    value: JsonValue,
    graph: Graph,
    out: Item[],
    insideListArray: boolean,
  ): void {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const element of value) {
        if (Array.isArray(element)) {
          if (insideListArray) throw new Bail('list of lists');
          this.value(ctx, key, def, element, graph, out, false);
          continue;
        }
        this.value(ctx, key, def, element, graph, out, false);
      }
      return;
    }
    if (typeof value === 'object') {
      if (!isPlainObject(value)) throw new Bail('not a JSON object');
      out.push(this.object(ctx, def, value, graph).item);
      return;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Bail('not a JSON value');
    }
    out.push(this.scalar(ctx, def, value));
  }

  /** jsonld.js `_expandValue`: type coercion of a string, number or boolean (`def`: the key's term definition). */
  private scalar(ctx: ActiveContext, def: TermDefinition | undefined, value: string | number | boolean): Item {
    const type = def?.['@type'];
    if (type === '@id' && typeof value === 'string') return { k: 'ref', id: this.iri(ctx.expandBase(value)) };
    if (type === '@vocab' && typeof value === 'string') {
      // With @vocab typing jsonld.js falls back to the base for a relative value: not certain here.
      const expanded = ctx.info(value);
      if (expanded.kind !== 'iri') throw new Bail(`not an absolute IRI: ${value}`);
      return { k: 'ref', id: expanded.iri! };
    }
    if (type !== undefined && type !== '@id' && type !== '@vocab' && type !== '@none') {
      return { k: 'value', v: value, t: type };
    }
    return { k: 'value', v: value };
  }

  /** A term with `@container: @graph` (the VC `proof`): each value is a node in its own blank-named graph. */
  private graphContainer(ctx: ActiveContext, key: string, value: JsonValue): Item[] {
    const out: Item[] = [];
    for (const element of Array.isArray(value) ? value : [value]) {
      if (element === null) continue;
      if (typeof element !== 'object' || !isPlainObject(element)) {
        throw new Bail('a graph container value jsonld.js would drop');
      }
      const name = this.newBlank();
      const graph: FastBlankNode = { termType: 'BlankNode', value: name.slice(2) };
      const r = this.object(ctx, ctx.info(key).def, element, graph);
      // §5.1.2 step 13.10 drops (and safe mode rejects) empty, value, and {@id}-only objects.
      if (r.isValue || r.count === 0 || (r.count === 1 && r.item.k === 'ref' && !r.item.id.startsWith('_:'))) {
        throw new Bail('a graph container value jsonld.js would drop');
      }
      out.push({ k: 'ref', id: name });
    }
    return out;
  }

  /**
   * The node map entry of one node occurrence (§7.1) and its quads. Values are deduplicated as jsonld.js's `addValue`
   * does: against the values before them under the same predicate, in this occurrence and in earlier occurrences of
   * the same named subject in the same graph (lists are never merged).
   */
  private emitNode(subject: string, isNamed: boolean, node: Occurrence, graph: Graph) {
    const s = term(subject);
    const { types, predicates, values } = node;
    let earlier: Occurrence[] | undefined;
    if (isNamed) {
      let subjects = this.named.get(graph.value);
      if (!subjects) this.named.set(graph.value, (subjects = new Map()));
      earlier = subjects.get(subject);
      subjects.set(subject, earlier ? [...earlier, node] : [node]);
    }
    for (let k = 0; k < types.length; k++) {
      const type = types[k]!;
      if (types.indexOf(type) < k || earlier?.some((o) => o.types.includes(type))) continue;
      this.quads.push({ subject: s, predicate: RDF_TYPE, object: { termType: 'NamedNode', value: type }, graph });
    }
    for (let j = 0; j < predicates.length; j++) {
      const predicate = predicates[j]!;
      const items = values[j]!;
      const p: FastNamedNode = { termType: 'NamedNode', value: predicate };
      for (let k = 0; k < items.length; k++) {
        const item = items[k]!;
        if (
          item.k !== 'list' &&
          (hasItemBefore(items, k, item) || earlier?.some((o) => hasEarlierItem(o, predicate, item)))
        ) {
          continue;
        }
        this.quads.push({ subject: s, predicate: p, object: this.object2rdf(item, graph), graph });
      }
    }
  }

  /** jsonld.js `_objectToRDF` (§8.1.2 Object to RDF Conversion) and `_listToRDF`. */
  private object2rdf(item: Item, graph: Graph): FastNamedNode | FastBlankNode | FastLiteral {
    if (item.k === 'ref') return term(item.id);
    if (item.k === 'value') return literal(item);
    const cells = item.items;
    if (cells.length === 0) return RDF_NIL;
    let head: FastBlankNode | undefined;
    let subject: FastBlankNode | undefined;
    for (const cell of cells) {
      const node = term(this.newBlank()) as FastBlankNode;
      if (subject) this.quads.push({ subject, predicate: RDF_REST, object: node, graph });
      else head = node;
      this.quads.push({ subject: node, predicate: RDF_FIRST, object: this.object2rdf(cell, graph), graph });
      subject = node;
    }
    this.quads.push({ subject: subject!, predicate: RDF_REST, object: RDF_NIL, graph });
    return head!;
  }
}

/** jsonld.js `types.isObject`: other objects (Date, Map, class instances) are scalars there. */
function isPlainObject(v: object): v is JsonObject {
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && !Array.isArray(v);
}

function term(id: string): FastNamedNode | FastBlankNode {
  return id.startsWith('_:') ? { termType: 'BlankNode', value: id.slice(2) } : { termType: 'NamedNode', value: id };
}

const isDouble = (v: number): boolean => String(v).indexOf('.') !== -1 || Math.abs(v) >= 1e21;

/** jsonld.js `_objectToRDF` for value objects: booleans, canonical doubles, integers, language and typed strings. */
function literal(item: { v: string | number | boolean; t?: string; l?: string }): FastLiteral {
  const { v, t } = item;
  if (typeof v === 'boolean') return lit(String(v), t ?? XSD_BOOLEAN);
  if ((typeof v === 'number' && isDouble(v)) || t === XSD_DOUBLE) {
    return lit(canonicalDouble(typeof v === 'number' ? v : parseFloat(v)), t ?? XSD_DOUBLE);
  }
  if (typeof v === 'number') return lit(v.toFixed(0), t ?? XSD_INTEGER);
  if (item.l !== undefined) {
    return {
      termType: 'Literal',
      value: v,
      datatype: { termType: 'NamedNode', value: RDF_LANGSTRING },
      language: item.l,
    };
  }
  return lit(v, t ?? XSD_STRING);
}

// An issuer's doubles recur (credits, scores): their canonical text is computed once. Bounded; a pure function's cache.
const doubleTexts = new Map<number, string>();

/** jsonld.js's canonical xsd:double text (`2.5E0`), memoized. */
function canonicalDouble(n: number): string {
  let text = doubleTexts.get(n);
  if (text === undefined) {
    text = n.toExponential(15).replace(/(\d)0*e\+?/, '$1E');
    if (doubleTexts.size >= 1024) doubleTexts.clear();
    doubleTexts.set(n, text);
  }
  return text;
}

function lit(value: string, datatype: string): FastLiteral {
  return { termType: 'Literal', value, datatype: { termType: 'NamedNode', value: datatype } };
}
