import * as logger from 'firebase-functions/logger';
import { escapeUnsafeText } from '../core/text';

/** One structured log record. */
export interface LogRecord {
  severity: 'INFO' | 'WARNING' | 'ERROR';
  message: string;
  [field: string]: unknown;
}

export type LogSink = (record: LogRecord) => void;

/** Cloud Logging through firebase-functions/logger: one JSON line per record. */
export const functionsLogSink: LogSink = (record) => logger.write(record);

/** Any value as text, never throwing: JSON.stringify throws on cycles, BigInt and very deep values, String() on null-prototype objects. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    /* fall through */
  }
  try {
    return String(value);
  } catch {
    return `[unprintable ${typeof value}]`;
  }
}

/**
 * A caller-chosen value made safe for a log field or a terminal: every control, line separator,
 * bidi mark and lone surrogate becomes a visible \uXXXX escape, and the length is capped so a 1 MB
 * id cannot flood the log. Never throws, whatever the value (matrix H9, H12).
 */
export function printable(value: unknown, max = 200): string {
  const s = textOf(value);
  // Cap before escaping as well, so a huge string costs no more than a short one.
  const head = s.length > max * 2 ? s.slice(0, max * 2) : s;
  const escaped = escapeUnsafeText(head);
  // A cut may split a surrogate pair: escape the cut text again.
  return escaped.length > max || head.length < s.length ? `${escapeUnsafeText(escaped.slice(0, max))}…(${s.length} chars)` : escaped;
}
