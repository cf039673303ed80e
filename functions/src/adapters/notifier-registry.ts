import type { Firestore } from 'firebase-admin/firestore';
import type { DestinationConfig } from '../config/notifications';
import type { Notifier } from '../ports/notifier';
import { createMailNotifier } from './firestore/mail-notifier';
import { createGoogleChatNotifier } from './notify/google-chat';
import type { HttpPostOptions } from './notify/http-post';
import { createNoopNotifier } from './notify/noop';
import { createSlackNotifier } from './notify/slack';
import { createWebhookNotifier } from './notify/webhook';

export interface NotifierRegistryOptions {
  db: Firestore;
  /** The value of a declared secret, read only when a message is sent (never at deploy time). */
  secret: (name: string) => string;
  http?: HttpPostOptions;
}

/** A typed registry: one sender per destination kind; every kind of the schema is handled. */
export function createNotifierRegistry(options: NotifierRegistryOptions): (name: string, destination: DestinationConfig) => Notifier {
  return (name, d) => {
    switch (d.kind) {
      case 'slack':
        return createSlackNotifier(name, () => options.secret(d.urlSecret), options.http);
      case 'google_chat':
        return createGoogleChatNotifier(name, () => options.secret(d.urlSecret), options.http);
      case 'webhook':
        return createWebhookNotifier(name, d.url, () => options.secret(d.signingSecret), options.http);
      case 'email':
        return createMailNotifier(options.db, name, d);
      case 'noop':
        return createNoopNotifier(name);
      default: {
        const exhaustive: never = d;
        return exhaustive;
      }
    }
  };
}
