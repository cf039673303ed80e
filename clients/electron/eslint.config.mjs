// The functions' type-aware rules for promises, on this package (its tools come from functions/,
// which `npm test` installs; the package itself has no dependencies to lint with).
import { createRequire } from 'node:module';
import { promiseRules } from '../../functions/eslint-promise-rules.mjs';

const require = createRequire(new URL('../../functions/package.json', import.meta.url));
const tseslint = require('typescript-eslint');

export default tseslint.config(
  { ignores: ['dist/**', '*.mjs'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...promiseRules,
    },
  },
);
