import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { bakePng, bakeSvg } from '@skillproof/core';
import { AppError } from '../src/errors.js';
import { decodeImage, findActiveContent, MAX_IMAGE_BYTES } from '../src/domains/achievements/image.js';
import { dataUri } from './helpers/fixtures.js';

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const svg = (body: string, attrs = '') => `<svg ${SVG_NS} width="10" height="10"${attrs}>${body}</svg>`;
const PLAIN_SVG = svg('<circle cx="5" cy="5" r="4" fill="#036"/>');
const PNG = new Uint8Array(new Resvg(PLAIN_SVG).render().asPng());

function codeOf(uri: string): string | undefined {
  try {
    decodeImage(uri, 'image');
    return undefined;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    expect(e.message.startsWith('image: ')).toBe(true);
    expect(e.details).toEqual({ path: 'image' });
    return e.code;
  }
}

describe('uploaded images', () => {
  it('accepts a PNG and an SVG (base64 or percent-encoded) and returns their bytes', () => {
    expect(decodeImage(dataUri('image/png', PNG), 'image')).toEqual({ contentType: 'image/png', bytes: PNG });
    const svgBytes = new TextEncoder().encode(PLAIN_SVG);
    expect(decodeImage(dataUri('image/svg+xml', PLAIN_SVG), 'image')).toEqual({
      contentType: 'image/svg+xml',
      bytes: svgBytes,
    });
    expect(decodeImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(PLAIN_SVG)}`, 'image').bytes).toEqual(
      svgBytes,
    );
    expect(decodeImage(dataUri('IMAGE/PNG', PNG), 'image').contentType).toBe('image/png');
  });

  it('refuses other types with ERR_UNSUPPORTED_MEDIA_TYPE', () => {
    for (const type of ['image/jpeg', 'image/gif', 'text/html', 'image/svg', '']) {
      expect(codeOf(dataUri(type, PNG))).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('refuses more than 1 MiB with ERR_IMAGE_TOO_LARGE, and accepts exactly 1 MiB', () => {
    const padded = (size: number) => {
      const head = `<svg ${SVG_NS}><!--`;
      const tail = '--></svg>';
      return head + 'x'.repeat(size - head.length - tail.length) + tail;
    };
    expect(codeOf(dataUri('image/svg+xml', padded(MAX_IMAGE_BYTES)))).toBeUndefined();
    expect(codeOf(dataUri('image/svg+xml', padded(MAX_IMAGE_BYTES + 1)))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(`data:image/svg+xml,${encodeURIComponent(padded(MAX_IMAGE_BYTES + 1))}`)).toBe('ERR_IMAGE_TOO_LARGE');
    // Refused from its length alone, long before 50 MiB of base64 would be decoded.
    expect(codeOf(`data:image/png;base64,${'A'.repeat(50 * 1024 * 1024)}`)).toBe('ERR_IMAGE_TOO_LARGE');
  });

  it('refuses a broken PNG: no signature, a bad CRC, truncated, or empty', () => {
    const badCrc = PNG.slice();
    badCrc[20] = badCrc[20]! ^ 0xff;
    for (const bytes of [PNG.slice(1), badCrc, PNG.slice(0, PNG.length - 10), new Uint8Array()]) {
      expect(codeOf(dataUri('image/png', bytes))).toBe('ERR_IMAGE_INVALID');
    }
    expect(codeOf('data:image/png;base64,iVBO$$==')).toBe('ERR_IMAGE_INVALID');
    expect(codeOf('data:image/svg+xml,%E0%A4%A')).toBe('ERR_IMAGE_INVALID');
  });

  it('refuses an image that already carries a baked credential', () => {
    const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'] };
    expect(codeOf(dataUri('image/png', bakePng(PNG, credential)))).toBe('ERR_IMAGE_INVALID');
    expect(codeOf(dataUri('image/svg+xml', bakeSvg(PLAIN_SVG, credential)))).toBe('ERR_IMAGE_INVALID');
  });

  it('refuses an SVG that is not well-formed, not UTF-8, or not an SVG', () => {
    for (const text of [
      `<svg ${SVG_NS}><g></svg>`,
      `<svg ${SVG_NS}><g fill=red/></svg>`,
      `<svg ${SVG_NS}>`,
      '<html><body/></html>',
      'not xml at all',
    ]) {
      expect({ text, code: codeOf(dataUri('image/svg+xml', text)) }).toEqual({ text, code: 'ERR_IMAGE_INVALID' });
    }
    expect(codeOf(dataUri('image/svg+xml', Uint8Array.of(0x3c, 0xff, 0xfe, 0x3e)))).toBe('ERR_IMAGE_INVALID');
  });

  it('refuses every way an SVG can run script, and says which', () => {
    const active: [string, RegExp][] = [
      [svg('<script>alert(1)</script>'), /<script> element/],
      [svg('<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>'), /<svg:script> element/],
      [svg('<SCRIPT>alert(1)</SCRIPT>'), /<SCRIPT> element/],
      [svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'), /foreignObject/],
      [svg('<handler type="application/ecmascript">alert(1)</handler>'), /handler/],
      [svg('', ' onload="alert(1)"'), /event handler attribute \(onload\)/],
      [svg('<rect width="1" height="1" ONCLICK="alert(1)"/>'), /ONCLICK/],
      [svg('<a href="javascript:alert(1)"><text>x</text></a>'), /script URL in href/],
      [svg('<a xlink:href="jav&#x61;script:alert(1)"><text>x</text></a>'), /script URL in xlink:href/],
      [svg('<a href=" java&#9;script:alert(1)"><text>x</text></a>'), /script URL/],
      [svg('<a href="&#106;&#97;vascript:alert(1)"><text>x</text></a>'), /script URL/],
      [svg('<a href="vbscript:msgbox"><text>x</text></a>'), /script URL/],
      [
        svg('<a><animate attributeName="href" values="https://a.example;javascript:alert(1)"/></a>'),
        /script URL in values/,
      ],
      [svg('<a><set attributeName="href" to="javascript:alert(1)"/></a>'), /script URL in to/],
      [svg('<a href="data:text/html;base64,PHNjcmlwdD4="><text>x</text></a>'), /data: URL that is not an image/],
      [svg('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'), /data: URL that is not an image/],
      [svg('<rect style="fill:url(data:text/html,x)"/>'), /data: URL that is not an image/],
      [
        `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "javascript:alert(1)">]>${svg('<a href="&x;"/>')}`,
        /DTD internal subset/,
      ],
      [`<?xml-stylesheet type="text/xsl" href="evil.xsl"?>${PLAIN_SVG}`, /processing instruction/],
    ];
    for (const [text, message] of active) {
      expect({ text, found: findActiveContent(text) }).toEqual({ text, found: expect.stringMatching(message) });
      expect({ text, code: codeOf(dataUri('image/svg+xml', text)) }).toEqual({ text, code: 'ERR_IMAGE_INVALID' });
    }
  });

  it('accepts ordinary badge SVGs: styles, links, raster data images, comments, a public DOCTYPE', () => {
    const benign = [
      PLAIN_SVG,
      `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n${PLAIN_SVG}`,
      svg('<style>.a{fill:#c00}</style><rect class="a" width="5" height="5"/>'),
      svg('<a href="https://example.edu/badges"><text x="1" y="9">Only &amp; online</text></a>'),
      svg(`<image width="8" height="8" href="${dataUri('image/png', PNG)}"/>`),
      svg('<!-- <script>alert(1)</script> --><g id="metadata:layer" opacity="0.5"/>'),
      svg('<text><![CDATA[ onload="x" <script> ]]></text>'),
      svg('<g data-label="a > b"><use href="#c"/></g><circle id="c" r="1" offset="2"/>'),
    ];
    for (const text of benign) {
      expect({ text, found: findActiveContent(text) }).toEqual({ text, found: undefined });
      expect({ text, code: codeOf(dataUri('image/svg+xml', text)) }).toEqual({ text, code: undefined });
    }
  });

  it('a script element or event handler anywhere among benign content is always found', () => {
    const benign = fc.constantFrom(
      '<rect width="1" height="1"/>',
      '<g fill="red"><circle r="1"/></g>',
      '<text>hello &lt;script&gt;</text>',
      '<!-- a comment -->',
      '<style>.x{}</style>',
    );
    const active = fc.oneof(
      fc.constantFrom('<script>1</script>', '<foreignObject/>', '<x:script xmlns:x="http://www.w3.org/2000/svg"/>'),
      fc
        .stringMatching(/^[a-z]{1,12}$/)
        .map((event) => `<rect ${['on', 'ON', 'On'][event.length % 3]}${event}="alert(1)"/>`),
    );
    fc.assert(
      fc.property(
        fc.array(benign, { maxLength: 6 }),
        active,
        fc.array(benign, { maxLength: 6 }),
        (before, bad, after) => {
          const text = svg([...before, bad, ...after].join(''));
          expect(findActiveContent(text)).toBeDefined();
          expect(codeOf(dataUri('image/svg+xml', text))).toBe('ERR_IMAGE_INVALID');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any input is either accepted or refused with an image code, never a crash', () => {
    const codes = new Set([undefined, 'ERR_IMAGE_INVALID', 'ERR_IMAGE_TOO_LARGE', 'ERR_UNSUPPORTED_MEDIA_TYPE']);
    fc.assert(
      fc.property(
        fc.constantFrom('image/png', 'image/svg+xml', 'image/svg+xml;charset=utf-8', 'text/plain'),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ maxLength: 200 }).map((s) => `<svg ${SVG_NS}>${s}</svg>`),
        ),
        fc.boolean(),
        (type, content, percent) => {
          const uri = percent
            ? `data:${type},${encodeURIComponent(typeof content === 'string' ? content : Buffer.from(content).toString('latin1'))}`
            : dataUri(type, content);
          expect(codes.has(codeOf(uri))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
