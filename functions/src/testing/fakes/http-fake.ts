import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  rawBody: string;
  at: number;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string or bytes (a compressed answer, say), which are sent as they are. */
  body?: unknown;
  /** Extra latency before answering (ms). */
  delayMs?: number;
  /** Never answer (a hanging upstream); the socket is closed when the fake stops. */
  hang?: boolean;
  /** Destroy the socket after the handler ran: the caller never sees the answer (a lost response). */
  dropResponse?: boolean;
}

export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: FakeHandler;
}

/**
 * A scripted HTTP server on 127.0.0.1 for the outside APIs (GitHub, Monitoring, Play, Hosting).
 * Real client libraries talk to it over a real socket; tests script answers per route and assert
 * on the request log. Routes added later win, so a test can override a default answer. The local
 * runner's stand-ins (src/cli/local/stand-ins.ts) are these same fakes.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();
  /** Latency added to every answer (ms). */
  latencyMs = 0;
  /** Told of every request once recorded (the local runner prints what its stand-ins receive). */
  onRequest: ((req: RecordedRequest) => void) | undefined;

  /** `pattern` matches the path (no query); a string is an exact path with `:param` segments. */
  on(method: string, pattern: string | RegExp, handler: FakeHandler | FakeReply): this {
    const re =
      typeof pattern === 'string'
        ? new RegExp('^' + pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\?:[A-Za-z_]+/g, '[^/]+') + '$')
        : pattern;
    const fn: FakeHandler = typeof handler === 'function' ? handler : () => handler;
    this.routes.unshift({ method: method.toUpperCase(), pattern: re, handler: fn });
    return this;
  }

  /** Requests matching method and path pattern. */
  calls(method: string, pattern: RegExp | string): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === method.toUpperCase() && (typeof pattern === 'string' ? r.path === pattern : pattern.test(r.path)),
    );
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('fake server not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    // Stop accepting first, then end every connection: one accepted between the two would keep close() waiting.
    const server = this.server;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of this.sockets) socket.destroy();
    server?.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = undefined;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const recorded: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      body,
      rawBody,
      at: Date.now(),
    };
    this.requests.push(recorded);
    this.onRequest?.(recorded);
    const route = this.routes.find((r) => r.method === recorded.method && r.pattern.test(recorded.path));
    let reply: FakeReply;
    try {
      reply = route ? await route.handler(recorded) : { status: 404, body: { message: `fake: no route for ${recorded.method} ${recorded.path}` } };
    } catch (err) {
      reply = { status: 500, body: { message: String(err) } };
    }
    if (reply.hang) return;
    const delay = (reply.delayMs ?? 0) + this.latencyMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (reply.dropResponse) {
      req.socket.destroy();
      return;
    }
    const payload = reply.body === undefined ? '' : typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      'content-type': 'application/json; charset=utf-8',
      ...(reply.headers ?? {}),
    });
    res.end(payload);
  }
}
