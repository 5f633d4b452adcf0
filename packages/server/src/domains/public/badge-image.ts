import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';

/** What a badge image shows; `image` is the achievement's own image, used when it is a PNG or SVG data: URI. */
export interface BadgeImageInput {
  name: string;
  issuerName: string;
  image?: string | undefined;
}

const SIZE = 512;
const FONT_FAMILY = 'DejaVu Sans';

/**
 * The badge as an SVG document: the achievement's own SVG (or PNG, wrapped) when its definition carries one as a
 * data: URI, otherwise a drawn badge with the achievement name wrapped over up to four lines and the issuer's name.
 * Every text is escaped for XML, and characters XML cannot carry are dropped.
 *
 * @example
 * ```ts
 * const svg = renderBadgeSvg({ name: 'Data Analysis with SQL', issuerName: 'Example University' });
 * ```
 */
export function renderBadgeSvg(input: BadgeImageInput): string {
  const own = ownImage(input.image);
  if (own?.kind === 'svg') return own.svg;
  if (own?.kind === 'png') {
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">` +
      `<image width="${SIZE}" height="${SIZE}" href="data:image/png;base64,${Buffer.from(own.png).toString('base64')}"/>` +
      `</svg>`
    );
  }
  return drawnBadge(input);
}

/**
 * The badge as PNG bytes: the achievement's own PNG when it has one, otherwise the SVG of {@link renderBadgeSvg}
 * rasterized by resvg with the bundled DejaVu Sans (resvg silently drops text when it has no font, so one is loaded
 * explicitly and system fonts are not). An own SVG that does not render, or that refers to anything outside itself,
 * gives way to the drawn badge.
 *
 * @example
 * ```ts
 * const png = renderBadgePng({ name: 'Data Analysis with SQL', issuerName: 'Example University' });
 * const baked = bakePng(png, credential);
 * ```
 */
export function renderBadgePng(input: BadgeImageInput): Uint8Array {
  const own = ownImage(input.image);
  if (own?.kind === 'png') return own.png;
  if (own?.kind === 'svg') {
    try {
      return rasterize(own.svg);
    } catch {
      // An SVG resvg cannot read: the drawn badge instead.
    }
  }
  return rasterize(drawnBadge(input));
}

function rasterize(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: SIZE },
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
  });
  return new Uint8Array(resvg.render().asPng());
}

let fonts: string[] | undefined;
function fontFiles(): string[] {
  const require = createRequire(import.meta.url);
  return (fonts ??= ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`)));
}

type OwnImage = { kind: 'png'; png: Uint8Array } | { kind: 'svg'; svg: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Anything an SVG could pull in from outside itself (files, URLs): resvg reads local files named by href.
const EXTERNAL_REFERENCE = /\bhref\s*=\s*["']\s*(?!#|data:)|url\(\s*["']?\s*(?!#|data:)/i;

/** The achievement's own image from a `data:image/png` or `data:image/svg+xml` URI; anything else is not used. */
function ownImage(uri: string | undefined): OwnImage | undefined {
  const m = uri === undefined ? null : /^data:(image\/png|image\/svg\+xml)((?:;[^,;]*)*),(.*)$/s.exec(uri);
  if (!m) return undefined;
  const base64 = /;base64$/i.test(m[2]!) || /;base64;/i.test(m[2]!);
  let bytes: Buffer;
  try {
    bytes = base64 ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'utf8');
  } catch {
    return undefined;
  }
  if (m[1] === 'image/png') {
    return PNG_SIGNATURE.every((b, i) => bytes[i] === b) ? { kind: 'png', png: new Uint8Array(bytes) } : undefined;
  }
  const svg = bytes.toString('utf8').replace(/^\uFEFF/, '');
  return /^\s*(<\?xml|<svg|<!--)/.test(svg) && !EXTERNAL_REFERENCE.test(svg) ? { kind: 'svg', svg } : undefined;
}

function drawnBadge({ name, issuerName }: BadgeImageInput): string {
  const lines = wrap(name, 16, 4);
  const fontSize = lines.length <= 2 ? 38 : 30;
  const lineHeight = fontSize * 1.2;
  const firstBaseline = 262 - ((lines.length - 1) * lineHeight) / 2 + fontSize * 0.35;
  const issuer = truncate(clean(issuerName), 26);
  const hexagon = (r: number) =>
    Array.from({ length: 6 }, (_, i) => {
      const a = (Math.PI / 3) * i - Math.PI / 2;
      return `${(256 + r * Math.cos(a)).toFixed(1)},${(256 + r * Math.sin(a)).toFixed(1)}`;
    }).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">`,
    `<defs><linearGradient id="fill" x1="0" y1="0" x2="0" y2="1">`,
    `<stop offset="0" stop-color="#2563eb"/><stop offset="1" stop-color="#1e3a8a"/></linearGradient></defs>`,
    `<polygon points="${hexagon(244)}" fill="url(#fill)"/>`,
    `<polygon points="${hexagon(222)}" fill="none" stroke="#ffffff" stroke-opacity="0.55" stroke-width="4"/>`,
    `<path d="M226 92 l20 20 l40 -40" fill="none" stroke="#fbbf24" stroke-width="12" stroke-linecap="round" stroke-linejoin="round" transform="translate(0 16)"/>`,
    `<g font-family="${FONT_FAMILY}" fill="#ffffff" text-anchor="middle">`,
    `<text font-weight="bold" font-size="${fontSize}">`,
    ...lines.map(
      (line, i) => `<tspan x="256" y="${(firstBaseline + i * lineHeight).toFixed(1)}">${escapeXml(line)}</tspan>`,
    ),
    `</text>`,
    issuer ? `<text x="256" y="396" font-size="19" fill-opacity="0.85">${escapeXml(issuer)}</text>` : '',
    `</g></svg>`,
  ].join('');
}

// XML 1.0 §2.2: C0 controls other than tab, newline and carriage return, U+FFFE, U+FFFF and unpaired surrogates
// cannot appear in a document at all, escaped or not.
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching those control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(text: string): string {
  return text.replace(NOT_XML, '').replace(/\s+/g, ' ').trim();
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Greedy word wrap by code points; words longer than a line are split; the last line ends in … when text is left. */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  for (const word of clean(text).split(' ')) {
    let chars = Array.from(word);
    if (line.length > 0 && line.length + 1 + chars.length > width) {
      lines.push(line.join(''));
      line = [];
    }
    if (line.length > 0) line.push(' ');
    while (chars.length > width) {
      lines.push(chars.slice(0, width).join(''));
      chars = chars.slice(width);
    }
    line.push(...chars);
  }
  if (line.length > 0) lines.push(line.join(''));
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = Array.from(kept[maxLines - 1]!);
  kept[maxLines - 1] = `${last.slice(0, width - 1).join('')}…`;
  return kept;
}
