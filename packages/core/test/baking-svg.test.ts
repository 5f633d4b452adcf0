import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bakePng, bakeSvg, unbake, unbakeSvg, SkillproofError, type ErrorCode } from '../src/index.js';
import { compactJws, credentialObject, makePng } from './helpers/baking.js';

const OB3 = 'https://purl.imsglobal.org/ob/v3p0';
const JWS = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const enc = new TextEncoder();

function codeOf(fn: () => unknown): ErrorCode | 'no error' | 'not a SkillproofError' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof SkillproofError ? e.code : 'not a SkillproofError';
  }
}

function fixture(name: string): string {
  return readFileSync(new URL(`fixtures/images/${name}`, import.meta.url), 'utf8');
}

const expected = (c: object | string) => (typeof c === 'string' ? c : JSON.stringify(c));
/** What bakeSvg writes for JSON: U+FFFE and U+FFFF, not allowed in XML, as JSON escapes (the same JSON value). */
const xmlJson = (c: object | string) =>
  typeof c === 'string'
    ? c
    : JSON.stringify(c)
        .replace(/\uFFFE/g, '\\ufffe')
        .replace(/\uFFFF/g, '\\uffff');

const countCredentialTags = (svg: string) => svg.split('<openbadges:credential').length - 1;

const TEMPLATES = [
  '<svg xmlns="http://www.w3.org/2000/svg"/>',
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>',
  '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n  <!ENTITY ns_svg "http://www.w3.org/2000/svg"> <!-- ] > --> <?pi ]>?>\n]>\n<svg xmlns="&ns_svg;" data-x=\'a>b\'\n  >\n  <style><![CDATA[ rect { fill: red } /* <openbadges:credential> */ ]]></style>\n  <g><text>a &lt; b &amp; c</text></g>\n</svg>\n<!-- trailing -->\n',
  '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:circle r="1"/></svg:svg>',
  '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"/><g/></svg>',
];

describe('bakeSvg', () => {
  it('writes the markup of OB 3.0 §5.3.2, exactly', () => {
    expect(bakeSvg('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', JWS)).toBe(
      `<svg xmlns:openbadges="${OB3}" xmlns="http://www.w3.org/2000/svg">` +
        `<openbadges:credential verify="${JWS}"></openbadges:credential><rect/></svg>`,
    );
    expect(bakeSvg('<svg/>', { a: 'x]]>y', b: [[1]] })).toBe(
      `<svg xmlns:openbadges="${OB3}"><openbadges:credential>` +
        '<![CDATA[{"a":"x]]]]><![CDATA[>y","b":[[1]]}]]></openbadges:credential></svg>',
    );
    expect(bakeSvg('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>', JWS)).toBe(
      `<svg:svg xmlns:openbadges="${OB3}" xmlns:svg="http://www.w3.org/2000/svg">` +
        `<openbadges:credential verify="${JWS}"></openbadges:credential></svg:svg>`,
    );
  });

  it('round-trips credentials and JWS through every template; baking twice leaves one element', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TEMPLATES),
        fc.oneof(credentialObject, compactJws),
        fc.oneof(credentialObject, compactJws),
        (svg, first, second) => {
          const once = bakeSvg(svg, first);
          const twice = bakeSvg(once, second);
          expect(unbakeSvg(once)).toEqual({ format: 'ob3', text: xmlJson(first) });
          expect(unbakeSvg(twice)).toEqual({ format: 'ob3', text: xmlJson(second) });
          expect(unbake(enc.encode(twice))).toEqual({ image: 'svg', format: 'ob3', text: xmlJson(second) });
          expect(countCredentialTags(twice) - countCredentialTags(svg)).toBe(1);
          expect(twice).not.toContain('openbadges:assertion');
          if (typeof second === 'object')
            expect(JSON.parse(unbakeSvg(twice).text)).toEqual(JSON.parse(expected(second)));
          // Everything outside the badge element is kept.
          expect(twice.endsWith(svg.slice(svg.lastIndexOf('>') + 1))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('produces XML that an independent namespace-aware parser (Python expat) reads the same way', () => {
    const python = spawnSync('python3', ['--version']);
    if (python.status !== 0 && process.env.CI !== 'true') return; // no Python on this machine: the other tests still hold; CI has it
    const samples = fc.sample(fc.tuple(fc.constantFrom(...TEMPLATES), fc.oneof(credentialObject, compactJws)), {
      numRuns: 30,
      seed: 42,
    });
    const baked = samples.map(([svg, c]) => bakeSvg(svg, c));
    const script = [
      'import json, sys, xml.dom.minidom as m',
      'out = []',
      'for s in json.load(sys.stdin):',
      '    d = m.parseString(s.encode("utf-8"))',
      `    els = d.getElementsByTagNameNS("${OB3}", "credential")`,
      '    e = els[0]',
      '    v = e.getAttribute("verify")',
      '    t = "".join(n.data for n in e.childNodes if n.nodeType in (n.TEXT_NODE, n.CDATA_SECTION_NODE))',
      '    out.append([len(els), v or t.strip()])',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(baked), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const parsed = JSON.parse(run.stdout) as Array<[number, string]>;
    expect(parsed).toEqual(samples.map(([, c]) => [1, xmlJson(c)]));
  });

  it('replaces an OB 2.0 assertion and rebinds the openbadges prefix to the OB 3.0 namespace', () => {
    const baked = bakeSvg(fixture('ob2-spec-example.svg'), JWS);
    expect(baked).toContain(`xmlns:openbadges="${OB3}"`);
    expect(baked).not.toContain('openbadges.org');
    expect(baked).not.toContain('openbadges:assertion');
    expect(unbakeSvg(baked)).toEqual({ format: 'ob3', text: JWS });
  });

  it('rejects bad arguments and sizes with their codes', () => {
    expect(codeOf(() => bakeSvg('<svg/>', 'nope'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakeSvg(42 as unknown as string, JWS))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakeSvg('<svg/>', { x: 'y'.repeat(100) }, { maxCredentialBytes: 50 }))).toBe(
      'ERR_IMAGE_TOO_LARGE',
    );
    expect(codeOf(() => bakeSvg('<svg/>' + ' '.repeat(100), JWS, { maxBytes: 100 }))).toBe('ERR_IMAGE_TOO_LARGE');
    // UTF-8 bytes count, not UTF-16 units: 40 × "é" is 80 bytes.
    expect(codeOf(() => bakeSvg(`<svg>${'é'.repeat(40)}</svg>`, JWS, { maxBytes: 60 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(() => bakeSvg('<html/>', JWS))).toBe('ERR_IMAGE_INVALID');
    expect(codeOf(() => bakeSvg('<svg><g></svg>', JWS))).toBe('ERR_IMAGE_INVALID');
  });
});

describe('unbakeSvg', () => {
  it('reads the OB 3.0 and OB 2.0 examples of the specifications', () => {
    const ob3 = unbakeSvg(fixture('ob3-spec-example.svg'));
    expect(ob3.format).toBe('ob3');
    expect(JSON.parse(ob3.text)).toMatchObject({ id: 'http://example.edu/credentials/3732', proof: {} });
    const ob2 = unbakeSvg(fixture('ob2-spec-example.svg'));
    expect(ob2.format).toBe('ob2');
    expect(JSON.parse(ob2.text)).toMatchObject({ type: 'Assertion', id: 'https://example.org/assertions/123' });
  });

  it('reads OB 2.0 verify attributes, entities and prefix variations allowed by XML namespaces', () => {
    const cases: Array<[string, { format: 'ob2' | 'ob3'; text: string }]> = [
      [
        `<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="${JWS}"/></svg>`,
        { format: 'ob2', text: JWS },
      ],
      [
        `<svg xmlns:openbadges='https://openbadges.org'><openbadges:assertion verify='https://x.org/a?b=1&amp;c=2'></openbadges:assertion></svg>`,
        { format: 'ob2', text: 'https://x.org/a?b=1&c=2' },
      ],
      [
        `<svg><ob:credential xmlns:ob="${OB3}">{&quot;a&quot;:&#x31;}</ob:credential></svg>`,
        { format: 'ob3', text: '{"a":1}' },
      ],
      [
        `<svg><credential xmlns="${OB3}"><![CDATA[{"a":]]><!-- c --><![CDATA[2}]]></credential></svg>`,
        { format: 'ob3', text: '{"a":2}' },
      ],
      [`<svg><openbadges:credential verify="${JWS}"/></svg>`, { format: 'ob3', text: JWS }],
      [
        `<svg xmlns:openbadges="${OB3}"><g><metadata><openbadges:credential verify = "${JWS}" ></openbadges:credential ></metadata></g></svg>`,
        { format: 'ob3', text: JWS },
      ],
      [
        `<svg xmlns:openbadges="${OB3}"><openbadges:credential verify="">\n {"b":1} \n</openbadges:credential></svg>`,
        { format: 'ob3', text: '{"b":1}' },
      ],
    ];
    for (const [svg, result] of cases) expect([svg, unbakeSvg(svg)]).toEqual([svg, result]);
  });

  it('says ERR_IMAGE_NOT_BAKED when the element is absent, commented out, in CDATA or in another namespace', () => {
    const cases = [
      '<svg/>',
      `<svg xmlns:openbadges="${OB3}"><!-- <openbadges:credential verify="${JWS}"/> --></svg>`,
      `<svg xmlns:openbadges="${OB3}"><style><![CDATA[<openbadges:credential verify="${JWS}"/>]]></style></svg>`,
      `<svg xmlns:openbadges="http://example.org/other"><openbadges:credential verify="${JWS}"/></svg>`,
      `<svg xmlns:openbadges="${OB3}"><openbadges:assertion verify="${JWS}"/><openbadges:credentials/></svg>`,
      `<svg><g xmlns:openbadges="${OB3}"/><openbadges:other/><text>openbadges:credential</text></svg>`,
    ];
    for (const svg of cases) expect([svg, codeOf(() => unbakeSvg(svg))]).toEqual([svg, 'ERR_IMAGE_NOT_BAKED']);
  });

  it('rejects ambiguous and malformed SVGs with ERR_IMAGE_INVALID', () => {
    const cred = `<openbadges:credential verify="${JWS}"/>`;
    const cases = [
      `<svg xmlns:openbadges="${OB3}">${cred}${cred}</svg>`,
      `<svg xmlns:openbadges="${OB3}">${cred}<g xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="u"/></g></svg>`,
      `<svg xmlns:openbadges="${OB3}"><openbadges:credential><g/></openbadges:credential></svg>`,
      `<svg xmlns:openbadges="${OB3}"><openbadges:credential>  </openbadges:credential></svg>`,
      `<svg xmlns:openbadges="${OB3}"><openbadges:credential>&bogus</openbadges:credential></svg>`,
      `<svg xmlns:openbadges="${OB3}"><openbadges:credential>&#0;</openbadges:credential></svg>`,
      `<svg>${cred}</svg><svg/>`,
      `<svg>${cred}</g></svg>`,
      `<svg>${cred}`,
      `<svg xmlns:openbadges="${OB3}" xmlns:openbadges="http://openbadges.org">${cred}</svg>`,
      `<svg xmlns:openbadges="${OB3}"><openbadges:credential verify="${JWS}" verify="a.b.c"/></svg>`,
      `<svg a=1>${cred}</svg>`,
      `<svg a="1"b="2">${cred}</svg>`,
      `<svg a="<">${cred}</svg>`,
      `<svg>${cred}<!DOCTYPE x></svg>`,
      `<svg>${cred}<!-- open</svg>`,
      `<html xmlns:openbadges="${OB3}">${cred}</html>`,
      `text<svg>${cred}</svg>`,
      '',
      '<?xml version="1.0"?>',
    ];
    for (const svg of cases) expect([svg, codeOf(() => unbakeSvg(svg))]).toEqual([svg, 'ERR_IMAGE_INVALID']);
  });

  it('throws only ERR_IMAGE_INVALID for a baked SVG truncated at any character', () => {
    const baked = bakeSvg(TEMPLATES[2]!.trimEnd().replace(/<!-- trailing -->$/, ''), { a: ']]>' });
    const end = baked.lastIndexOf('</svg>') + '</svg>'.length;
    for (let n = 0; n < end; n++) {
      expect([n, codeOf(() => unbakeSvg(baked.slice(0, n)))]).toEqual([n, 'ERR_IMAGE_INVALID']);
    }
  });

  it('finishes on 5 MB adversarial inputs, with the right code', () => {
    const n = 5 * 1024 * 1024;
    const decl = `<svg xmlns:openbadges="${OB3}">`;
    const many = (unit: string) => unit.repeat(Math.floor(n / unit.length));
    const cases: Array<[string, ErrorCode]> = [
      ['<svg>' + many('<'), 'ERR_IMAGE_INVALID'],
      ['<svg>' + many('<!--'), 'ERR_IMAGE_INVALID'],
      ['<svg>' + many('<![CDATA['), 'ERR_IMAGE_INVALID'],
      [decl + '<openbadges:credential>' + many('&'), 'ERR_IMAGE_INVALID'],
      [decl + '<openbadges:credential>' + many('&amp') + '</openbadges:credential></svg>', 'ERR_IMAGE_INVALID'],
      [
        decl + '<openbadges:credential><![CDATA[' + many(']]') + ']]></openbadges:credential></svg>',
        'ERR_IMAGE_TOO_LARGE',
      ],
      [decl + '<openbadges:credential><![CDATA[' + many(']]'), 'ERR_IMAGE_INVALID'],
      ['<svg>' + many('<g>'), 'ERR_IMAGE_INVALID'],
      ['<svg>' + many('<g/>') + '</svg>', 'ERR_IMAGE_NOT_BAKED'],
      ['<svg' + many(' a="') + '>', 'ERR_IMAGE_INVALID'],
      ['<svg ' + Array.from({ length: 450_000 }, (_, i) => `a${i}='1'`).join(' ') + '/>', 'ERR_IMAGE_NOT_BAKED'],
      ['<!DOCTYPE svg [' + many('"x"\'y\'<!--z-->') + ']><svg/>', 'ERR_IMAGE_NOT_BAKED'],
      ['<!DOCTYPE svg [' + many('<?') + ']><svg/>', 'ERR_IMAGE_INVALID'],
      [many(' ') + 'x', 'ERR_IMAGE_INVALID'],
      ['<svg>' + many('<g xmlns:p="u"></g>') + '</svg>', 'ERR_IMAGE_NOT_BAKED'],
      [decl + many(`<openbadges:credential verify="${JWS}"/>`) + '</svg>', 'ERR_IMAGE_INVALID'],
    ];
    for (const [i, [svg, code]] of cases.entries()) {
      expect(svg.length).toBeGreaterThan(n - 100);
      expect([svg.slice(0, 40), codeOf(() => unbakeSvg(svg))]).toEqual([svg.slice(0, 40), code]);
      // The bytes path (sniff, decode, scan) once in a while; it is the same scanner.
      if (i % 5 === 0) expect([i, codeOf(() => unbake(enc.encode(svg)))]).toEqual([i, code]);
    }
    // Baking over thousands of stale badge elements removes them all in one pass.
    const crowded = decl + many(`<openbadges:credential verify="${JWS}"/>`) + '</svg>';
    const baked = bakeSvg(crowded, { fresh: true });
    expect(baked.length).toBeLessThan(200);
    expect(unbakeSvg(baked)).toEqual({ format: 'ob3', text: '{"fresh":true}' });
  });

  it('applies the limits', () => {
    const baked = bakeSvg('<svg/>', JWS);
    expect(codeOf(() => unbakeSvg(baked, { maxBytes: baked.length - 1 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(() => unbakeSvg(baked, { maxCredentialBytes: JWS.length - 1 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(unbakeSvg(baked, { maxBytes: baked.length, maxCredentialBytes: JWS.length }).text).toBe(JWS);
  });
});

describe('unbake', () => {
  it('tells PNG from SVG by content, with BOMs, UTF-16, and prologs', () => {
    const svg = bakeSvg('<svg/>', JWS);
    const utf16le = new Uint8Array([
      0xff,
      0xfe,
      ...new Uint8Array(Uint16Array.from(svg, (c) => c.charCodeAt(0)).buffer),
    ]);
    const inputs: Uint8Array[] = [
      enc.encode(svg),
      enc.encode('\uFEFF \n' + svg),
      enc.encode('<?xml version="1.0"?><!-- x --><!DOCTYPE svg>' + svg),
      utf16le,
    ];
    for (const bytes of inputs) expect(unbake(bytes)).toEqual({ image: 'svg', format: 'ob3', text: JWS });
    expect(unbake(bakePng(makePng(), JWS))).toEqual({ image: 'png', format: 'ob3', text: JWS });
  });

  it('says ERR_IMAGE_INVALID for anything else', () => {
    const cases = [
      new Uint8Array(0),
      enc.encode('GIF89a'),
      Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]),
      enc.encode('{"type":"OpenBadgeCredential"}'),
      enc.encode('<html><body/></html>'),
      Uint8Array.from([0x3c, 0x73, 0x76, 0x67, 0xff, 0x3e]),
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47]),
    ];
    for (const bytes of cases) expect(codeOf(() => unbake(bytes))).toBe('ERR_IMAGE_INVALID');
    expect(codeOf(() => unbake('<svg/>' as unknown as Uint8Array))).toBe('ERR_INPUT_INVALID');
  });

  it('never throws anything but an image error on random bytes', () => {
    const prefixes = [
      new Uint8Array(0),
      enc.encode('<svg>'),
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 200 }), (prefix, rest) => {
        const bytes = new Uint8Array([...prefix, ...rest]);
        expect(['ERR_IMAGE_INVALID', 'ERR_IMAGE_NOT_BAKED']).toContain(codeOf(() => unbake(bytes)));
      }),
      { numRuns: 500 },
    );
  });
});
