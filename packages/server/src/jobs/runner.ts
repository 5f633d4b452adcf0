import type { Logger } from '../logger.js';

/** Runs background work in this process; the work itself is claimed from the database, so processes can share it. */
export interface JobRunner {
  /** Look for work now rather than at the next poll (after a batch is confirmed, say). */
  wake(): void;
  /** Aborted when the runner stops: long-lived responses (progress streams) end with it. */
  readonly signal: AbortSignal;
  /** Lets the step in progress finish (a chunk commits or rolls back whole), then stops. */
  stop(): Promise<void>;
}

export interface JobRunnerOptions {
  /** Does one piece of work; resolves whether it found any (when not, the runner sleeps until woken or polled). */
  step: () => Promise<boolean>;
  logger: Logger;
  /** Sleep between looks when there is nothing to do (default 1 s). */
  pollMs?: number;
  /** After failures the runner waits longer each time, up to this (default 30 s). */
  maxBackoffMs?: number;
}

/**
 * Starts a loop that runs `step` while it finds work, and otherwise waits for {@link JobRunner.wake} or the next poll.
 * A step that throws is logged and retried after a growing pause: work left half done by a failure (or a crash) is
 * still in the database, and the next step takes it up again.
 *
 * @example
 * ```ts
 * const runner = startJobRunner({ step: () => issueNextBatchChunk(deps), logger });
 * runner.wake();
 * await runner.stop();
 * ```
 */
export function startJobRunner(options: JobRunnerOptions): JobRunner {
  const pollMs = options.pollMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const controller = new AbortController();
  let woken = false;
  let interrupt: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || controller.signal.aborted) return resolve();
      // The runner alone does not keep the process alive: the server does.
      const timer = setTimeout(done, ms).unref();
      interrupt = done;
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
    });

  const loop = (async () => {
    let failures = 0;
    while (!controller.signal.aborted) {
      woken = false;
      try {
        const worked = await options.step();
        failures = 0;
        if (!worked) await pause(pollMs);
      } catch (err) {
        failures++;
        const waitMs = Math.min(maxBackoffMs, pollMs * 2 ** Math.min(failures, 16));
        options.logger.error({ err, failures, retryInMs: waitMs }, 'background job step failed');
        await pause(waitMs);
      }
    }
  })();

  const wake = () => {
    woken = true;
    interrupt?.();
  };
  return {
    wake,
    signal: controller.signal,
    async stop() {
      controller.abort();
      wake();
      await loop;
    },
  };
}
