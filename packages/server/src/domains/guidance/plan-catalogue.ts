import { sql } from 'kysely';
import { createPlanCatalogue, type CatalogueCredential, type PlanCatalogue } from '@skillproof/skills';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { catalogueItem, selectCatalogue, type CatalogueEntry, type CatalogueItem } from './catalogue.js';

export type { CatalogueEntry } from './catalogue.js';

/** The learning catalogue as the planner takes it, with what the server shows of each credential. */
export interface ServerPlanCatalogue {
  /** Ids are achievement ids; skills are item URLs, as learner profiles and goals name them. */
  credentials: readonly CatalogueCredential[];
  /** By achievement id. */
  entries: ReadonlyMap<string, CatalogueEntry>;
  /** `createPlanCatalogue(credentials)`: index once, plan many goals. */
  prepared: PlanCatalogue;
}

/** The most currencies one app keeps a prepared catalogue for at once (the oldest goes first). */
const MAX_CURRENCIES = 8;

interface Cached {
  key: string;
  items: Promise<CatalogueItem[]>;
  /** Currency ('' for none) → the catalogue priced in it. */
  byCurrency: Map<string, Promise<ServerPlanCatalogue>>;
}

// One catalogue per app, rebuilt when it changes: reading and validating every published definition is the costly
// part, so each request only computes the key. The key fingerprints exactly what the catalogue is made of: each
// published achievement's id and current version (versions never change), its issuer's slug and name, and its award
// rule; publishing, unpublishing, archiving, an edit, a rule change or an issuer's rename changes it.
const catalogues = new WeakMap<AppDeps, Cached>();

async function catalogueKey(deps: AppDeps): Promise<string> {
  // The rows of selectCatalogue without their definitions (an id and a version name one): half the time of reading
  // them (at 5,000 published achievements, 7–10 ms against 16–34 ms on PostgreSQL and PGlite).
  const row = await deps.db
    .selectFrom('achievements as a')
    .innerJoin('organizations as o', 'o.id', 'a.orgId')
    .leftJoin('awardRules as r', 'r.achievementId', 'a.id')
    .select(
      sql<string>`count(*) || ':' || coalesce(md5(string_agg(concat_ws('|', a.id, a.current_version, o.slug, o.name, md5(r.rule::text)), ',' order by a.id)), '')`.as(
        'key',
      ),
    )
    .where('a.publishedAt', 'is not', null)
    .where('a.archivedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return row.key;
}

/**
 * What a catalogue credential costs: `hours` as defined; `price` its amount when it is in `currency`, or free (free is
 * free in any currency); otherwise none, so that a plan by price cannot use it.
 */
function credentialOf(item: CatalogueItem, currency: string | undefined): CatalogueCredential {
  const { entry } = item;
  const price = entry.price;
  const priced = price !== undefined && (price.amount === 0 || price.currency === currency);
  return {
    id: entry.id,
    name: entry.name,
    cost: {
      ...(entry.hours !== undefined && { hours: entry.hours }),
      ...(priced && { price: price.amount }),
    },
    skills: item.skills.map((s) => ({ skill: s.url, ...(s.level !== undefined && { level: s.level }) })),
    prerequisites: item.prerequisites,
  };
}

async function priced(items: Promise<CatalogueItem[]>, currency: string | undefined): Promise<ServerPlanCatalogue> {
  const list = await items;
  const credentials = list.map((item) => credentialOf(item, currency));
  return {
    credentials,
    entries: new Map(list.map((item) => [item.entry.id, item.entry])),
    prepared: createPlanCatalogue(credentials),
  };
}

/**
 * The learning catalogue for the planner: every organisation's published, non-archived achievements as
 * {@link CatalogueCredential}s (ids: achievement ids; skills: item URLs with the required level on the 0–1 scale;
 * cost: `hours`, and `price` only in `currency` or when free; prerequisites: the achievements the award rule requires,
 * published or not), prepared once per app and currency and rebuilt when the catalogue changes. A currency that is not
 * three upper-case letters is `ERR_VALIDATION`.
 *
 * @example
 * ```ts
 * const { prepared, entries } = await planCatalogueFor(deps, { currency: 'EUR' });
 * const plan = planLearningPath({ goal, catalogue: prepared, held, measure: 'price' }, { solver });
 * plan.steps.map((s) => entries.get(s.id)?.url);
 * ```
 */
export async function planCatalogueFor(
  deps: AppDeps,
  options: { currency?: string } = {},
): Promise<ServerPlanCatalogue> {
  const { currency } = options;
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
    throw new AppError('ERR_VALIDATION', 'currency: must be an ISO 4217 currency code (three upper-case letters).', {
      issues: [{ path: 'currency', message: 'must be three upper-case letters' }],
    });
  }
  const key = await catalogueKey(deps);
  let cached = catalogues.get(deps);
  if (cached?.key !== key) {
    const items = selectCatalogue(deps.db)
      .orderBy('a.id')
      .execute()
      .then((rows) => rows.map((row) => catalogueItem(deps.publicUrl, row)));
    const fresh: Cached = { key, items, byCurrency: new Map() };
    cached = fresh;
    catalogues.set(deps, fresh);
    items.catch(() => {
      if (catalogues.get(deps) === fresh) catalogues.delete(deps);
    });
  }
  const slot = currency ?? '';
  let catalogue = cached.byCurrency.get(slot);
  if (!catalogue) {
    if (cached.byCurrency.size >= MAX_CURRENCIES) cached.byCurrency.delete(cached.byCurrency.keys().next().value!);
    catalogue = priced(cached.items, currency);
    cached.byCurrency.set(slot, catalogue);
    const { byCurrency } = cached;
    catalogue.catch(() => {
      if (byCurrency.get(slot) === catalogue) byCurrency.delete(slot);
    });
  }
  return catalogue;
}
