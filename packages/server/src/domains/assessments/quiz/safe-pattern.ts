/**
 * A small regular-expression engine for short-answer patterns that runs in time linear in the answer's length,
 * whatever the pattern: patterns are compiled to a Thompson NFA and simulated state-set by state-set, never by
 * backtracking, so no pattern an author writes (`(a+)+$`, `(a|a)*b`, `\d*\d*\d*\d*x`) can stall the server on a
 * crafted answer (catastrophic backtracking). Its cost is bounded by the answer's length (≤ 500) times the NFA's size
 * (≤ {@link MAX_STATES}).
 *
 * The subset: literals; `.`; escapes `\d \D \w \W \s \S` and `\` before any punctuation; classes `[abc]`, `[a-z]`,
 * `[^…]`; groups `(…)` and `(?:…)`; alternation `|`; quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (n, m ≤ 50; a
 * trailing lazy `?` is accepted and means nothing here); `^` at the very start and `$` at the very end are accepted and
 * mean nothing either, since a pattern always matches the whole answer. Backreferences, lookarounds, named groups and
 * other escapes are refused with a {@link PatternError} saying so.
 */

/** The most NFA states a compiled pattern may have (counted repetitions copy their body). */
export const MAX_STATES = 2_000;
/** The largest `n` or `m` of a counted quantifier. */
const MAX_COUNT = 50;

/** A pattern outside the subset, or malformed. */
export class PatternError extends Error {
  override readonly name = 'PatternError';
}

type Test = (c: string) => boolean;
type Node =
  | { t: 'char'; test: Test }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'repeat'; node: Node; min: number; max: number | null };

const isDigit: Test = (c) => c >= '0' && c <= '9';
const isWord: Test = (c) => isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isSpace: Test = (c) => /^\s$/u.test(c);
const not =
  (t: Test): Test =>
  (c) =>
    !t(c);

class Parser {
  private i = 0;
  constructor(
    private readonly chars: string[],
    private readonly caseSensitive: boolean,
  ) {}

  parse(): Node {
    if (this.chars[0] === '^') this.i = 1;
    const end = this.chars.at(-1) === '$' && this.chars.at(-2) !== '\\' ? this.chars.length - 1 : this.chars.length;
    const node = this.alternation(end);
    if (this.i < end) throw new PatternError(`unmatched "${this.chars[this.i]}" at position ${this.i + 1}`);
    return node;
  }

  private peek(): string | undefined {
    return this.chars[this.i];
  }

  private alternation(end: number): Node {
    const options = [this.sequence(end)];
    while (this.i < end && this.peek() === '|') {
      this.i++;
      options.push(this.sequence(end));
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(end: number): Node {
    const items: Node[] = [];
    while (this.i < end && this.peek() !== '|' && this.peek() !== ')') {
      let atom = this.atom(end);
      for (;;) {
        const q = this.quantifier(end);
        if (!q) break;
        atom = { t: 'repeat', node: atom, ...q };
      }
      items.push(atom);
    }
    return { t: 'seq', items };
  }

  private quantifier(end: number): { min: number; max: number | null } | undefined {
    if (this.i >= end) return undefined;
    const c = this.peek();
    let q: { min: number; max: number | null } | undefined;
    if (c === '*') q = { min: 0, max: null };
    else if (c === '+') q = { min: 1, max: null };
    else if (c === '?') q = { min: 0, max: 1 };
    else if (c === '{') {
      const rest = this.chars.slice(this.i, end).join('');
      const m = /^\{(\d{1,3})(,(\d{0,3}))?\}/.exec(rest);
      if (!m) return undefined;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
      if (min > MAX_COUNT || (max !== null && max > MAX_COUNT)) {
        throw new PatternError(`counted repetitions go up to {${MAX_COUNT}}`);
      }
      if (max !== null && max < min) throw new PatternError(`{${min},${max}}: the maximum is below the minimum`);
      this.i += m[0].length - 1;
      q = { min, max };
    }
    if (!q) return undefined;
    this.i++;
    if (this.i < end && this.peek() === '?') this.i++;
    return q;
  }

  private literal(ch: string): Node {
    if (this.caseSensitive) return { t: 'char', test: (c) => c === ch };
    const lower = ch.toLowerCase();
    return { t: 'char', test: (c) => c.toLowerCase() === lower };
  }

  private atom(end: number): Node {
    const c = this.chars[this.i++]!;
    switch (c) {
      case '(': {
        if (this.peek() === '?') {
          if (this.chars[this.i + 1] !== ':') throw new PatternError('lookarounds and named groups are not supported');
          this.i += 2;
        }
        const inner = this.alternation(end);
        if (this.peek() !== ')' || this.i >= end) throw new PatternError('a group is not closed: missing ")"');
        this.i++;
        return inner;
      }
      case '[':
        return this.charClass(end);
      case '.':
        return { t: 'char', test: () => true };
      case '\\':
        return this.escape(end, false) as Node;
      case '*':
      case '+':
      case '?':
        throw new PatternError(`"${c}" at position ${this.i} has nothing to repeat`);
      case '^':
      case '$':
        throw new PatternError(`"${c}" is only accepted at the start ("^") or end ("$"): patterns match whole answers`);
      case ')':
        throw new PatternError(`unmatched ")" at position ${this.i}`);
      default:
        return this.literal(c);
    }
  }

  /** After a backslash: a class escape or an escaped punctuation character. */
  private escape(end: number, inClass: boolean): Node | Test {
    if (this.i >= end) throw new PatternError('the pattern ends with a lone "\\"');
    const c = this.chars[this.i++]!;
    const tests: Record<string, Test> = {
      d: isDigit,
      D: not(isDigit),
      w: isWord,
      W: not(isWord),
      s: isSpace,
      S: not(isSpace),
    };
    const test = tests[c];
    if (test) return inClass ? test : { t: 'char', test };
    if (/^[0-9]$/.test(c)) throw new PatternError('backreferences are not supported');
    if (/^[A-Za-z0-9]$/.test(c)) throw new PatternError(`the escape "\\${c}" is not supported`);
    return inClass ? (x: string) => x === c : this.literal(c);
  }

  private charClass(end: number): Node {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.i++;
    }
    const tests: Test[] = [];
    let first = true;
    for (;;) {
      if (this.i >= end) throw new PatternError('a character class is not closed: missing "]"');
      const c = this.chars[this.i++]!;
      if (c === ']' && !first) break;
      first = false;
      let from: string;
      if (c === '\\') {
        const escaped = this.escape(end, true) as Test;
        if (this.chars[this.i - 1] && /^[dDwWsS]$/.test(this.chars[this.i - 1]!)) {
          tests.push(escaped);
          continue;
        }
        from = this.chars[this.i - 1]!;
      } else {
        from = c;
      }
      if (this.peek() === '-' && this.i + 1 < end && this.chars[this.i + 1] !== ']') {
        this.i++;
        let to = this.chars[this.i++]!;
        if (to === '\\') {
          this.escape(end, true);
          to = this.chars[this.i - 1]!;
          if (/^[dDwWsS]$/.test(to)) throw new PatternError('a range cannot end in a class escape');
        }
        if (to < from) throw new PatternError(`the range ${from}-${to} is out of order`);
        tests.push((x) => x >= from && x <= to);
      } else {
        tests.push((x) => x === from);
      }
    }
    const member: Test = this.caseSensitive
      ? (x) => tests.some((t) => t(x))
      : (x) => tests.some((t) => t(x) || t(x.toLowerCase()) || t(x.toUpperCase()));
    return { t: 'char', test: negate ? not(member) : member };
  }
}

/** NFA states: a character test with its successor, a split into two, or the accepting state. */
type State = { k: 'char'; test: Test; out: number } | { k: 'split'; a: number; b: number } | { k: 'match' };

class Builder {
  readonly states: State[] = [];

  private add(s: State): number {
    if (this.states.length >= MAX_STATES) throw new PatternError('the pattern is too complex');
    this.states.push(s);
    return this.states.length - 1;
  }

  /** Compiles `node` so that it continues to state `next`; returns its entry state. */
  build(node: Node, next: number): number {
    switch (node.t) {
      case 'char':
        return this.add({ k: 'char', test: node.test, out: next });
      case 'seq':
        return node.items.reduceRight((out, item) => this.build(item, out), next);
      case 'alt': {
        const entries = node.options.map((o) => this.build(o, next));
        return entries.reduceRight((b, a) => this.add({ k: 'split', a, b }));
      }
      case 'repeat': {
        let entry = next;
        if (node.max === null) {
          // x*: a split that enters x (which loops back to the split) or leaves.
          const split = this.add({ k: 'split', a: -1, b: next });
          const body = this.build(node.node, split);
          (this.states[split] as { a: number }).a = body;
          entry = split;
        } else {
          for (let k = node.max; k > node.min; k--) {
            const body = this.build(node.node, entry);
            entry = this.add({ k: 'split', a: body, b: next });
          }
        }
        for (let k = 0; k < node.min; k++) entry = this.build(node.node, entry);
        return entry;
      }
    }
  }
}

/** A compiled pattern: whether a whole text matches. */
export interface SafePattern {
  test(text: string): boolean;
}

/**
 * Compiles a pattern of the supported subset (see the module comment); throws {@link PatternError} otherwise. The
 * pattern matches a whole text; without `caseSensitive`, letters match either case.
 *
 * @example
 * ```ts
 * compilePattern('colou?r').test('Colour'); // true
 * compilePattern('(a+)+$').test('a'.repeat(500) + '!'); // false, at once
 * ```
 */
export function compilePattern(source: string, options: { caseSensitive?: boolean } = {}): SafePattern {
  const ast = new Parser(Array.from(source), options.caseSensitive ?? false).parse();
  const builder = new Builder();
  const match = builder.states.length;
  builder.states.push({ k: 'match' });
  const start = builder.build(ast, match);
  const { states } = builder;
  return {
    test(text: string): boolean {
      const seen = new Int32Array(states.length).fill(-1);
      let generation = 0;
      const closure = (from: number[]): number[] => {
        const out: number[] = [];
        const stack = [...from];
        while (stack.length > 0) {
          const s = stack.pop()!;
          if (seen[s] === generation) continue;
          seen[s] = generation;
          const state = states[s]!;
          if (state.k === 'split') stack.push(state.b, state.a);
          else out.push(s);
        }
        return out;
      };
      let current = closure([start]);
      for (const c of text) {
        generation++;
        const next: number[] = [];
        for (const s of current) {
          const state = states[s]!;
          if (state.k === 'char' && state.test(c)) next.push(state.out);
        }
        current = closure(next);
        if (current.length === 0) return false;
      }
      return current.some((s) => states[s]!.k === 'match');
    },
  };
}
