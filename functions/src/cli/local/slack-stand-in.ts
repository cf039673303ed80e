import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalMount } from './mounts';

/** What the stand-in received: the Block Kit body Slack would have got. */
export interface StandInMessage {
  at: number;
  text: string;
  body: unknown;
}

const MAX_BODY = 64 * 1024;
const MAX_KEPT = 200;

/**
 * A stand-in for a Slack incoming webhook, on the runner's own port, used when no SLACK_WEBHOOK_URL
 * is set: it answers like Slack (200 "ok"), prints each message's fallback text, and lists what it
 * got at GET /stand-ins/slack. It is not Slack: nothing leaves the machine.
 */
export function slackStandIn(print: (line: string) => void): LocalMount & { messages: StandInMessage[] } {
  const messages: StandInMessage[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify({ standIn: 'slack', messages }));
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' });
      return void res.end();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return void res.end('invalid_payload');
      }
      const text = typeof (body as { text?: unknown })?.text === 'string' ? (body as { text: string }).text : '';
      messages.push({ at: Date.now(), text, body });
      if (messages.length > MAX_KEPT) messages.shift();
      print(`  fake Slack (local stand-in, not Slack) received: ${text.split('\n')[0]!.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200)}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  };
  return {
    prefix: '/stand-ins/slack',
    handler,
    messages,
    describe: (baseUrl) => `fake Slack (local stand-in, no SLACK_WEBHOOK_URL set): ${baseUrl}/stand-ins/slack gets rollback outcomes; GET it to see them`,
  };
}
