import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests open real SQLite files, real servers and child processes: forks isolate native handles.
    pool: 'forks',
    // The JSON report is what .ci/run counts; the default reporter stays for people.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
  },
});
