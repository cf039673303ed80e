import type { NotificationEvent } from '../../core/notification';
import { metricLine, orderedMetrics, subjectLine } from '../../core/notification-text';
import type { Notifier } from '../../ports/notifier';
import { postJson, type HttpPostOptions } from './http-post';

/** Chat text reads <url|label> as a link: angle brackets from the data must not open one. */
const chatEscape = (s: string) => s.replace(/</g, '‹').replace(/>/g, '›');
const linkUrl = (u: string) => u.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');

/** The Chat message: `text` with Chat's formatting (*bold*, <url|label>), one line per metric. */
export function chatMessage(event: NotificationEvent): { text: string } {
  const lines = [`*${chatEscape(event.title)}* (${event.severity})`, chatEscape(subjectLine(event))];
  if (event.reason) lines.push(`*Why:* ${chatEscape(event.reason)}`);
  for (const m of orderedMetrics(event)) lines.push(`• ${chatEscape(metricLine(m))}`);
  for (const f of event.facts) lines.push(`*${chatEscape(f.label)}:* ${chatEscape(f.value)}`);
  const links = event.links.map((l) => `<${linkUrl(l.url)}|${chatEscape(l.label)}>`);
  lines.push([...links, `event ${event.id}`].join(' · '));
  // Chat rejects a text message over 4096 characters.
  const text = lines.join('\n');
  return { text: text.length > 4096 ? `${text.slice(0, 4095)}…` : text };
}

/**
 * Google Chat incoming webhook (the URL, with its key and token, is the secret). The outbox id goes
 * in an Idempotency-Key header; Chat itself keeps no such key, so the outbox's claim is what
 * prevents repeats. Messages are not threaded: a space reads as a timeline.
 */
export function createGoogleChatNotifier(destination: string, webhookUrl: () => string, options: HttpPostOptions = {}): Notifier {
  return {
    destination,
    post: (event, idempotencyKey) => postJson(webhookUrl(), JSON.stringify(chatMessage(event)), { 'idempotency-key': idempotencyKey }, options),
  };
}
