import type { NotificationEvent } from '../../core/notification';
import { metricLine, orderedMetrics, plainText, subjectLine } from '../../core/notification-text';
import type { Notifier } from '../../ports/notifier';
import { postJson, type HttpPostOptions } from './http-post';

/** Slack mrkdwn: &, < and > are the only control characters (api.slack.com/reference/surfaces/formatting). */
export const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A URL inside <url|label>: | and > would end it early. */
const linkUrl = (u: string) => u.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const ICON = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' } as const;

/**
 * The Block Kit message: a header, the why, one line per metric with its numbers, the facts as
 * fields, the links in a context block. `text` is the notification fallback Slack requires.
 * Limits respected: header 150 chars, section text 3000, at most 10 fields of 2000.
 */
export function slackMessage(event: NotificationEvent): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(event.title, 150) } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`${ICON[event.severity]} *${slackEscape(subjectLine(event))}*${event.reason ? `\n*Why:* ${slackEscape(event.reason)}` : ''}`, 3000) },
    },
  ];
  const metrics = orderedMetrics(event);
  if (metrics.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(metrics.map((m) => `• ${slackEscape(metricLine(m))}`).join('\n'), 3000) } });
  if (event.facts.length) {
    blocks.push({ type: 'section', fields: event.facts.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: clip(`*${slackEscape(f.label)}*\n${slackEscape(f.value)}`, 2000) })) });
  }
  const links = event.links.map((l) => `<${linkUrl(l.url)}|${slackEscape(l.label)}>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip([...links, `event \`${event.id}\``].join(' · '), 3000) }] });
  return { text: clip(slackEscape(plainText(event)), 3000), blocks };
}

/** Slack incoming webhook (the URL is the secret). Slack keeps no idempotency key: the outbox's claim is what prevents repeats. */
export function createSlackNotifier(destination: string, webhookUrl: () => string, options: HttpPostOptions = {}): Notifier {
  return {
    destination,
    post: (event, idempotencyKey) => postJson(webhookUrl(), JSON.stringify(slackMessage(event)), { 'idempotency-key': idempotencyKey }, options),
  };
}
