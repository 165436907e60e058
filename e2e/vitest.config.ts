import { defineProject } from 'vitest/config';

// The browser tests: a real `cvm serve` per test file, driven through Debian's Chromium.
export default defineProject({
  test: {
    name: 'e2e',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each file runs a server and a browser, mostly waiting on each other: two files at once
    // finish sooner even on two cores; more would only compete.
    fileParallelism: true,
    maxWorkers: 2,
    // After the unit suites, so the two never compete for the same cores.
    sequence: { groupOrder: 1 },
  },
});
