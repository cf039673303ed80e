import { hasLoneSurrogate } from '../core/text';

/** Deepest nesting of arrays and objects a request body may have (matrix H12). */
export const MAX_JSON_DEPTH = 32;

/**
 * True when the JSON text nests arrays / objects deeper than `max`. One pass over the text,
 * before JSON.parse: nothing recursive (a schema, a logger, JSON.stringify) ever sees a deep value,
 * so a 12 KB body of 6,000 nested arrays cannot overflow a stack. Brackets inside strings do not count.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Paths of strings (values or keys) holding a lone UTF-16 surrogate, e.g. `meta.note` or
 * `meta.list.2`; at most `limit`. JSON.parse accepts "\ud800", Firestore refuses to store it.
 * The value is at most MAX_JSON_DEPTH deep (checked before parsing), so recursion is bounded.
 */
export function loneSurrogatePaths(value: unknown, limit = 10, path: string[] = [], out: string[] = []): string[] {
  if (out.length >= limit) return out;
  const at = (p: string[]) => p.join('.') || '(body)';
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) out.push(at(path));
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => loneSurrogatePaths(v, limit, [...path, String(i)], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (out.length >= limit) break;
      if (hasLoneSurrogate(k)) out.push(at([...path, k.replace(/[\ud800-\udfff]/g, '\ufffd')]));
      else loneSurrogatePaths(v, limit, [...path, k], out);
    }
  }
  return out;
}

/** Only a \uD800-\uDFFF escape can put a surrogate into parsed text (UTF-8 decoding never does). */
const MAY_HOLD_SURROGATE = /\\u[dD][89a-fA-F]/;

/** loneSurrogatePaths of `parsed`, the JSON of `text`; most bodies skip the walk: their text holds no surrogate escape. */
export function loneSurrogatesIn(text: string, parsed: unknown): string[] {
  return MAY_HOLD_SURROGATE.test(text) ? loneSurrogatePaths(parsed) : [];
}
