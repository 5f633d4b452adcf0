import { issueNextBatchChunk } from '../domains/batches/issuance.js';
import { logAnchoringStep } from '../domains/ledger/anchoring.js';
import { logIntegrationStep } from '../domains/ledger/integrate.js';
import { logWitnessingStep } from '../domains/ledger/witnessing.js';
import { expiryReminderStep } from '../domains/renewals/reminders.js';
import type { AppDeps } from '../http/env.js';
import { startJobRunner, type JobRunner } from './runner.js';
import { createSignerPool, type SignerPoolOptions } from './signer-pool.js';

export interface BackgroundJobsOptions {
  pollMs?: number;
  /** Rows per bulk-issuance transaction (default 200). */
  chunkSize?: number;
  /** Signing threads (default: the available cores). */
  threads?: SignerPoolOptions['threads'];
}

/**
 * The server's background work: bulk issuance of confirmed batches, signed on a pool of worker threads, the
 * transparency log's integration (new entries hashed into its tiles and a checkpoint signed, about once a second while
 * there are any), the witnesses' cosignatures of each new checkpoint and its anchoring (when configured), and expiry
 * reminders (a scan every 15 minutes while nothing is due). Set the result
 * as `deps.jobs` so that confirming a batch wakes it; `stop()` lets the chunk in progress commit, then stops the
 * signing threads.
 *
 * @example
 * ```ts
 * deps.jobs = startBackgroundJobs(deps);
 * // …
 * await deps.jobs.stop();
 * ```
 */
export function startBackgroundJobs(deps: AppDeps, options: BackgroundJobsOptions = {}): JobRunner {
  const signer = createSignerPool({
    logger: deps.logger,
    ...(options.threads !== undefined && { threads: options.threads }),
  });
  const reminders = expiryReminderStep(deps);
  const integrateLog = logIntegrationStep(deps);
  const witnessLog = logWitnessingStep(deps);
  const anchorLog = logAnchoringStep(deps);
  const runner = startJobRunner({
    step: async () => {
      const issued = await issueNextBatchChunk(deps, {
        signer,
        ...(options.chunkSize && { chunkSize: options.chunkSize }),
      });
      // Every step, even while batches run: the log's checkpoint keeps up with issuance (about once a second).
      const integrated = await integrateLog();
      // Then the witnesses' cosignatures of the new checkpoint: with a quorum required, the log serves it only after.
      await witnessLog();
      await anchorLog();
      return issued || integrated || (await reminders());
    },
    logger: deps.logger,
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
  });
  return {
    wake: runner.wake,
    signal: runner.signal,
    async stop() {
      await runner.stop();
      await signer.close();
    },
  };
}
