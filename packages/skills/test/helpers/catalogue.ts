import type { CatalogueCredential } from '../../src/plan/plan-learning-path.js';

/** A catalogue credential teaching `skills` in `hours` (and at `price`), named by its id in upper case. */
export const credential = (
  id: string,
  hours: number,
  skills: string[],
  prerequisites: string[] = [],
  price?: number,
): CatalogueCredential => ({
  id,
  name: id.toUpperCase(),
  cost: price === undefined ? { hours } : { hours, price },
  skills: skills.map((skill) => ({ skill })),
  prerequisites,
});
