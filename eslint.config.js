// Lint rules, including the package boundaries of docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const nodeOnly = ['node:*', 'fastify', 'better-sqlite3', 'ioredis', 'pino', 'commander', 'yaml'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Import cycles are forbidden (docs/architecture.md): they hide a missing module boundary.
    files: ['packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: { 'import-x/no-cycle': 'error' },
  },
  {
    // Each package may import only what its own package.json lists: workspace hoisting would otherwise hide
    // a missing dependency until someone installs the published package alone. Tests are not published.
    files: ['packages/*/src/**/*.ts', 'packages/*/bin/**/*.js', 'examples/**/*.ts'],
    ignores: ['**/*.test.ts', '**/src/testing/**', '**/src/store/testing/**'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: false, optionalDependencies: false, peerDependencies: true, includeTypes: true },
      ],
    },
  },
  {
    // Plain JavaScript (fixtures, config, bench) is linted without type information.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    files: ['packages/protocol/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...nodeOnly, '@sluice/*'] }] },
  },
  {
    files: ['packages/client/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...nodeOnly, '@sluice/server', '@sluice/worker'] }] },
  },
  {
    // The console runs in browsers and reaches the server over HTTP only (docs/console.md).
    files: ['packages/console/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeOnly, '@sluice/server', '@sluice/worker', '@sluice/client', '@fastify/*'] },
      ],
    },
  },
  {
    files: ['packages/worker/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@sluice/server', '@sluice/client', 'fastify', 'better-sqlite3', 'ioredis'] },
      ],
    },
  },
  {
    files: ['packages/server/src/{jobs,routes,fleet}/**', 'packages/server/src/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/store/sqlite/**', '**/store/redis/**', 'better-sqlite3', 'ioredis'],
              message: 'Depend on the JobStore contract, not an implementation.',
            },
          ],
        },
      ],
    },
  },
  {
    // One clock (issue #11 item 3): deadlines are computed and compared on the injected clock, which tests drive.
    files: ['packages/server/src/{jobs,routes,http,fleet}/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read time through the injected clock (ctx.now, services.now).' },
      ],
    },
  },
  {
    // Test files are outside the packages' build projects: they get their own, with Node types.
    files: [
      '**/*.test.ts',
      '**/src/testing/**/*.ts',
      '**/src/store/testing/**/*.ts',
      'test/**/*.ts',
      'vitest.config.ts',
    ],
    languageOptions: { parserOptions: { projectService: false, project: ['./tsconfig.test.json'] } },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**', '*.config.*'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
