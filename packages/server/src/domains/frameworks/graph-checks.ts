import {
  FrameworkImportError,
  isAssociationType,
  type AssociationRecord,
  type NodeReference,
  type SourceLocation,
} from './sources/model.js';

/**
 * Remembers where each identifier (or key) of one kind was first seen, so that a second occurrence is refused with both
 * places: two rows with one key would otherwise meet in one `INSERT … ON CONFLICT` and fail without saying where.
 *
 * @example
 * const items = new IdentifierRegistry<string>('item');
 * items.add('http://x/1', { file: 'skills.csv', line: 2 }, id);
 * items.get('http://x/1'); // id
 */
export class IdentifierRegistry<V> {
  private readonly seen = new Map<string, { value: V; at: SourceLocation }>();
  constructor(private readonly label: string) {}

  /**
   * Records `key`; throws ERR_IMPORT_DUPLICATE (at the second occurrence) when it was seen before. `name` says what
   * the key stands for in the message, when the key is not the identifier a person knows (e.g. a pair of ids).
   */
  add(key: string, at: SourceLocation, value: V, name: () => string = () => key): void {
    const first = this.seen.get(key);
    if (first) {
      const identifier = name();
      throw new FrameworkImportError(
        'ERR_IMPORT_DUPLICATE',
        `Duplicate ${this.label} ${identifier} (first at ${describeLocation(first.at)}): each must appear once.`,
        { ...at, identifier },
      );
    }
    this.seen.set(key, { value, at });
  }

  get(key: string): V | undefined {
    return this.seen.get(key)?.value;
  }

  has(key: string): boolean {
    return this.seen.has(key);
  }

  get size(): number {
    return this.seen.size;
  }
}

/** `skills.csv line 12` or `$.CFItems[3]`, for messages that point at a second place. */
export function describeLocation(at: SourceLocation): string {
  return [at.file, at.line !== undefined && `line ${at.line}`, at.path].filter(Boolean).join(' ');
}

/**
 * Refuses an association whose type is neither a CASE 1.1 type nor an `ext:` extension: the database would refuse it
 * too, but without saying which record.
 *
 * @example
 * checkAssociationType({ kind: 'association', type: 'isChildOf', … }); // passes
 */
export function checkAssociationType(record: Pick<AssociationRecord, 'type' | 'identifier' | 'at'>): void {
  if (!isAssociationType(record.type)) {
    throw new FrameworkImportError(
      'ERR_IMPORT_ASSOCIATION_TYPE',
      `Association ${record.identifier} has the unknown type '${record.type}': use a CASE 1.1 association type ` +
        `(isChildOf, isPartOf, precedes, …) or an extension 'ext:name'.`,
      { ...record.at, identifier: record.identifier },
    );
  }
}

/**
 * Resolves one end of an association: an item of the framework (its id), the framework's own document, or a node
 * elsewhere that the source names by URI (no id). Anything else is a dangling reference.
 *
 * @example
 * resolveNode({ identifier: 'a' }, new Map([['a', id]]), docId, record); // { itemId: id }
 */
export function resolveNode(
  end: NodeReference,
  items: { get(identifier: string): string | undefined },
  documentIdentifier: string,
  record: Pick<AssociationRecord, 'identifier' | 'at'>,
  side: 'origin' | 'destination',
): { itemId: string | null } {
  const itemId = items.get(end.identifier);
  if (itemId !== undefined) return { itemId };
  if (end.identifier === documentIdentifier || end.uri) return { itemId: null };
  throw new FrameworkImportError(
    'ERR_IMPORT_REFERENCE',
    `Association ${record.identifier}: its ${side} ${end.identifier} is not an item of this framework, nor the ` +
      `framework itself, and has no URI.`,
    { ...record.at, identifier: record.identifier },
  );
}

/**
 * A cycle in a directed graph of `nodeCount` nodes and the edges `from[i] → to[i]`, as the nodes along it in edge
 * order (the last has an edge back to the first), or undefined when the graph is acyclic. Depth-first with an explicit
 * stack: ESCO's hierarchy has ~20,000 edges and chains deep enough that recursion is not safe.
 *
 * @example
 * findCycle(3, [0, 1, 2], [1, 2, 0]); // [0, 1, 2]
 * findCycle(2, [0], [1]); // undefined
 */
export function findCycle(nodeCount: number, from: readonly number[], to: readonly number[]): number[] | undefined {
  // Adjacency in compressed form: the edges of node n are targets[start[n] .. start[n + 1]).
  const start = new Int32Array(nodeCount + 1);
  for (const f of from) start[f + 1]!++;
  for (let n = 0; n < nodeCount; n++) start[n + 1]! += start[n]!;
  const targets = new Int32Array(from.length);
  const fill = start.slice(0, nodeCount);
  for (let e = 0; e < from.length; e++) targets[fill[from[e]!]!++] = to[e]!;

  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Uint8Array(nodeCount);
  const next = new Int32Array(nodeCount); // the next edge to follow from a grey node
  const stack: number[] = [];
  for (let root = 0; root < nodeCount; root++) {
    if (colour[root] !== WHITE) continue;
    colour[root] = GREY;
    next[root] = start[root]!;
    stack.push(root);
    while (stack.length > 0) {
      const node = stack[stack.length - 1]!;
      if (next[node]! < start[node + 1]!) {
        const target = targets[next[node]!++]!;
        if (colour[target] === GREY) return stack.slice(stack.lastIndexOf(target));
        if (colour[target] === WHITE) {
          colour[target] = GREY;
          next[target] = start[target]!;
          stack.push(target);
        }
      } else {
        colour[node] = BLACK;
        stack.pop();
      }
    }
  }
  return undefined;
}

/** An isChildOf edge between two items of the framework, by their identifiers, with where it came from. */
export interface ChildOfEdge {
  origin: string;
  destination: string;
  at: SourceLocation;
  identifier: string;
}

/**
 * Refuses a hierarchy in which an item is (transitively) its own parent: browsing, CASE export and the recommendation
 * engine all walk isChildOf upwards. The error names the identifiers on one cycle and the location of one of its edges.
 *
 * @example
 * checkChildOfCycles([{ origin: 'a', destination: 'b', … }, { origin: 'b', destination: 'a', … }]); // throws ERR_IMPORT_CYCLE
 */
export function checkChildOfCycles(edges: readonly ChildOfEdge[]): void {
  const index = new Map<string, number>();
  const names: string[] = [];
  const nodeOf = (identifier: string): number => {
    let n = index.get(identifier);
    if (n === undefined) {
      n = names.push(identifier) - 1;
      index.set(identifier, n);
    }
    return n;
  };
  const from = edges.map((e) => nodeOf(e.origin));
  const to = edges.map((e) => nodeOf(e.destination));
  const cycle = findCycle(names.length, from, to);
  if (!cycle) return;
  // Point at the edge of the cycle read last (the one that closed it, in reading order), and start the list after it.
  const last = new Map<string, number>();
  edges.forEach((_, i) => last.set(`${from[i]} ${to[i]}`, i));
  const onCycle = cycle.map((n, i) => last.get(`${n} ${cycle[(i + 1) % cycle.length]}`)!);
  const closingAt = onCycle.reduce((best, edge, i) => (edge > onCycle[best]! ? i : best), 0);
  const closing = edges[onCycle[closingAt]!]!;
  const rotated = [...cycle.slice(closingAt + 1), ...cycle.slice(0, closingAt + 1)];
  const identifiers = rotated.map((n) => names[n]!);
  throw new FrameworkImportError(
    'ERR_IMPORT_CYCLE',
    `isChildOf associations form a cycle: ${[...identifiers, identifiers[0]].join(' → ')}. An item cannot be its own ` +
      `ancestor; remove one of these associations.`,
    { ...closing.at, identifier: closing.identifier },
  );
}
