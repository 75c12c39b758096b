/**
 * One canonical JSON: object keys sorted, everything else as `JSON.stringify` writes it (`undefined`
 * members dropped, `undefined` in a list and a non-finite number written `null`, `toJSON` honoured), so
 * equal values give equal text whatever their key order. The schedule definition hash (stored in every
 * schedule's state) and the applied-definition blob names are hashes of it: changing its output makes
 * every deployed schedule look edited, so test/schedules/canonicalJson.test.ts pins it.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  const json = toJsonValue(value);
  if (Array.isArray(json))
    return `[${json.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => toJsonValue(record[k]) !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(json) ?? 'null';
}

/** SHA-256 (hex) of the canonical JSON of `value`. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/** What JSON.stringify writes for a value: its `toJSON()`, and undefined for what it leaves out. */
function toJsonValue(value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  return value;
}
