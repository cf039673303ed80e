/**
 * npm run build:web-client — clients/web/dist as published: the minified ES module and its type
 * declarations. Prints the size against the budget and fails above it (the test command checks the
 * same figure).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWebClient, WEB_CLIENT_BUDGET_BYTES, WEB_CLIENT_DIR } from './web-client-bundle';

async function main(): Promise<void> {
  const bundle = await bundleWebClient();
  const dist = join(WEB_CLIENT_DIR, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'index.js'), bundle.code);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(WEB_CLIENT_DIR, 'tsconfig.json'), '--emitDeclarationOnly'], { stdio: 'inherit' });
  const within = bundle.gzippedBytes <= WEB_CLIENT_BUDGET_BYTES;
  process.stdout.write(`clients/web/dist/index.js: ${bundle.minifiedBytes} bytes minified, ${bundle.gzippedBytes} gzipped; budget ${WEB_CLIENT_BUDGET_BYTES} gzipped: ${within ? 'met' : 'OVER'}\n`);
  if (!within) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`build:web-client failed: ${String((err as Error)?.message ?? err)}\n`);
  process.exit(1);
});
