import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A focused test left in would silently skip the rest of the suite in CI.
    allowOnly: !process.env.CI,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      // The browser tests (e2e/README.md).
      'e2e/vitest.config.ts',
    ],
  },
});
