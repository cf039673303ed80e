import type { NotificationEvent } from '../../core/notification';
import { titleOf } from '../../core/notification-events';
import type { OutboxItem } from '../../ports';

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

/** The placeholder stored for a digest until it is due: the held event, renamed. */
export function digestPlaceholder(held: NotificationEvent, digestId: string): NotificationEvent {
  return { ...held, id: digestId, kind: 'canary_flapping', severity: 'warning', action: 'digest', title: held.title.replace(/^[^:]*/, titleOf('canary_flapping')) };
}

/**
 * The digest of one canary's pause/resume messages held in a bucket: how many of each, over what
 * time, and where the canary stands now (the newest held event, with its reason and numbers).
 */
export function digestEvent(placeholder: NotificationEvent, held: readonly OutboxItem[]): NotificationEvent {
  if (held.length === 0) return placeholder;
  const events = held.map((h) => h.event);
  const last = events[events.length - 1];
  const pauses = events.filter((e) => e.kind === 'canary_paused').length;
  const resumes = events.length - pauses;
  const now = last.kind === 'canary_paused' ? `paused${last.reason ? ` (${last.reason})` : ''}` : 'running again';
  const reason = `${pauses} pause${pauses === 1 ? '' : 's'} and ${resumes} resume${resumes === 1 ? '' : 's'} between ${hhmm(events[0].at)} and ${hhmm(last.at)} UTC, after the first message of this window; now ${now}`;
  return {
    ...last,
    id: placeholder.id,
    kind: 'canary_flapping',
    severity: 'warning',
    action: 'digest',
    at: last.at,
    title: placeholder.title,
    reason,
    facts: [{ label: 'Folded messages', value: String(events.length) }, ...last.facts],
  };
}
