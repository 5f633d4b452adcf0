/** The difference functions of Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"). */
export type AlphaMetric = 'nominal' | 'ordinal' | 'interval' | 'ratio';

/**
 * Krippendorff's alpha over units rated by several raters (missing ratings simply absent from a unit's list): 1 is
 * perfect agreement, 0 agreement at chance. Units with fewer than two ratings are not pairable and are left out.
 * `undefined` when nothing is pairable or all pairable values are equal (no expected disagreement: alpha is undefined).
 *
 * α = 1 − (n − 1) · Σ o_ck δ²_ck / Σ n_c n_k δ²_ck, with o the coincidence matrix, n_c its margins, n = Σ n_c.
 *
 * @example
 * ```ts
 * krippendorffAlpha([[1, 1], [2, 3], [3, 3]], 'interval');
 * ```
 */
export function krippendorffAlpha(units: readonly (readonly number[])[], metric: AlphaMetric): number | undefined {
  const pairable = units.filter((u) => u.length >= 2);
  const values = [...new Set(pairable.flat())].sort((a, b) => a - b);
  if (values.length === 0) return undefined;
  const index = new Map(values.map((v, i) => [v, i]));
  const size = values.length;
  const o = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (const u of pairable) {
    for (let i = 0; i < u.length; i++) {
      for (let j = 0; j < u.length; j++) {
        if (i !== j) o[index.get(u[i]!)!]![index.get(u[j]!)!]! += 1 / (u.length - 1);
      }
    }
  }
  const margins = o.map((row) => row.reduce((a, b) => a + b, 0));
  const n = margins.reduce((a, b) => a + b, 0);
  const delta = distance(values, margins, metric);
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < size; c++) {
    for (let k = 0; k < size; k++) {
      const d = delta(c, k);
      observed += o[c]![k]! * d;
      expected += margins[c]! * margins[k]! * d;
    }
  }
  if (expected === 0) return undefined;
  return 1 - ((n - 1) * observed) / expected;
}

function distance(values: number[], margins: number[], metric: AlphaMetric): (c: number, k: number) => number {
  switch (metric) {
    case 'nominal':
      return (c, k) => (c === k ? 0 : 1);
    case 'interval':
      return (c, k) => (values[c]! - values[k]!) ** 2;
    case 'ratio':
      return (c, k) => {
        const sum = values[c]! + values[k]!;
        return sum === 0 ? 0 : ((values[c]! - values[k]!) / sum) ** 2;
      };
    case 'ordinal':
      return (c, k) => {
        if (c === k) return 0;
        const [lo, hi] = c < k ? [c, k] : [k, c];
        let between = 0;
        for (let g = lo; g <= hi; g++) between += margins[g]!;
        return (between - (margins[lo]! + margins[hi]!) / 2) ** 2;
      };
  }
}

/**
 * Pairwise agreement over units: of every pair of ratings of the same unit, the fraction that are equal (exact) and
 * that differ by at most `adjacent` (ratings here are level positions, so 1 means neighbouring levels).
 * `undefined` fractions when there is no pair.
 *
 * @example
 * ```ts
 * pairwiseAgreement([[0, 0], [1, 2]]); // { pairs: 2, exact: 0.5, adjacent: 1 }
 * ```
 */
export function pairwiseAgreement(
  units: readonly (readonly number[])[],
  adjacent = 1,
): { pairs: number; exact: number | undefined; adjacent: number | undefined } {
  let pairs = 0;
  let exact = 0;
  let near = 0;
  for (const u of units) {
    for (let i = 0; i < u.length; i++) {
      for (let j = i + 1; j < u.length; j++) {
        pairs++;
        const d = Math.abs(u[i]! - u[j]!);
        if (d === 0) exact++;
        if (d <= adjacent) near++;
      }
    }
  }
  return pairs === 0
    ? { pairs, exact: undefined, adjacent: undefined }
    : { pairs, exact: exact / pairs, adjacent: near / pairs };
}
