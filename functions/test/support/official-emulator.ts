import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export { OFFICIAL_EMULATOR, startOfficialEmulator, type RunningOfficialEmulator } from '../../src/testing/official-emulator';

/** Test files that prove something only the official emulator can (they skip themselves elsewhere). */
export function officialOnlyTestFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts') && /\bofficialEmulator\b/.test(readFileSync(path, 'utf8'))) found.push(relative(resolve(root), path));
    }
  };
  walk(resolve(root));
  return found.sort();
}
