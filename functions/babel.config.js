// Jest only: TypeScript is type-checked by `tsc` (npm run typecheck); babel strips types and turns the
// ESM-only dependencies (@octokit/rest 22, jose 6) into CommonJS, which Jest on Node < 24.9 needs.
module.exports = {
  presets: [
    ['@babel/preset-env', { targets: { node: 'current' } }],
    '@babel/preset-typescript',
  ],
};
