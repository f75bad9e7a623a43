import tseslint from 'typescript-eslint';

/**
 * Imports flow one way: schema -> replication -> client / server -> testing -> tools.
 * Each folder lists the folders it must never import from. testing/ (the fleet and fault library)
 * drives the cloud as a process, so it never imports server/ either.
 */
const forbiddenImports = {
  schema: ['replication', 'client', 'server', 'testing', 'tools'],
  replication: ['client', 'server', 'testing', 'tools'],
  client: ['server', 'testing', 'tools'],
  server: ['client', 'testing', 'tools'],
  testing: ['server', 'tools'],
};

/** A no-restricted-imports rule forbidding `names` from a file one to three folders deep. */
const forbid = (names, message) => [
  'error',
  {
    patterns: names.flatMap((name) => [
      { group: [`../${name}/*`, `../../${name}/*`, `../../../${name}/*`], message: message(name) },
      { group: [`../${name}`, `../../${name}`, `../../../${name}`], message: message(name) },
    ]),
  },
];

const layerRules = Object.entries(forbiddenImports).map(([folder, forbidden]) => ({
  files: [`${folder}/**/*.ts`, `${folder}/**/*.tsx`],
  rules: {
    'no-restricted-imports': forbid(forbidden, (name) => `${folder}/ must not import ${name}/`),
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: [
      'client/**/*.ts',
      'client/**/*.tsx',
      'server/**/*.ts',
      'schema/**/*.ts',
      'replication/**/*.ts',
      'testing/**/*.ts',
      'tools/**/*.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  ...layerRules,
  // End-to-end tests replicate a real terminal database against the real server, and the console's
  // browser tests drive real terminals, so both may use the terminal's storage and the testing
  // library (clouds, fleets, faults); server code itself never imports client/, and the terminal's own
  // code never imports testing/ (its tests may, below).
  {
    files: ['server/**/*.e2e.test.ts', 'server/**/*.browser.test.ts'],
    rules: { 'no-restricted-imports': forbid(['tools'], () => 'no tools/') },
  },
  // The terminal's tests and their support run the cloud through the testing library's `Cloud`.
  {
    files: ['client/**/*.test.ts', 'client/test-support/**/*.ts'],
    rules: {
      'no-restricted-imports': forbid(
        ['server', 'tools'],
        (name) => `client/ must not import ${name}/`,
      ),
    },
  },
);
