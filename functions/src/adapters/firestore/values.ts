import { DocumentReference, FieldValue, GeoPoint, Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';

/** A Firestore Timestamp read back as ms since the epoch (domain time). */
export const timestampMs = z
  .custom<Timestamp>((v) => v instanceof Timestamp, { error: 'expected a Firestore Timestamp' })
  .transform((t) => t.toMillis());

/** A finite number, such as a time in ms or a count. */
export const finite = z.number({ error: 'expected a finite number' });

/**
 * Any number, NaN and infinities included: metric values and thresholds are kept as the evaluator
 * computed them, and a NaN there must not quarantine a whole canary.
 */
export const anyNumber = z.custom<number>((v) => typeof v === 'number', { error: 'expected a number' });

/**
 * An optional field that also reads a stored null as absent: app code clears optional fields by
 * writing null or undefined, and neither should make the document invalid.
 */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

/**
 * Removes undefined values at any depth (Firestore rejects them; in the domain they mean absent).
 * FieldValue sentinels, Timestamps and other class instances are kept as they are.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => withoutUndefined(v)) as T;
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = withoutUndefined(v);
  return out as T;
}

/**
 * Vendor values turned into plain data, so no Firestore type crosses a port: Timestamps become
 * ms, references their path, GeoPoints `{latitude, longitude}`.
 */
export function toPlain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toMillis();
  if (value instanceof DocumentReference) return value.path;
  if (value instanceof GeoPoint) return { latitude: value.latitude, longitude: value.longitude };
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof FieldValue)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}
