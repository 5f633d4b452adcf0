/**
 * The shipped catalogues (packages/server/data: ESCO v1.1.1 and O*NET 29.2, brotli-compressed, read through the
 * server's source reader), for the evaluations and the build steps that learn from them. Attribution: ESCO © European
 * Union (CC BY 4.0); "O*NET 29.2 Database by the U.S. Department of Labor, Employment and Training Administration
 * (USDOL/ETA), used under CC BY 4.0".
 */
import { fileURLToPath } from 'node:url';
import { openSourceDirectory } from '../../packages/server/src/domains/frameworks/sources/files.js';

const DATA = fileURLToPath(new URL('../../packages/server/data/', import.meta.url));
export const SHIPPED = { esco: `${DATA}esco-1.1.1`, onet: `${DATA}onet-29.2` } as const;

/**
 * Every row of a shipped file, keyed by its header: `esco` files are CSV, `onet` files tab-separated.
 *
 * @example
 * ```ts
 * const skills = await readShippedRows('esco', 'skills_en.csv', ['conceptUri', 'preferredLabel']);
 * ```
 */
export async function readShippedRows(
  source: keyof typeof SHIPPED,
  file: string,
  required: readonly string[] = [],
): Promise<Record<string, string>[]> {
  const files = openSourceDirectory(SHIPPED[source]);
  const rows: Record<string, string>[] = [];
  const delimiter = source === 'esco' ? ',' : '\t';
  for await (const { row } of files.rows(file, { delimiter, required, padShortRows: true })) rows.push(row);
  return rows;
}
