import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // A focused test left in would silently skip the rest of the suite in CI.
    allowOnly: !process.env.CI,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
