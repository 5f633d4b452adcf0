// Throwaway: pushes the same 5,000 lines through the pool with the no-op `echo` task (transport only).
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { runBatch } from '../src/batch/run-batch.ts';
const file = process.argv[2]!;
for (const threads of [1, 2]) {
  for (let rep = 0; rep < 2; rep++) {
    let bytes = 0;
    const sink = new Writable({
      write(c, _e, cb) {
        bytes += c.length;
        cb();
      },
    });
    const t0 = performance.now();
    const s = await runBatch({ task: { kind: 'echo' }, threads, input: createReadStream(file), output: sink });
    const ms = performance.now() - t0;
    console.log(
      JSON.stringify({
        file,
        threads,
        rep,
        ms: Math.round(ms),
        lines: s.items,
        bytes,
        usPerLine: +((ms * 1000) / s.items).toFixed(1),
      }),
    );
  }
}
