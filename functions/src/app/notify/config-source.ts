import { NotificationsConfigDoc, type NotificationsConfig } from '../../config/notifications';
import type { ConfigStore } from '../../ports';

/** Every failed field by its path, e.g. `routes.0.to.0: no destination named ops`. */
function issues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(document)'}: ${i.message}`)
    .join('; ');
}

export type ConfigRead = { ok: true; config: NotificationsConfig; warning?: string } | { ok: false; error: string };

export interface ConfigMemo {
  last?: NotificationsConfig;
}

/**
 * `config/notifications` in force: a bad or unreadable document is reported and the last good one
 * (of this instance) stays in force; with none yet, the read fails and the delivery is retried
 * later, so a typo in the config delays messages instead of dropping them. Absent: no routes.
 */
export async function loadNotificationsConfig(store: ConfigStore, memo: ConfigMemo, warn: (message: string, data: Record<string, unknown>) => void): Promise<ConfigRead> {
  let raw: unknown;
  try {
    raw = await store.get('notifications');
  } catch (err) {
    const error = `config/notifications could not be read: ${String((err as Error)?.message ?? err)}`;
    warn('keeping the last good notification config', { error });
    return memo.last ? { ok: true, config: memo.last, warning: error } : { ok: false, error };
  }
  const parsed = NotificationsConfigDoc.safeParse(raw ?? {});
  if (!parsed.success) {
    const error = `config/notifications is invalid: ${issues(parsed.error)}`;
    warn('ignoring an invalid notification config; keeping the last good one', { error });
    return memo.last ? { ok: true, config: memo.last, warning: error } : { ok: false, error };
  }
  memo.last = parsed.data;
  return { ok: true, config: parsed.data };
}
