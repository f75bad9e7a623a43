import tseslint from 'typescript-eslint';

/**
 * Imports flow one way: schema -> replication -> client / server -> tools.
 * Each folder lists the folders it must never import from.
 */
const forbiddenImports = {
  schema: ['replication', 'client', 'server', 'tools'],
  replication: ['client', 'server', 'tools'],
  client: ['server', 'tools'],
  server: ['client', 'tools'],
};

const layerRules = Object.entries(forbiddenImports).map(([folder, forbidden]) => ({
  files: [`${folder}/**/*.ts`, `${folder}/**/*.tsx`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.flatMap((name) => [
          {
            group: [`../${name}/*`, `../../${name}/*`, `../../../${name}/*`],
            message: `${folder}/ must not import ${name}/`,
          },
          {
            group: [`../${name}`, `../../${name}`, `../../../${name}`],
            message: `${folder}/ must not import ${name}/`,
          },
        ]),
      },
    ],
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
  // browser tests drive real terminals, so both may use the terminal's code; server code itself never
  // imports client/.
  {
    files: ['server/**/*.e2e.test.ts', 'server/**/*.browser.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../tools/*', '../../tools/*', '../tools', '../../tools'],
              message: 'no tools/',
            },
          ],
        },
      ],
    },
  },
);
