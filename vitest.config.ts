import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Vitest's default is one worker fewer than the cores: one on CI's two. The suites spend much of their time
    // waiting on PostgreSQL, child processes and worker threads, so two files at a time use the machine better.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
