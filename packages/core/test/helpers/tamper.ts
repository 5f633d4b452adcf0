import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../../src/index.js';

export type Path = Array<string | number>;

/** Every path in a JSON value, objects and arrays included (the root excluded). */
export function allPaths(value: JsonValue, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      out.push(...allPaths(v, [...prefix, i]));
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      out.push(...allPaths(v, [...prefix, k]));
    }
  }
  return out;
}

export function getAt(root: JsonValue, path: Path): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, JsonValue>)[p];
  }
  return cur;
}

function setAt(root: JsonObject, path: Path, value: JsonValue | undefined): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, JsonValue> | JsonValue[];
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete (parent as Record<string, JsonValue>)[last];
  } else {
    (parent as Record<string | number, JsonValue>)[last] = value;
  }
}

/** Arrays whose order carries meaning: JSON-LD `@list` containers in the OB 3.0 context, and `@context` itself. */
const ORDERED = new Set(['@context', 'allowedValue']);

export interface Mutation {
  kind: string;
  path: Path;
  /** swap-values: the other path. */
  other?: Path;
  /** rename-key: the new key. */
  to?: string;
  apply(doc: JsonObject): boolean;
}

/**
 * Semantic mutations of a signed credential: each one changes what the credential says (or its proof), so a correct
 * verifier must reject every one. Reordering an unordered array, which changes nothing in the RDF, is not among them.
 */
export function mutationArbitrary(doc: JsonObject): fc.Arbitrary<Mutation> {
  const paths = allPaths(doc);
  const leafPaths = paths.filter((p) => {
    const v = getAt(doc, p);
    return v === null || typeof v !== 'object';
  });
  const keyPaths = paths.filter((p) => typeof p[p.length - 1] === 'string' && p[p.length - 1] !== '@context');
  const orderedArrays = paths.filter((p) => {
    const v = getAt(doc, p);
    const name = p[p.length - 1];
    return (
      Array.isArray(v) &&
      typeof name === 'string' &&
      ORDERED.has(name) &&
      new Set(v.map((x) => JSON.stringify(x))).size > 1
    );
  });
  // The top-level @context has few orders (two entries: one other), so reordering it is its own, rarely picked, kind:
  // as one of the reorderings it was about a fifth of all mutations, the same few documents again and again.
  const listReorders = orderedArrays.filter((p) => !(p.length === 1 && p[0] === '@context'));
  const contextReorders = orderedArrays.filter((p) => p.length === 1 && p[0] === '@context');
  const suffix = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 4 })
    .filter((s) => s.trim() === s && s.length > 0);

  const changeLeaf = fc
    .record({ path: fc.constantFrom(...leafPaths), extra: suffix, n: fc.integer({ min: 1, max: 1000 }) })
    .map(({ path, extra, n }): Mutation => ({
      kind: 'change-value',
      path,
      apply(d) {
        const v = getAt(d, path);
        let next: JsonValue;
        if (typeof v === 'string') next = flipString(v, extra, n);
        else if (typeof v === 'number') next = v + n;
        else if (typeof v === 'boolean') next = !v;
        else next = 'x' + extra;
        setAt(d, path, next);
        return true;
      },
    }));
  const deleteKey = fc.constantFrom(...keyPaths).map((path): Mutation => ({
    kind: 'delete-key',
    path,
    apply(d) {
      setAt(d, path, undefined);
      return true;
    },
  }));
  const renameKey = fc
    .record({ path: fc.constantFrom(...keyPaths), to: fc.constantFrom('name', 'description', 'id', 'x', 'narrative') })
    .map(({ path, to }): Mutation => ({
      kind: 'rename-key',
      path,
      to,
      apply(d) {
        const parent = getAt(d, path.slice(0, -1)) as JsonObject;
        const from = path[path.length - 1] as string;
        if (from === to || to in parent) return false;
        parent[to] = parent[from]!;
        delete parent[from];
        return true;
      },
    }));
  const reorderOf = (kind: string, arrays: Path[]): fc.Arbitrary<Mutation> | undefined =>
    arrays.length === 0
      ? undefined
      : fc.record({ path: fc.constantFrom(...arrays), seed: fc.nat() }).map(({ path, seed }): Mutation => ({
          kind,
          path,
          apply(d) {
            const arr = getAt(d, path) as JsonValue[];
            const before = JSON.stringify(arr);
            const i = seed % arr.length;
            const j = (i + 1 + ((seed >> 3) % (arr.length - 1))) % arr.length;
            [arr[i], arr[j]] = [arr[j]!, arr[i]!];
            return JSON.stringify(arr) !== before;
          },
        }));
  const reorder = reorderOf('reorder-list', listReorders);
  const reorderContext = reorderOf('reorder-context', contextReorders);
  const swapValues = fc
    .record({ a: fc.constantFrom(...leafPaths), b: fc.constantFrom(...leafPaths) })
    .map(({ a, b }): Mutation => ({
      kind: 'swap-values',
      path: a,
      other: b,
      apply(d) {
        const va = getAt(d, a);
        const vb = getAt(d, b);
        if (JSON.stringify(va) === JSON.stringify(vb)) return false;
        // Two members of one unordered array swapping places say the same thing.
        const parentA = a.slice(0, -1);
        const sameArray =
          typeof a[a.length - 1] === 'number' && JSON.stringify(parentA) === JSON.stringify(b.slice(0, -1));
        if (sameArray && !ORDERED.has(String(parentA[parentA.length - 1]))) return false;
        setAt(d, a, vb!);
        setAt(d, b, va!);
        return true;
      },
    }));
  // Weights out of about 80: changed values are the largest family, a reordered @context one in a hundred.
  const arbs: Array<fc.WeightedArbitrary<Mutation>> = [
    { arbitrary: changeLeaf, weight: 30 },
    { arbitrary: deleteKey, weight: 15 },
    { arbitrary: renameKey, weight: 15 },
    { arbitrary: swapValues, weight: 15 },
    ...(reorder ? [{ arbitrary: reorder, weight: 5 }] : []),
    ...(reorderContext ? [{ arbitrary: reorderContext, weight: 1 }] : []),
  ];
  return fc.oneof(...arbs);
}

/** A different string: a character replaced, inserted or removed; keeps date-like strings date-like half the time. */
function flipString(v: string, extra: string, n: number): string {
  if (v.length === 0) return extra;
  const i = n % v.length;
  switch (n % 3) {
    case 0: {
      const c = v[i]!;
      // Never swap a letter for its other case: language tags are case-insensitive, so that would change nothing.
      const replacement = /[0-9]/.test(c) ? String((Number(c) + 1) % 10) : c.toLowerCase() === 'a' ? 'b' : 'a';
      return v.slice(0, i) + replacement + v.slice(i + 1);
    }
    case 1:
      return v.slice(0, i) + extra + v.slice(i);
    default:
      return v.slice(0, i) + v.slice(i + 1);
  }
}
