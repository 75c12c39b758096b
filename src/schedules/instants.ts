/**
 * How the schedule store writes instants: ISO 8601 UTC without fractional seconds in documents, and a
 * fixed-width key (`20261124T171000Z`) in blob names, which sorts chronologically.
 */

/** ISO 8601 UTC with `Z` and no fractional seconds. */
export function isoInstant(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `2026-11-24T17:10:00Z` → `20261124T171000Z`: fixed width, sorts chronologically. */
export function occurrenceKey(instant: Date): string {
  return isoInstant(instant).replace(/[-:]/g, '');
}

/** Inverse of `occurrenceKey`, undefined if the text is not one. */
export function parseOccurrenceKey(key: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(key);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
