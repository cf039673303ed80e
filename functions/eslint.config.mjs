// Type-aware lint for the mistakes that matter in async, at-least-once code: a promise nobody
// awaits (a write that silently never happens, an error nobody sees) and a promise passed where a
// callback's result is ignored.
import tseslint from 'typescript-eslint';
import { promiseRules } from './eslint-promise-rules.mjs';

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '*.js', '*.mjs'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...promiseRules,
      // Lazy requires are deliberate (cold start) and each says why; any other require is a mistake.
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
);
