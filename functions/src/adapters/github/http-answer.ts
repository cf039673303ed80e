import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';

/** What http-fetch.ts answers Octokit with: the parts of fetch's Response that @octokit/request reads. */

const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/** The read-only part of fetch's Headers that @octokit/request uses. */
export class AnswerHeaders {
  private readonly map = new Map<string, string>();
  constructor(raw: IncomingMessage['headers']) {
    for (const [name, value] of Object.entries(raw)) if (value !== undefined) this.map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  forEach(fn: (value: string, name: string) => void): void {
    this.map.forEach(fn);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** An answer read in full (GitHub's JSON answers are small; Octokit reads every body whole anyway). */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    readonly headers: AnswerHeaders,
    private readonly bytes: Buffer,
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get body(): ReadableStream<Uint8Array> {
    return Readable.toWeb(Readable.from([this.bytes])) as ReadableStream<Uint8Array>;
  }
  text(): Promise<string> {
    return Promise.resolve(this.bytes.toString('utf8'));
  }
  json(): Promise<unknown> {
    return this.text().then((t) => JSON.parse(t) as unknown);
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(new Uint8Array(this.bytes).buffer);
  }
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * fetch's network failure. Octokit shows the cause's message only when the cause is an Error of its
 * own realm (not so for Node's socket errors under Jest's VM): the cause is copied into one.
 */
export function networkFailure(cause: unknown): TypeError {
  const err = cause as NodeJS.ErrnoException;
  const copy = Object.assign(new Error(typeof err?.message === 'string' ? err.message : String(cause)), err?.code ? { code: err.code } : {});
  return new TypeError('fetch failed', { cause: copy });
}

export async function decode(bytes: Buffer, encoding: string | undefined): Promise<Buffer> {
  if (!encoding || bytes.length === 0) return bytes;
  // Codings are listed in the order applied: undo them last first.
  const codings = encoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c && c !== 'identity').reverse();
  let out = bytes;
  for (const coding of codings) {
    const decoder = decoders[coding];
    if (!decoder) throw networkFailure(new Error(`unsupported content-encoding "${coding}"`));
    out = await decoder(out);
  }
  return out;
}
