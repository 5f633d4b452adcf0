/**
 * eval:recommend section `next-roles`: how well next-role suggestions (createNextRoleIndex) agree with O*NET's Related
 * Occupations. Each O*NET occupation's own ratings stand in for a learner's profile; the other occupations are ranked
 * by similarity to it (itself excluded) and scored by NDCG@10 with the relatedness tier as graded relevance
 * (Primary-Short 3, Primary-Long 2, Supplemental 1; linear gain, log2 discount, the ideal from all its related
 * occupations). Two baselines in the same run rank by the SOC hierarchy and Job Zone only, without skills.
 * The headline uses Skills and Knowledge only; adding Technology Skills classes (weight 1 each, about 30 per
 * occupation, so they swamp the ratings) scored lower on this same set and is printed alongside rather than hidden:
 * the choice was made after seeing both, so read the gap between them as indicative.
 * Data: "O*NET 29.2 Database by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA),
 * used under CC BY 4.0".
 */
import type { SkillProfile } from '../../packages/skills/src/gap/build-skill-profile.js';
import { createNextRoleIndex, type RoleOccupation } from '../../packages/skills/src/gap/create-next-role-index.js';
import { readShippedRows } from './shipped-data.js';

const GAIN: Record<string, number> = { 'Primary-Short': 3, 'Primary-Long': 2, Supplemental: 1 };
const K = 10;

/** NDCG@K of a ranked list of ids against graded relevance. */
export function ndcgAt(k: number, ranked: readonly string[], relevance: ReadonlyMap<string, number>): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    dcg += (relevance.get(id) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...relevance.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

/**
 * An occupation's distinctive ratings: Skills and Knowledge Importance as a z-score against all occupations, kept
 * when above average (every occupation is rated on every element, so the raw ratings mostly say "an occupation");
 * with `withTechnology`, also each Technology Skills commodity class it uses, weight 1.
 */
async function onetOccupations(
  withTechnology: boolean,
): Promise<{ occupations: RoleOccupation[]; titles: Map<string, string> }> {
  const titles = new Map(
    (await readShippedRows('onet', 'Occupation Data.txt')).map((r) => [r['O*NET-SOC Code']!, r.Title!]),
  );
  const ratings = new Map<string, Map<string, number>>();
  const elementLabels = new Map<string, string>();
  for (const file of ['Skills.txt', 'Knowledge.txt']) {
    for (const r of await readShippedRows('onet', file)) {
      if (r['Scale ID'] !== 'IM') continue;
      const code = r['O*NET-SOC Code']!;
      const element = `onet:${r['Element ID']!}`;
      elementLabels.set(element, r['Element Name']!);
      let m = ratings.get(code);
      if (!m) ratings.set(code, (m = new Map()));
      m.set(element, Number(r['Data Value']));
    }
  }
  const stats = new Map<string, { mean: number; sd: number }>();
  for (const element of elementLabels.keys()) {
    const values = [...ratings.values()].map((m) => m.get(element)).filter((v): v is number => v !== undefined);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    stats.set(element, { mean, sd });
  }
  const skills = new Map<string, { skill: string; weight: number; label?: string }[]>();
  const add = (code: string, skill: { skill: string; weight: number; label?: string }) => {
    let list = skills.get(code);
    if (!list) skills.set(code, (list = []));
    list.push(skill);
  };
  for (const [code, m] of ratings) {
    for (const [element, importance] of m) {
      const { mean, sd } = stats.get(element)!;
      const z = sd === 0 ? 0 : (importance - mean) / sd;
      if (z > 0) add(code, { skill: element, weight: z, label: elementLabels.get(element)! });
    }
  }
  for (const r of withTechnology ? await readShippedRows('onet', 'Technology Skills.txt') : []) {
    add(r['O*NET-SOC Code']!, { skill: `unspsc:${r['Commodity Code']!}`, weight: 1, label: r['Commodity Title']! });
  }
  const occupations = [...skills]
    .filter(([code]) => titles.has(code))
    .map(([code, list]) => ({ id: code, label: titles.get(code)!, skills: list }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { occupations, titles };
}

/** The occupation's own vector as a learner's verified skills: its weights scaled to 0–1 as levels. */
function profileOf(occupation: RoleOccupation): SkillProfile {
  const max = Math.max(...occupation.skills.map((s) => s.weight));
  const verified = new Map<string, number>();
  for (const { skill, weight } of occupation.skills)
    verified.set(skill, Math.max(weight / max, verified.get(skill) ?? 0));
  return {
    verified: [...verified]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([skill, level]) => ({ skill, level, source: 'issued', credentialId: occupation.id, date: '2025-01-01' })),
    selfDeclared: [],
  };
}

/** Shared SOC prefix: 4 detailed (15-1252), 3 broad (15-125), 2 minor (15-1), 1 major (15), 0 none. */
function socShared(a: string, b: string): number {
  if (a.slice(0, 7) === b.slice(0, 7)) return 4;
  if (a.slice(0, 6) === b.slice(0, 6)) return 3;
  if (a.slice(0, 4) === b.slice(0, 4)) return 2;
  if (a.slice(0, 2) === b.slice(0, 2)) return 1;
  return 0;
}

export async function run(): Promise<{ metrics: Record<string, number | string>; report: string[] }> {
  const { occupations, titles } = await onetOccupations(false);
  const technologyOccupations = (await onetOccupations(true)).occupations;
  const withTechnology = createNextRoleIndex(technologyOccupations);
  const zones = new Map(
    (await readShippedRows('onet', 'Job Zones.txt')).map((r) => [r['O*NET-SOC Code']!, Number(r['Job Zone'])]),
  );
  const related = new Map<string, Map<string, number>>();
  for (const r of await readShippedRows('onet', 'Related Occupations.txt')) {
    const code = r['O*NET-SOC Code']!;
    const other = r['Related O*NET-SOC Code']!;
    if (!titles.has(other)) continue;
    let m = related.get(code);
    if (!m) related.set(code, (m = new Map()));
    m.set(other, Math.max(GAIN[r['Relatedness Tier']!] ?? 0, m.get(other) ?? 0));
  }
  const index = createNextRoleIndex(occupations);
  const withTechnologyById = new Map(technologyOccupations.map((o) => [o.id, o]));
  const ids = occupations.map((o) => o.id);
  const zoneDistance = (a: string, b: string) => {
    const za = zones.get(a);
    const zb = zones.get(b);
    return za === undefined || zb === undefined ? 9 : Math.abs(za - zb);
  };

  const totals = { skills: 0, technology: 0, soc: 0, zone: 0 };
  const latencies: number[] = [];
  let queries = 0;
  for (const occupation of occupations) {
    const relevance = related.get(occupation.id);
    if (!relevance || relevance.size === 0) continue;
    queries++;
    const started = performance.now();
    const suggested = index.suggest(profileOf(occupation), { limit: K, exclude: [occupation.id] }).map((r) => r.id);
    latencies.push(performance.now() - started);
    totals.skills += ndcgAt(K, suggested, relevance);
    const withTech = withTechnology.suggest(profileOf(withTechnologyById.get(occupation.id)!), {
      limit: K,
      exclude: [occupation.id],
    });
    totals.technology += ndcgAt(
      K,
      withTech.map((r) => r.id),
      relevance,
    );
    const others = ids.filter((id) => id !== occupation.id);
    const soc = [...others].sort(
      (a, b) =>
        socShared(occupation.id, b) - socShared(occupation.id, a) ||
        zoneDistance(occupation.id, a) - zoneDistance(occupation.id, b) ||
        (a < b ? -1 : 1),
    );
    totals.soc += ndcgAt(K, soc, relevance);
    const zone = [...others].sort(
      (a, b) => zoneDistance(occupation.id, a) - zoneDistance(occupation.id, b) || (a < b ? -1 : 1),
    );
    totals.zone += ndcgAt(K, zone, relevance);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const metrics = {
    queries,
    occupations: occupations.length,
    ndcg10: round(totals.skills / queries),
    ndcg10WithTechnology: round(totals.technology / queries),
    baselineSocJobZoneNdcg10: round(totals.soc / queries),
    baselineJobZoneNdcg10: round(totals.zone / queries),
    p50Ms: round(pct(50)),
    p95Ms: round(pct(95)),
  };
  return {
    metrics,
    report: [
      `O*NET 29.2: ${queries} occupations with Related Occupations, ranked among ${occupations.length} (itself excluded)`,
      `NDCG@10 next roles (Skills, Knowledge):              ${metrics.ndcg10}`,
      `NDCG@10 next roles, with Technology Skills classes:  ${metrics.ndcg10WithTechnology}`,
      `NDCG@10 baseline, SOC group then Job Zone:           ${metrics.baselineSocJobZoneNdcg10}`,
      `NDCG@10 baseline, Job Zone only:                     ${metrics.baselineJobZoneNdcg10}`,
      `suggest latency p50 ${metrics.p50Ms} ms, p95 ${metrics.p95Ms} ms`,
    ],
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
