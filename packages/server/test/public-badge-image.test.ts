import fc from 'fast-check';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { renderBadgePng, renderBadgeSvg } from '../src/domains/public/badge-image.js';

const OWN_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#c00"/></svg>';
const svgUri = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const tspans = (svg: string) => [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]!);

describe('badge images', () => {
  it('the PNG has its text: it differs from the same badge with an empty name, and between names', () => {
    const issuerName = 'Example University';
    const withName = Buffer.from(renderBadgePng({ name: 'Data Analysis with SQL', issuerName }));
    const empty = Buffer.from(renderBadgePng({ name: '', issuerName }));
    const other = Buffer.from(renderBadgePng({ name: 'Data Analysis with SQM', issuerName }));
    expect(withName.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(withName.equals(empty)).toBe(false);
    expect(withName.equals(other)).toBe(false);
    // Text takes pixels: the badge with text compresses to more bytes than the one without.
    expect(withName.length).toBeGreaterThan(empty.length + 1000);
  });

  it('wraps the name over at most four lines, ending in … when it is cut', () => {
    expect(tspans(renderBadgeSvg({ name: 'Data Analysis with SQL', issuerName: 'X' }))).toEqual([
      'Data Analysis',
      'with SQL',
    ]);
    const long = tspans(renderBadgeSvg({ name: 'word '.repeat(40), issuerName: 'X' }));
    expect(long).toHaveLength(4);
    expect(long[3]!.endsWith('…')).toBe(true);
    expect(tspans(renderBadgeSvg({ name: 'Supercalifragilisticexpialidocious', issuerName: 'X' }))).toEqual([
      'Supercalifragili',
      'sticexpialidocio',
      'us',
    ]);
    expect(tspans(renderBadgeSvg({ name: '😀'.repeat(20), issuerName: 'X' }))).toEqual([
      '😀'.repeat(16),
      '😀'.repeat(4),
    ]);
  });

  it('property: any name and issuer give a well-formed SVG whose texts are escaped', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        (name, issuerName) => {
          const svg = renderBadgeSvg({ name, issuerName });
          expect(svg).not.toMatch(/<(?!\/?(svg|defs|linearGradient|stop|polygon|path|g|text|tspan)[\s>/])/);
          for (const text of tspans(svg)) expect(text).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
          expect(() => new Resvg(svg, { font: { loadSystemFonts: false } })).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("uses the achievement's own PNG or SVG data: image instead of drawing one", () => {
    const png = renderBadgePng({ name: 'Own', issuerName: 'Org' });
    const ownPng = renderBadgePng({
      name: 'X',
      issuerName: 'Y',
      image: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
    });
    expect(Buffer.from(ownPng).equals(Buffer.from(png))).toBe(true);
    expect(
      renderBadgeSvg({
        name: 'X',
        issuerName: 'Y',
        image: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
      }),
    ).toContain('<image width="512" height="512" href="data:image/png;base64,');
    expect(renderBadgeSvg({ name: 'X', issuerName: 'Y', image: svgUri(OWN_SVG) })).toBe(OWN_SVG);
    expect(
      renderBadgeSvg({ name: 'X', issuerName: 'Y', image: `data:image/svg+xml,${encodeURIComponent(OWN_SVG)}` }),
    ).toBe(OWN_SVG);
    const fromSvg = Buffer.from(renderBadgePng({ name: 'X', issuerName: 'Y', image: svgUri(OWN_SVG) }));
    expect(fromSvg.equals(Buffer.from(renderBadgePng({ name: 'X', issuerName: 'Y' })))).toBe(false);
  });

  it('an own image that is not usable, or that refers outside itself, gives way to the drawn badge', () => {
    const drawn = renderBadgeSvg({ name: 'Drawn', issuerName: 'Org' });
    for (const image of [
      svgUri('<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/hostname.png"/></svg>'),
      svgUri(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="file:///x.png"/></svg>',
      ),
      svgUri('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://evil.example/x)"/></svg>'),
      svgUri('not svg at all'),
      'data:image/png;base64,aGVsbG8=',
      'https://example.org/badge.png',
      'data:image/gif;base64,R0lGODlhAQABAAAAACw=',
    ]) {
      expect(renderBadgeSvg({ name: 'Drawn', issuerName: 'Org', image })).toBe(drawn);
    }
    const broken = svgUri('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>');
    expect(Buffer.from(renderBadgePng({ name: 'Drawn', issuerName: 'Org', image: broken }))).toEqual(
      Buffer.from(renderBadgePng({ name: 'Drawn', issuerName: 'Org' })),
    );
  });
});
