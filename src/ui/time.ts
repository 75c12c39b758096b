/**
 * Instants as people read them: UTC, and the same instant in a schedule's own time zone (pure).
 */
import { DateTime } from 'luxon';
import { resolveTimeZone } from '../recurrence';

/** `2026-03-09 08:30 UTC` (seconds only when not zero). */
export function formatUtc(iso: string): string {
  const t = DateTime.fromISO(iso, { zone: 'utc' });
  if (!t.isValid) return iso;
  return `${t.toFormat(t.second === 0 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss')} UTC`;
}

/** `Mon 2026-03-09 09:30 CET (UTC+1)` in the IANA zone, or undefined when the zone or instant is unusable. */
export function formatInZone(iso: string, ianaZone: string | undefined): string | undefined {
  if (!ianaZone) return undefined;
  const t = DateTime.fromISO(iso, { zone: 'utc' }).setZone(ianaZone);
  if (!t.isValid) return undefined;
  const offset = t.toFormat('ZZ') === '+00:00' ? 'UTC' : `UTC${t.toFormat('ZZ')}`;
  const abbreviation = abbreviationOf(t);
  return `${t.toFormat(t.second === 0 ? 'ccc yyyy-MM-dd HH:mm' : 'ccc yyyy-MM-dd HH:mm:ss')} ${abbreviation ? `${abbreviation} ` : ''}(${offset})`;
}

/** The zone's short name (PST, CET), when a locale has one rather than a bare offset (GMT+1). */
function abbreviationOf(t: DateTime): string | undefined {
  for (const locale of ['en-US', 'en-GB']) {
    const name = t.setLocale(locale).toFormat('ZZZZ');
    if (!/^(GMT|UTC)([+-]|$)/.test(name)) return name;
  }
  return undefined;
}

/** The IANA zone of a zone name as a schedule writes it (Windows or IANA); undefined when unknown. */
export function ianaZoneOf(name: string | undefined): string | undefined {
  return name ? resolveTimeZone(name)?.iana : undefined;
}
