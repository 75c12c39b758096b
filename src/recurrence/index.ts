/** Recurrence engine: Azure ML SDK v1 `ScheduleRecurrence` semantics (see docs/recurrence.md). */
export { parseRecurrence, type ParseOptions, MIN_START_YEAR, MAX_START_YEAR } from './validate';
export { nextOccurrence, occurrencesAfter, occurrencesBetween, MAX_OCCURRENCE_MS } from './occurrences';
export { describeRecurrence, toRecurrenceJson } from './describe';
export { resolveTimeZone, windowsZoneNames, type ResolvedTimeZone } from './timeZones';
export {
  FREQUENCIES,
  WEEK_DAYS,
  MAX_INTERVAL,
  type Frequency,
  type WeekDay,
  type Recurrence,
  type RecurrenceJson,
  type LocalDateTime,
} from './types';

/** ISO 8601 UTC with `Z` and no fractional seconds, the form every occurrence is printed in. */
export function formatInstant(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
