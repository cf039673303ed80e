import { DocumentReference, GeoPoint, Timestamp } from 'firebase-admin/firestore';
import { hashEntry, type Instant } from '../../core/audit-chain';

/**
 * A stored document's data as canonical JSON-like data, so the core can hash it. Vendor values are
 * tagged (`{"$timestamp": "seconds.nanos"}`, `$ref`, `$geo`, `$bytes`) and map keys that begin
 * with `$` get one more `$`, so a map typed in the console can never pass for a tagged value.
 */
export function canonicalFirestoreValue(value: unknown): unknown {
  if (value instanceof Timestamp) return { $timestamp: `${value.seconds}.${String(value.nanoseconds).padStart(9, '0')}` };
  if (value instanceof DocumentReference) return { $ref: value.path };
  if (value instanceof GeoPoint) return { $geo: [value.latitude, value.longitude] };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(canonicalFirestoreValue);
  if (value !== null && typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype) {
      // e.g. a VectorValue: kept distinct by its class name and its own JSON form.
      return { $other: `${value.constructor?.name}:${JSON.stringify(value)}` };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.startsWith('$') ? `$${k}` : k, canonicalFirestoreValue(v)]));
  }
  return value;
}

/** The hash of an admin_audit document as stored now. */
export function hashAuditDocument(id: string, data: Record<string, unknown>): string {
  return hashEntry(id, canonicalFirestoreValue(data));
}

export function toInstant(t: Timestamp): Instant {
  return { seconds: t.seconds, nanos: t.nanoseconds };
}

export function fromInstant(i: Instant): Timestamp {
  return new Timestamp(i.seconds, i.nanos);
}
