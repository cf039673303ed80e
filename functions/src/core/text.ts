/**
 * Characters that must never reach a terminal or a one-line field raw: C0 and C1 controls (ESC
 * starts terminal escape sequences, U+0085 is a line break to some viewers), zero-width and bidi
 * marks, embeddings, overrides and isolates (U+202E turns `gnp.exe` around), the line and paragraph
 * separators (JSON.stringify keeps U+2028 raw, and some log viewers break lines on it), the BOM.
 * Lone UTF-16 surrogates are matched too: Firestore refuses them and terminals print garbage.
 */
const UNSAFE_SOURCE =
  '[\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

const UNSAFE_ONE = new RegExp(UNSAFE_SOURCE);
const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, 'g');
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when the string holds a character of the unsafe set above. */
export function hasUnsafeText(s: string): boolean {
  return UNSAFE_ONE.test(s);
}

/** True when the string holds an unpaired UTF-16 surrogate (not valid Unicode text). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * The string with every unsafe character written as a visible `\uXXXX` escape. Inside a JSON
 * string literal the escape means the same character, so JSON text stays valid and equal.
 */
export function escapeUnsafeText(s: string): string {
  return s.replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
