import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** clients/web at the repository's top level (the same from src/cli under jest and lib/cli when built). */
export const WEB_CLIENT_DIR = join(__dirname, '..', '..', '..', 'clients', 'web');

/** The size budget for the browser module: minified and gzipped. */
export const WEB_CLIENT_BUDGET_BYTES = 3 * 1024;

export interface WebClientBundle {
  /** The ES module as published (dist/index.js) and served to the demo page. */
  code: string;
  minifiedBytes: number;
  gzippedBytes: number;
}

/**
 * Builds clients/web with esbuild exactly as it is published: one minified ES module for browsers
 * from 2020 on (the `??=` and `&&=` of the source are lowered). The test command, the publish build
 * and the local runner's demo page all use this one function, so the size measured is the size shipped.
 */
export async function bundleWebClient(): Promise<WebClientBundle> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(WEB_CLIENT_DIR, 'src', 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, minifiedBytes: Buffer.byteLength(code), gzippedBytes: gzipSync(code, { level: 9 }).length };
}
