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
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      // The web app's components, rendered in a DOM with only the network faked.
      {
        extends: true,
        test: {
          name: 'web',
          include: ['packages/web/test/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['packages/web/test/setup-dom.ts'],
          // Rendering Mantine in jsdom is slow on a busy machine; a limit, not a measure.
          testTimeout: 60_000,
        },
      },
      // The browser tests (e2e/README.md).
      'e2e/vitest.config.ts',
    ],
  },
});
