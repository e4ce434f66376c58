// ESLint flat config: the recommended TypeScript rules, type-aware where it pays.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.vertex-retrain/', 'coverage/', 'terraform/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Type-aware rules on the product code (the functions, the local stack, the CLI and the trainer image): floating or
  // misused promises, unsafe any, needless assertions. no-base-to-string stays off: these modules render values of
  // unknown shape (proto enums and Longs, CSV cells, error codes) with String() on purpose, after their own checks.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({
    ...config,
    files: ['functions/src/**/*.ts', 'trainer/src/**/*.ts'],
  })),
  {
    files: ['functions/src/**/*.ts', 'trainer/src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
  // Tests and benchmarks: the promise rules only. A floating promise there is an assertion that never runs.
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
