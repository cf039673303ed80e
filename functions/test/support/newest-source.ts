import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time under `dir`: a CLI test rebuilds lib/ when a source is newer. */
export function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}
