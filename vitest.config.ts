import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql@16 has no "exports" map: Node (running yoga, Pothos, graphql-ws) loads its CommonJS
  // index.js, while Vite would resolve the "module" field (index.mjs) for our sources. Two copies of
  // graphql break its instanceof checks ("Cannot use GraphQLSchema from another module"), so sources
  // get the copy Node loads.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
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
