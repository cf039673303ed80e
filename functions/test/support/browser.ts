import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';

/**
 * Debian's chromium (the browser builds npm packages download cannot be fetched here). CHROMIUM_PATH
 * overrides; `.ci/run` installs the package when it can. Without a browser the browser tests skip,
 * named so the run says why, and global setup prints one line.
 */
export const chromiumPath: string | undefined = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => typeof p === 'string' && p !== '' && existsSync(p),
);

/** `describe` when a browser is here, else a skipped block whose name says why. */
export function describeInBrowser(name: string, body: () => void): void {
  if (chromiumPath) describe(name, body);
  else describe.skip(`${name} (skipped: no chromium; apt-get install chromium)`, body);
}

/** Headless chromium; `--no-sandbox` because CI runs as root. Close it in afterAll. */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('no chromium: install Debian chromium or set CHROMIUM_PATH');
  const puppeteer = await import('puppeteer-core');
  return puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Where a browser test saves what a person should look at (screenshots): test-output/<suite>/. */
export function testOutputDir(suite: string): string {
  const dir = join(__dirname, '..', '..', 'test-output', suite.replace(/[^a-z0-9-]/gi, '-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}
