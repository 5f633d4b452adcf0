/**
 * Picks the media type to answer with (RFC 9110 §12.5.1): the offer with the highest quality in `accept`; on a tie,
 * the one matched most specifically (`type/sub` over `type/*` over `*\/*`), then the first in `offers`. No Accept
 * header counts as `*\/*`. Undefined when nothing offered is acceptable.
 *
 * @example
 * ```ts
 * negotiate('text/html,application/xhtml+xml,*\/*;q=0.8', ['application/json', 'text/html']); // 'text/html'
 * ```
 */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | undefined {
  const ranges = parseAccept(accept ?? '*/*');
  let best: { offer: string; q: number; specificity: number } | undefined;
  for (const offer of offers) {
    const [type, subtype] = offer.split('/');
    let match: { q: number; specificity: number } | undefined;
    for (const r of ranges) {
      const specificity =
        r.type === type && r.subtype === subtype
          ? 3
          : r.type === type && r.subtype === '*'
            ? 2
            : r.type === '*'
              ? 1
              : 0;
      if (specificity > 0 && (!match || specificity > match.specificity)) match = { q: r.q, specificity };
    }
    if (!match || match.q <= 0) continue;
    if (!best || match.q > best.q || (match.q === best.q && match.specificity > best.specificity)) {
      best = { offer, ...match };
    }
  }
  return best?.offer;
}

function parseAccept(accept: string): { type: string; subtype: string; q: number }[] {
  const ranges: { type: string; subtype: string; q: number }[] = [];
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const m = /^([a-z0-9!#$%&'*+.^_`|~-]+)\/([a-z0-9!#$%&'*+.^_`|~-]+)$/.exec(range ?? '');
    if (!m) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    ranges.push({ type: m[1]!, subtype: m[2]!, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 });
  }
  return ranges;
}
