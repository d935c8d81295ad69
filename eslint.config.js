// Lint: typed rules everywhere, and the Temporal sandbox fence around workflow code (STYLE.md).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.astra/**', '.venv/**', '.models/**', 'editor/**', 'notebook-ext/src/**', 'notebook-ext/lib/**', 'notebook-ext/astra_notebook/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS config files that CommonJS tools `require` (notebook-ext/rspack.config.cjs) load their own modules with require.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node builtins, no SDK parts but `workflow`.
    files: ['workflows/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'workflows/src/testing/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in the Temporal sandbox: do I/O in an activity.' })),
          { name: 'pg', message: 'Workflows never touch the database: use an activity.' },
          { name: 'chromadb', message: 'Workflows never touch Chroma: use an activity.' },
        ],
        patterns: [{ group: ['@temporalio/*', '!@temporalio/workflow', '!@temporalio/common'], message: 'Only @temporalio/workflow belongs in workflow code.' }],
      }],
    },
  },
);
