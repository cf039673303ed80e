import { z } from 'zod';
import { NOTIFICATION_KINDS, SEVERITIES, type NotificationEvent } from '../../core/notification';
import { METRICS } from '../../core/types';
import { OUTBOX_STATUSES } from '../../ports/notification-outbox';
import { anyNumber, finite } from './values';

const nullableNumber = anyNumber.nullable();

export const notificationEventSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(NOTIFICATION_KINDS),
  severity: z.enum(SEVERITIES),
  action: z.string(),
  at: finite,
  actor: z.string(),
  release: z.string(),
  platform: z.string().nullable(),
  channel: z.string().nullable(),
  canaryId: z.string().nullable(),
  title: z.string(),
  reason: z.string().nullable(),
  metrics: z.array(
    z.object({
      metric: z.enum(METRICS),
      status: z.enum(['green', 'yellow', 'red', 'inconclusive']),
      canary: nullableNumber,
      bound: nullableNumber,
      baseline: nullableNumber,
      threshold: anyNumber,
      windows: nullableNumber,
    }),
  ),
  facts: z.array(z.object({ label: z.string(), value: z.string() })),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
}) satisfies z.ZodType<NotificationEvent>;

const destinationState = z.object({
  status: z.enum(['sent', 'failed', 'refused']),
  at: finite,
  tries: finite,
  detail: z.string().optional(),
});

/** `notification_outbox/{id}` as stored (createdAt is the server's time, only for ordering). */
export const outboxDocSchema = z.object({
  event: notificationEventSchema,
  status: z.enum(OUTBOX_STATUSES),
  attempts: finite,
  nextAttemptAt: finite,
  destinations: z.record(z.string(), destinationState).default({}),
  lastError: z.string().optional(),
  digestId: z.string().optional(),
});
