import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviveState, type TelemetryState } from './state';

/** The folder under userData this module owns. */
export const STATE_FOLDER = 'canary-telemetry';
export const STATE_FILE = 'state.json';

export interface StateFile {
  readonly path: string;
  /** The state on disk (valid parts of it), or a fresh one with a new install id. */
  load(freshInstallId: () => string): TelemetryState;
  /** Replaces the file in one step (write a sibling, then rename): a crash leaves the old or the new, never half. */
  save(state: TelemetryState): void;
}

export function stateFile(userData: string): StateFile {
  const dir = join(userData, STATE_FOLDER);
  const path = join(dir, STATE_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  return {
    path,
    load(freshInstallId) {
      let raw: unknown = null;
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // Missing (first run) or unreadable: start over; the install id is the only loss.
      }
      return reviveState(raw, freshInstallId);
    },
    save(state) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(temp, JSON.stringify(state));
      renameSync(temp, path);
    },
  };
}
