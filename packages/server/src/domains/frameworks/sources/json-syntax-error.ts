/** Where JSON text first stops being JSON, and what was expected there. */
export interface JsonSyntaxError {
  /** 1-based line and column (in UTF-16 code units) of the offending character, or of the end of the input. */
  line: number;
  column: number;
  offset: number;
  message: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/**
 * Finds the first syntax error in JSON text that `JSON.parse` refused. Node 20's messages often give neither line nor
 * position ("Unexpected token '}', …is not valid JSON"), and a person fixing a 5 MB framework file needs both. The scan
 * is iterative (no recursion, so nesting depth cannot overflow the stack) and only runs once parsing has failed.
 * Answers `undefined` for valid JSON.
 *
 * @example
 * ```ts
 * findJsonSyntaxError('{"a": 1,\n "b" }'); // { line: 2, column: 6, message: "expected ':' after a property name", … }
 * ```
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  const stack: number[] = []; // '{' or '['
  let state: 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'after' = 'value';
  let i = 0;
  const fail = (message: string, at = i): JsonSyntaxError => ({ ...lineColumn(text, at), offset: at, message });
  const skipWhitespace = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  /** Scans the string at i (a '"'); answers an error or undefined, leaving i after the closing quote. */
  const scanString = (): JsonSyntaxError | undefined => {
    const start = i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail('a control character inside a string (escape it, e.g. \\n)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return fail('\\u must be followed by four hexadecimal digits');
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) {
          i += 2;
        } else {
          return fail(`an invalid escape \\${e ?? ''} in a string`);
        }
        continue;
      }
      i++;
    }
    return fail('a string that is never closed (missing ")', start);
  };

  for (;;) {
    skipWhitespace();
    if (i >= n) {
      return state === 'after' && stack.length === 0 ? undefined : fail('the input ends too early');
    }
    const ch = text[i]!;
    switch (state) {
      case 'value':
      case 'valueOrClose': {
        if (state === 'valueOrClose' && ch === ']') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (ch === '{') {
          stack.push(0x7b);
          i++;
          state = 'keyOrClose';
          break;
        }
        if (ch === '[') {
          stack.push(0x5b);
          i++;
          state = 'valueOrClose';
          break;
        }
        if (ch === '"') {
          const error = scanString();
          if (error) return error;
          state = 'after';
          break;
        }
        NUMBER.lastIndex = i;
        if ((ch === '-' || (ch >= '0' && ch <= '9')) && NUMBER.test(text)) {
          i = NUMBER.lastIndex;
          state = 'after';
          break;
        }
        const literal = ['true', 'false', 'null'].find((l) => text.startsWith(l, i));
        if (literal) {
          i += literal.length;
          state = 'after';
          break;
        }
        return fail(`expected a value, found ${show(text, i)}`);
      }
      case 'key':
      case 'keyOrClose': {
        if (state === 'keyOrClose' && ch === '}') {
          stack.pop();
          i++;
          state = 'after';
          break;
        }
        if (ch !== '"') return fail(`expected a property name in double quotes, found ${show(text, i)}`);
        const error = scanString();
        if (error) return error;
        skipWhitespace();
        if (text[i] !== ':') return fail(`expected ':' after a property name, found ${show(text, i)}`);
        i++;
        state = 'value';
        break;
      }
      case 'after': {
        const top = stack.at(-1);
        if (top === undefined) return fail(`unexpected ${show(text, i)} after the end of the JSON value`);
        const close = top === 0x7b ? '}' : ']';
        if (ch === ',') {
          i++;
          state = top === 0x7b ? 'key' : 'value';
        } else if (ch === close) {
          stack.pop();
          i++;
        } else {
          return fail(`expected ',' or '${close}', found ${show(text, i)}`);
        }
        break;
      }
    }
  }
}

function show(text: string, i: number): string {
  if (i >= text.length) return 'the end of the input';
  const token = /^[A-Za-z0-9_$.+-]+/.exec(text.slice(i, i + 20))?.[0] ?? text[i]!;
  return JSON.stringify(token);
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
