import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-30T0500_initial.js';
import * as frameworks from './2026-11-30T0900_frameworks.js';
import * as earning from './2026-11-30T1300_earning.js';
import * as ledger from './2026-11-30T1500_ledger.js';
import * as witness from './2026-11-30T1600_witness.js';
import * as anchors from './2026-11-30T1610_anchors.js';
import * as guidance from './2026-11-30T1700_guidance.js';
import * as catalogue from './2026-11-30T1800_catalogue.js';

/**
 * Every migration, by timestamped name. Names sort in the order they run; a migration, once released, never changes:
 * add a new one.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-30T0500_initial': initial,
  '2026-11-30T0900_frameworks': frameworks,
  '2026-11-30T1300_earning': earning,
  '2026-11-30T1500_ledger': ledger,
  '2026-11-30T1600_witness': witness,
  '2026-11-30T1610_anchors': anchors,
  '2026-11-30T1700_guidance': guidance,
  '2026-11-30T1800_catalogue': catalogue,
};
