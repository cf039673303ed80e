// The promise rules every TypeScript package here is linted with (functions/, clients/electron/,
// status/): a promise nobody awaits, a promise where a callback's result is ignored, an await on
// something that is not a promise.
export const promiseRules = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
  '@typescript-eslint/await-thenable': 'error',
};
