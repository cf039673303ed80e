import type { Firestore } from 'firebase-admin/firestore';
import type { NotificationEvent } from '../../core/notification';
import { metricLine, orderedMetrics, plainText, subjectLine } from '../../core/notification-text';
import type { Notifier } from '../../ports/notifier';
import { isAlreadyExists } from './errors';

export const MAIL_COLLECTION = 'mail';

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The HTML part: the same content as the text part, every value escaped (audit meta comes from CI). */
export function mailHtml(event: NotificationEvent): string {
  const parts = [`<h2>${html(event.title)}</h2>`, `<p><b>${html(subjectLine(event))}</b> (${event.severity})</p>`];
  if (event.reason) parts.push(`<p><b>Why:</b> ${html(event.reason)}</p>`);
  const metrics = orderedMetrics(event);
  if (metrics.length) parts.push(`<ul>${metrics.map((m) => `<li>${html(metricLine(m))}</li>`).join('')}</ul>`);
  if (event.facts.length) parts.push(`<table>${event.facts.map((f) => `<tr><th align="left">${html(f.label)}</th><td>${html(f.value)}</td></tr>`).join('')}</table>`);
  const links = event.links.filter((l) => /^https?:\/\//.test(l.url)).map((l) => `<a href="${html(l.url)}">${html(l.label)}</a>`);
  parts.push(`<p>${[...links, `event ${html(event.id)}`].join(' · ')}</p>`);
  return parts.join('\n');
}

export interface MailDestination {
  to: string[];
  cc?: string[];
  from?: string;
  replyTo?: string;
}

/**
 * E-mail through the Firebase "Trigger Email" extension (firestore-send-email): a document in
 * `mail` with `to` and `message.{subject,text,html}` is what it sends. The document id is the
 * idempotency key, written with create(), so a retried delivery never queues a second mail.
 */
export function createMailNotifier(db: Firestore, destination: string, mail: MailDestination): Notifier {
  return {
    destination,
    async post(event, idempotencyKey) {
      const subject = `[canary ${event.severity}] ${event.title}`.slice(0, 250);
      try {
        await db.collection(MAIL_COLLECTION).doc(`${idempotencyKey}-${destination}`.replace(/\//g, '_')).create({
          to: mail.to,
          ...(mail.cc?.length ? { cc: mail.cc } : {}),
          ...(mail.from ? { from: mail.from } : {}),
          ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
          message: { subject, text: plainText(event), html: mailHtml(event) },
          canaryEvent: { id: event.id, kind: event.kind },
        });
        return { ok: true, detail: 'queued in mail' };
      } catch (err) {
        if (isAlreadyExists(err)) return { ok: true, detail: 'already queued in mail' };
        return { ok: false, retryable: true, error: `mail queue write failed: ${(err as Error).message}` };
      }
    },
  };
}
