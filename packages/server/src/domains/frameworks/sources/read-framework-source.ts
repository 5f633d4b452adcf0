import type { FrameworkSource } from './model.js';

/** The source formats `skillproof import` and the shipped catalogues read. */
export const FRAMEWORK_SOURCE_KINDS = ['esco', 'onet', 'case'] as const;
export type FrameworkSourceFormat = (typeof FRAMEWORK_SOURCE_KINDS)[number];

export interface ReadFrameworkSourceOptions {
  /** ESCO, O*NET: the release, overriding what the directory says (manifest.json, Read Me.txt). */
  version?: string | undefined;
}

/**
 * Opens a framework source by format: an ESCO CSV directory, an O*NET text-file directory, or a CASE 1.1 CFPackage JSON
 * file. Each reader is loaded only when asked for, so the CLI does not compile the CASE schema to import ESCO.
 *
 * @example
 * const source = await readFrameworkSource('onet', 'packages/server/data/onet-29.2');
 * await importFramework(db, source);
 */
export async function readFrameworkSource(
  kind: FrameworkSourceFormat,
  path: string,
  options: ReadFrameworkSourceOptions = {},
): Promise<FrameworkSource> {
  switch (kind) {
    case 'esco': {
      const { readEsco } = await import('./esco.js');
      return readEsco(path, options);
    }
    case 'onet': {
      const { readOnet } = await import('./onet.js');
      return readOnet(path, options);
    }
    case 'case': {
      const { readCase } = await import('./case.js');
      return readCase({ file: path });
    }
  }
}
