import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The suites that take longest (25 s to 2½ minutes each on CI's two cores: a real server SIGKILLed through a 5,000-row
 * batch, the shipped ESCO imported on both databases, the 1,000-credential example verified twice, the CLI's child
 * processes, the canonicalization equivalence properties), longest first as measured on a clean CI run. A clean clone has no timing cache, so without this Vitest orders files by size and one of
 * these can start last and run alone while the other worker idles.
 */
const LONGEST_FIRST = [
  'server/test/frameworks-import-shipped.test.ts',
  'server/test/crash.test.ts',
  'cli/test/e2e-example-issue.test.ts',
  'cli/test/import.test.ts',
  'core/test/fast-to-rdf-ob.test.ts',
  'core/test/fast-to-rdf-ob-2.test.ts',
  'core/test/interop-reference.test.ts',
  'core/test/fast-to-rdf-clr.test.ts',
  'core/test/fast-to-rdf-mutated.test.ts',
  'cli/test/issue.test.ts',
  'core/test/fast-to-rdf-rich.test.ts',
  'cli/test/e2e-example-earn.test.ts',
  'server/test/ledger-witness.test.ts',
  'server/test/ledger-audit.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((suffix) => f.moduleId.endsWith(suffix));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Vitest's default is one worker fewer than the cores: one on CI's two. The suites spend much of their time
    // waiting on PostgreSQL, child processes and worker threads, so two files at a time use the machine better.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
