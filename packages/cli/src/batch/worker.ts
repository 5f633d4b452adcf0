// A batch worker thread: builds the task's line processor once, then processes chunks one at a time, in the order
// they arrive (a chunk finished early would only wait for its predecessor in the writer anyway).
import { parentPort, workerData } from 'node:worker_threads';
import { createLineProcessor } from './line-processor.js';
import type { BatchTask } from './line-processor.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

const port = parentPort!;
const { task } = workerData as { task: BatchTask };

try {
  const processLines = await createLineProcessor(task);
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      let reply: WorkerReply;
      try {
        reply = { id: request.id, output: await processLines(request.lines, request.offset) };
      } catch (e) {
        reply = { id: request.id, error: (e as Error)?.stack ?? String(e) };
      }
      port.postMessage(reply);
    });
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
} catch (e) {
  port.postMessage({ fatal: (e as Error)?.message ?? String(e) } satisfies WorkerReply);
}
