import { z } from 'zod';
import { NOTIFICATION_KINDS, SEVERITIES } from '../core/notification';
import { CHANNELS, PLATFORMS } from '../core/types';

/**
 * Names of the secrets a destination may use: the ones params.ts declares. Kept as a literal list
 * here so this schema loads without firebase-functions/params (the local runner, tests); a test
 * checks the two lists agree.
 */
export const SECRET_NAMES = ['SLACK_WEBHOOK_URL', 'GOOGLE_CHAT_WEBHOOK_URL', 'NOTIFY_WEBHOOK_SECRET'] as const;
const SecretName = z.enum(SECRET_NAMES, { error: `must name a secret declared in params.ts: ${SECRET_NAMES.join(', ')}` });

/** https anywhere; http only on loopback (the local runner and tests). */
const receiverUrl = z.url({ error: 'must be a URL' }).refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}, 'must be https (http only on 127.0.0.1)');

const emails = z.array(z.email({ error: 'must be an e-mail address' })).min(1).max(50);

const Destination = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('slack'), urlSecret: SecretName }),
  z.strictObject({ kind: z.literal('google_chat'), urlSecret: SecretName }),
  z.strictObject({ kind: z.literal('email'), to: emails, cc: emails.optional(), from: z.string().min(1).max(200).optional(), replyTo: z.email().optional() }),
  z.strictObject({ kind: z.literal('webhook'), url: receiverUrl, signingSecret: SecretName }),
  /** Sends nothing; the outbox records it as delivered (try a route before wiring a real one). */
  z.strictObject({ kind: z.literal('noop') }),
]);
export type DestinationConfig = z.output<typeof Destination>;

const DestinationName = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'destination names are 1-40 letters, digits, - or _');

const Route = z.strictObject({
  to: z.array(DestinationName).min(1),
  /** Event kinds, or "*" (default) for all. */
  events: z.array(z.union([z.enum(NOTIFICATION_KINDS), z.literal('*')])).min(1).default(['*']),
  platforms: z.array(z.enum(PLATFORMS)).min(1).optional(),
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
  minSeverity: z.enum(SEVERITIES).default('info'),
});
export type RouteConfig = z.output<typeof Route>;

/** `config/notifications`: where messages go. Absent: nothing is sent (items end `unrouted`). */
export const NotificationsConfigDoc = z
  .strictObject({
    destinations: z.record(DestinationName, Destination).default({}),
    routes: z.array(Route).default([]),
    /** Deliveries tried before an item is dead-lettered. */
    maxAttempts: z.number().int().min(1).max(20).default(8),
    /** Coalescing bucket: one pause/resume message per canary per bucket, the rest in one digest. 0: off. */
    coalesceMinutes: z.number().int().min(0).max(24 * 60).default(30),
    /** Every destination behaves as `noop`: the outbox shows what would have gone where. */
    dryRun: z.boolean().default(false),
  })
  .superRefine((doc, ctx) => {
    doc.routes.forEach((r, i) =>
      r.to.forEach((name, j) => {
        if (!(name in doc.destinations)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'to', j], message: `no destination named ${name}` });
      }),
    );
  });
export type NotificationsConfig = z.output<typeof NotificationsConfigDoc>;
