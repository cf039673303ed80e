import * as logger from 'firebase-functions/logger';

/** One structured log record. */
export interface LogRecord {
  severity: 'INFO' | 'WARNING' | 'ERROR';
  message: string;
  [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

/** Cloud Logging through firebase-functions/logger: one JSON line per record. */
export const functionsLogSink: LogSink = (record) => logger.write(record);

// C0/C1 controls, line and paragraph separators, bidi overrides and isolates, zero-width marks.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * A caller-chosen string made safe for a log field: every control, line separator and bidi mark
 * becomes a visible \uXXXX escape (JSON.stringify keeps U+2028 raw, which some log viewers treat as
 * a line break), and the length is capped so a 1 MB id cannot flood the log.
 */
export function printable(value: unknown, max = 200): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const escaped = s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…(${s.length} chars)` : escaped;
}
