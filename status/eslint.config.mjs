// The functions' type-aware rules for promises, on the status page (its tools come from functions/,
// which `npm test` installs; the page has no package of its own). The page is all event handlers
// and polling: a promise nobody awaits there is a view that silently stops updating.
import { createRequire } from 'node:module';
import { promiseRules } from '../functions/eslint-promise-rules.mjs';

const require = createRequire(new URL('../functions/package.json', import.meta.url));
const tseslint = require('typescript-eslint');

export default tseslint.config(
  { ignores: ['dist/**', '*.mjs'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...promiseRules,
      '@typescript-eslint/no-require-imports': 'error',
      // The page turns API answers and form fields into text: '[object Object]' on screen is a bug.
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
);
