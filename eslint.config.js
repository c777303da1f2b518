// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  // bench/peers is its own project (its packages are installed by `npm run bench`), checked by its tsconfig;
  // web/ is a browser app with its own tsconfig (checked by `npm run typecheck`); it talks to the server over HTTP only.
  {
    ignores: ['dist/', 'dist-web/', 'web/', 'test-artifacts/', 'node_modules/', '.baton/', 'coverage/', 'bench/peers/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Without a resolver that understands TypeScript's `.js` specifiers for `.ts` files,
    // import-x resolves nothing and no-cycle can never fire.
    // no-cycle also needs to parse the files it follows: import-x's TypeScript settings say how.
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      // Fatal in an engine: a promise nobody awaits loses its error and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSEnumDeclaration',
          message: 'Use a const object and a union type instead of enum (STYLE.md 13).',
        },
      ],
    },
  },
  {
    // The conductor is pure (STYLE.md 3): no clock, no randomness, no I/O, no drivers, no engine.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'child_process', 'crypto', 'os'],
              message: 'src/core is pure: no Node built-ins.',
            },
            {
              group: [
                'better-sqlite3',
                'pg',
                '**/engine/**',
                '**/store/**',
                '**/ledger/**',
                '**/cli/**',
                '**/capabilities/**',
              ],
              message: 'src/core depends on nothing outside it.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/core is pure: pass what you need in.' },
        { name: 'crypto', message: 'src/core is pure: ids and hashes come from outside.' },
        { name: 'setTimeout', message: 'src/core never waits.' },
        { name: 'performance', message: 'src/core reads no clock.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'src/core reads no clock: use the `now` it is given.' },
        { object: 'Math', property: 'random', message: 'src/core is deterministic.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'src/core reads no clock: use the `now` it is given.',
        },
        { selector: 'TSEnumDeclaration', message: 'Use a const object and a union type instead of enum.' },
      ],
    },
  },
  {
    // The one exception to the rule above, on purpose: this file loads packages at their first
    // use (node:module's createRequire; node:url for the path of zod's ES build), so that
    // importing Baton does not load the YAML parser, the CEL interpreter and zod. Loading code
    // reads no state and changes no decision.
    files: ['src/core/deferred-packages.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '!node:module', '!node:url', 'fs', 'path', 'child_process', 'crypto', 'os'],
              message: 'src/core is pure: no Node built-ins but node:module and node:url here.',
            },
          ],
        },
      ],
    },
  },
  {
    // Dependencies point one way (STYLE.md 5): core <- ledger <- store / engine <- surfaces.
    files: ['src/ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/store/**', '**/engine/**', '**/cli/**', 'better-sqlite3'],
              message: 'the ledger depends only on core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/engine/**', '**/cli/**'], message: 'the store depends only on core and ledger.' }] },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/capabilities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        // `./mcp/` from src/capabilities is the `mcp` capability kind's folder, not the MCP server surface.
        { patterns: [{ group: ['**/cli/**', '**/mcp/**', '!./mcp/**'], message: 'the engine knows no surface.' }] },
      ],
    },
  },
  {
    // Inside a kind's folder, `../mcp/` is the `mcp` kind's folder (the `agent` kind reuses its connection code).
    files: ['src/capabilities/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/**', '**/mcp/**', '!../mcp/**'], message: 'the engine knows no surface.' }] },
      ],
    },
  },
  {
    // The MCP server is a surface: it uses the engine (and the ledger's projections), never another surface.
    files: ['src/mcp/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**', '../server/**', '../../server/**', '**/store/**', 'better-sqlite3', 'pg'],
              message: 'the MCP server goes through the engine (src/engine/baton.ts), like every surface.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
  },
);
