import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{workflows,activities,server,infra,notebook-ext,editor,examples}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time, each against the shared real services.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
