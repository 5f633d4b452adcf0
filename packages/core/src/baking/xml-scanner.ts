import { SkillproofError } from '../errors.js';

// A small, single-pass scanner for the XML an SVG image is (XML 1.0 §2–3, Namespaces in XML 1.0). It is not a
// validating parser: it finds elements, attributes, text and CDATA, tracks namespace declarations, and rejects what
// would make the structure ambiguous (unclosed or mismatched tags, duplicate attributes, markup inside an attribute
// value). Every search moves forward from the current position, so the cost is linear in the input; no regular
// expression is run on the document.
//
// Namespaces are resolved as Namespaces in XML 1.0 §5–6 say, so `<ob:credential xmlns:ob="…v3p0">` is the same
// element as `<openbadges:credential>`; a prefix bound to another namespace is not.

/** Beyond this nesting an SVG is not a badge image; the limit bounds the scanner's stack. */
export const MAX_DEPTH = 1024;

export interface XmlAttribute {
  name: string;
  /** The raw value, without quotes and without entity decoding. */
  raw: string;
  /** Offsets of the raw value in the document (inside the quotes). */
  valueStart: number;
  valueEnd: number;
}

export interface XmlStartTag {
  name: string;
  /** Offset of `<`. */
  start: number;
  /** Offset just past `>`. */
  end: number;
  selfClosing: boolean;
  attributes: XmlAttribute[];
}

export interface XmlElementHandler {
  /**
   * Called for every start tag; `namespaceOf(name)` resolves a prefixed name to its namespace URI (`undefined` when
   * unbound) in the scope of this element. Return true to collect the element's text: the scanner then calls `onEnd`
   * with the text and rejects child elements.
   */
  onStart(tag: XmlStartTag, depth: number, namespaceOf: (name: string) => string | undefined): boolean;
  onEnd(tag: XmlStartTag, end: number, text: string): void;
}

function invalid(message: string, offset?: number): SkillproofError {
  return new SkillproofError('ERR_IMAGE_INVALID', message, offset === undefined ? {} : { details: { offset } });
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameChar(c: number): boolean {
  // Everything that cannot end a name: space, `/`, `>`, `<`, `=`, quotes, `&`, `;`.
  return !(
    isSpace(c) ||
    c === 0x2f ||
    c === 0x3e ||
    c === 0x3c ||
    c === 0x3d ||
    c === 0x22 ||
    c === 0x27 ||
    c === 0x26 ||
    c === 0x3b ||
    Number.isNaN(c)
  );
}

/** Splits `prefix:local`; a name without a colon has the empty prefix. */
export function splitName(name: string): { prefix: string; local: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { prefix: '', local: name } : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Replaces the predefined entities and character references (XML 1.0 §4.1, §4.6). An unknown named entity (declared
 * in a DTD this scanner does not read) is kept as written. Each reference is looked for in a bounded window, so a
 * string of `&` without `;` stays linear.
 */
export function decodeReferences(text: string, offset: number): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    let semi = -1;
    for (let j = amp + 1; j < text.length && j < amp + 12; j++) {
      if (text.charCodeAt(j) === 0x3b) {
        semi = j;
        break;
      }
    }
    if (semi < 0) throw invalid('Unterminated entity or character reference.', offset + amp);
    const ref = text.slice(amp + 1, semi);
    let replacement: string | undefined;
    if (ref.startsWith('#')) {
      const code = /^#x[0-9a-fA-F]{1,6}$/.test(ref)
        ? parseInt(ref.slice(2), 16)
        : /^#[0-9]{1,7}$/.test(ref)
          ? parseInt(ref.slice(1), 10)
          : -1;
      const legal =
        code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        (code >= 0x10000 && code <= 0x10ffff);
      if (!legal) throw invalid(`Invalid character reference &${ref};.`, offset + amp);
      replacement = String.fromCodePoint(code);
    } else {
      replacement = PREDEFINED[ref];
    }
    if (replacement !== undefined) {
      out += text.slice(from, amp) + replacement;
      from = semi + 1;
    }
    amp = text.indexOf('&', semi + 1);
  }
  return out + text.slice(from);
}

class Scanner {
  private at = 0;
  // Namespaces in XML 1.0 §6: a declaration is in scope in its element and the descendants. One stack of URIs per
  // prefix makes each lookup O(1) however deep the document is.
  private readonly bindings = new Map<string, string[]>([['xml', ['http://www.w3.org/XML/1998/namespace']]]);

  constructor(private readonly s: string) {}

  private startsWith(token: string): boolean {
    return this.s.startsWith(token, this.at);
  }

  private skipSpace(): void {
    while (this.at < this.s.length && isSpace(this.s.charCodeAt(this.at))) this.at++;
  }

  /** Moves past the next `token`, or fails with `what` when there is none. */
  private skipPast(token: string, from: number, what: string): void {
    const found = this.s.indexOf(token, from);
    if (found < 0) throw invalid(`Unterminated ${what}.`, this.at);
    this.at = found + token.length;
  }

  private readName(): string {
    const start = this.at;
    while (this.at < this.s.length && isNameChar(this.s.charCodeAt(this.at))) this.at++;
    return this.s.slice(start, this.at);
  }

  /** Comments, processing instructions and the XML declaration; true when one was skipped. */
  private skipCommentOrPi(): boolean {
    if (this.startsWith('<!--')) {
      this.skipPast('-->', this.at + 4, 'comment');
      return true;
    }
    if (this.startsWith('<?')) {
      this.skipPast('?>', this.at + 2, 'processing instruction');
      return true;
    }
    return false;
  }

  private skipQuoted(): void {
    const quote = this.s[this.at]!;
    this.skipPast(quote, this.at + 1, 'quoted literal');
  }

  /** `<!DOCTYPE …>` with an optional internal subset (XML 1.0 §2.8); its declarations are skipped, not read. */
  private skipDoctype(): void {
    this.at += 9;
    while (this.at < this.s.length) {
      const c = this.s[this.at];
      if (c === '"' || c === "'") this.skipQuoted();
      else if (c === '>') {
        this.at++;
        return;
      } else if (c === '[') {
        this.at++;
        for (;;) {
          if (this.at >= this.s.length) throw invalid('Unterminated DOCTYPE internal subset.');
          const d = this.s[this.at];
          if (d === ']') {
            this.at++;
            break;
          }
          if (d === '"' || d === "'") this.skipQuoted();
          else if (!this.skipCommentOrPi()) this.at++;
        }
      } else this.at++;
    }
    throw invalid('Unterminated DOCTYPE declaration.');
  }

  private readStartTag(): XmlStartTag {
    const start = this.at;
    this.at++;
    const name = this.readName();
    if (name === '') throw invalid('Invalid start tag.', start);
    const attributes: XmlAttribute[] = [];
    // XML 1.0 §3.1 forbids duplicate attributes. Only the ones that change what this scanner reports are checked
    // (namespace declarations and `verify`): a duplicate `fill` is the renderer's business, and skipping it keeps
    // an element with a hundred thousand attributes cheap. A set only once there are many of them.
    const significant: string[] = [];
    let seen: Set<string> | undefined;
    for (;;) {
      const before = this.at;
      this.skipSpace();
      if (this.at >= this.s.length) throw invalid(`Unterminated start tag <${name}>.`, start);
      const c = this.s[this.at];
      if (c === '>') {
        this.at++;
        return { name, start, end: this.at, selfClosing: false, attributes };
      }
      if (c === '/') {
        if (this.s[this.at + 1] !== '>') throw invalid(`Invalid start tag <${name}>.`, start);
        this.at += 2;
        return { name, start, end: this.at, selfClosing: true, attributes };
      }
      if (this.at === before) throw invalid(`Attributes of <${name}> must be separated by white space.`, this.at);
      const attrName = this.readName();
      if (attrName === '') throw invalid(`Invalid attribute in <${name}>.`, this.at);
      this.skipSpace();
      if (this.s[this.at] !== '=') throw invalid(`Attribute ${attrName} of <${name}> has no value.`, this.at);
      this.at++;
      this.skipSpace();
      const quote = this.s[this.at];
      if (quote !== '"' && quote !== "'") throw invalid(`Attribute ${attrName} of <${name}> is not quoted.`, this.at);
      const valueStart = this.at + 1;
      const valueEnd = this.s.indexOf(quote, valueStart);
      if (valueEnd < 0) throw invalid(`Unterminated value of attribute ${attrName}.`, valueStart);
      const raw = this.s.slice(valueStart, valueEnd);
      // XML 1.0 §3.1 [10]: `<` cannot appear in an attribute value.
      if (raw.includes('<')) throw invalid(`The value of attribute ${attrName} contains "<".`, valueStart);
      if (attrName === 'verify' || attrName.startsWith('xmlns')) {
        if (significant.length === 8) seen = new Set(significant);
        if (seen ? seen.has(attrName) : significant.includes(attrName)) {
          throw invalid(`Attribute ${attrName} appears twice in <${name}>.`, valueStart);
        }
        significant.push(attrName);
        seen?.add(attrName);
      }
      attributes.push({ name: attrName, raw, valueStart, valueEnd });
      this.at = valueEnd + 1;
    }
  }

  private declare(tag: XmlStartTag): string[] | undefined {
    let declared: string[] | undefined;
    for (const a of tag.attributes) {
      let prefix: string | undefined;
      if (a.name === 'xmlns') prefix = '';
      else if (a.name.startsWith('xmlns:')) prefix = a.name.slice(6);
      if (prefix === undefined) continue;
      const uri = decodeReferences(a.raw, a.valueStart);
      let stack = this.bindings.get(prefix);
      if (stack === undefined) this.bindings.set(prefix, (stack = []));
      stack.push(uri);
      (declared ??= []).push(prefix);
    }
    return declared;
  }

  private undeclare(prefixes: string[] | undefined): void {
    if (prefixes) for (const p of prefixes) this.bindings.get(p)!.pop();
  }

  private readonly resolve = (name: string): string | undefined => {
    const stack = this.bindings.get(splitName(name).prefix);
    const uri = stack?.[stack.length - 1];
    // An empty `xmlns=""` (or `xmlns:p=""`) undeclares.
    return uri === '' ? undefined : uri;
  };

  /** Scans the whole document; returns the root start tag. */
  scan(handler: XmlElementHandler): XmlStartTag {
    const s = this.s;
    if (s.charCodeAt(0) === 0xfeff) this.at = 1;
    // Prolog (XML 1.0 §2.8): XML declaration, comments, processing instructions, one DOCTYPE, white space.
    for (;;) {
      this.skipSpace();
      if (this.skipCommentOrPi()) continue;
      if (this.startsWith('<!DOCTYPE')) {
        this.skipDoctype();
        continue;
      }
      if (this.s[this.at] === '<' && isNameChar(this.s.charCodeAt(this.at + 1)) && this.s[this.at + 1] !== '!') break;
      throw invalid(
        this.at >= s.length ? 'The document has no root element.' : 'Unexpected content before the root element.',
        this.at,
      );
    }

    const root = this.readStartTag();
    interface Frame {
      tag: XmlStartTag;
      declared: string[] | undefined;
      /** The element's text pieces, when the handler collects them. */
      text: string[] | undefined;
    }
    const stack: Frame[] = [];
    const open = (tag: XmlStartTag): void => {
      const declared = this.declare(tag);
      const collect = handler.onStart(tag, stack.length, this.resolve);
      if (tag.selfClosing) {
        if (collect) handler.onEnd(tag, tag.end, '');
        this.undeclare(declared);
      } else {
        if (stack.length >= MAX_DEPTH) throw invalid(`The SVG is nested deeper than ${MAX_DEPTH} elements.`, tag.start);
        stack.push({ tag, declared, text: collect ? [] : undefined });
      }
    };
    open(root);

    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const lt = s.indexOf('<', this.at);
      if (lt < 0) throw invalid(`Truncated SVG: <${top.tag.name}> is not closed.`, this.at);
      if (top.text && lt > this.at) top.text.push(decodeReferences(s.slice(this.at, lt), this.at));
      this.at = lt;
      if (this.startsWith('</')) {
        this.at += 2;
        const name = this.readName();
        this.skipSpace();
        if (s[this.at] !== '>') throw invalid(`Invalid end tag </${name}>.`, lt);
        this.at++;
        if (name !== top.tag.name) throw invalid(`End tag </${name}> does not match <${top.tag.name}>.`, lt);
        stack.pop();
        this.undeclare(top.declared);
        if (top.text) handler.onEnd(top.tag, this.at, top.text.join(''));
      } else if (this.startsWith('<![CDATA[')) {
        const end = s.indexOf(']]>', this.at + 9);
        if (end < 0) throw invalid('Unterminated CDATA section.', this.at);
        top.text?.push(s.slice(this.at + 9, end));
        this.at = end + 3;
      } else if (this.skipCommentOrPi()) {
        continue;
      } else if (this.startsWith('<!')) {
        throw invalid('Unexpected declaration inside the SVG.', this.at);
      } else {
        if (top.text) throw invalid(`Unexpected element inside <${top.tag.name}>.`, this.at);
        open(this.readStartTag());
      }
    }

    // Misc after the root element: comments, processing instructions, white space.
    for (;;) {
      this.skipSpace();
      if (this.at >= s.length) return root;
      if (!this.skipCommentOrPi()) throw invalid('Unexpected content after the root element.', this.at);
    }
  }
}

/** Scans `xml` from start to end, reporting elements to `handler`; returns the root start tag. */
export function scanXml(xml: string, handler: XmlElementHandler): XmlStartTag {
  return new Scanner(xml).scan(handler);
}
