/** Human-readable summary and SDK-shaped JSON of a validated recurrence. */
import type { Recurrence, RecurrenceJson } from './types';

const UNIT: Record<Recurrence['frequency'], [string, string]> = {
  Minute: ['Minute', 'Minutes'],
  Hour: ['Hour', 'Hours'],
  Day: ['Day', 'Days'],
  Week: ['Week', 'Weeks'],
  Month: ['Month', 'Months'],
};

function every(r: Recurrence): string {
  const [one, many] = UNIT[r.frequency];
  return r.interval === 1 ? `every ${one}` : `every ${r.interval} ${many}`;
}

function clock(hour: number, minute: number, second = 0): string {
  const base = `${hour}:${String(minute).padStart(2, '0')}`;
  return second === 0 ? base : `${base}:${String(second).padStart(2, '0')}`;
}

function startText(r: Recurrence): string {
  const s = r.startLocal;
  const date = `${s.year}-${String(s.month).padStart(2, '0')}-${String(s.day).padStart(2, '0')}`;
  return `${date} ${String(s.hour).padStart(2, '0')}:${String(s.minute).padStart(2, '0')}${s.second ? `:${String(s.second).padStart(2, '0')}` : ''}`;
}

function zoneText(r: Recurrence): string {
  return r.timeZoneName === r.timeZone ? r.timeZone : `${r.timeZoneName}, ${r.timeZone}`;
}

/**
 * Like the SDK's "Runs at 9:30, 17:30 on Monday, Friday every 2 Weeks", extended to every frequency and
 * followed by the time zone, e.g. "Runs at 9:30, 17:30 on Monday, Friday every 2 Weeks (W. Europe
 * Standard Time, Europe/Berlin)".
 */
export function describeRecurrence(r: Recurrence, options: { readonly from?: string } = {}): string {
  const s = r.startLocal;
  const zone = ` (${zoneText(r)})`;
  const hasPattern = r.hours !== undefined || r.minutes !== undefined || r.weekDays !== undefined;
  // `from`: the start is not known yet (no start_time, and the app has not stored the schedule): the
  // rhythm without the times that derive from the start, so the text does not change from call to call.
  if (options.from !== undefined && !(hasPattern && r.hours !== undefined && r.minutes !== undefined)) {
    return `Runs ${every(r)}${zone}, from ${options.from}`;
  }
  const from = options.from ?? startText(r);
  if (r.frequency === 'Minute' || r.frequency === 'Hour') {
    return `Runs ${every(r)} from ${from}${zone}`;
  }
  const times: string[] = [];
  if (hasPattern) {
    for (const h of r.hours ?? [s.hour]) for (const m of r.minutes ?? [s.minute]) times.push(clock(h, m));
  } else times.push(clock(s.hour, s.minute, s.second));
  let on = '';
  if (r.frequency === 'Week') on = ` on ${(r.weekDays ?? [weekdayName(r)]).join(', ')}`;
  if (r.frequency === 'Month') on = ` on day ${s.day}`;
  const skipped = r.frequency === 'Month' && s.day > 28 ? `; months without day ${s.day} are skipped` : '';
  return `Runs at ${times.join(', ')}${on} ${every(r)}${zone}, from ${from}${skipped}`;
}

function weekdayName(r: Recurrence): string {
  const s = r.startLocal;
  const day = new Date(Date.UTC(s.year, s.month - 1, s.day)).getUTCDay(); // 0 = Sunday
  return ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][day] as string;
}

/**
 * Back to the SDK's JSON names. `start_time` and `time_zone` are always written (the creation instant
 * when no start was given, `UTC` when no zone was given) so that reading the JSON again yields the same
 * occurrences.
 */
export function toRecurrenceJson(r: Recurrence): RecurrenceJson {
  const json: RecurrenceJson = {
    frequency: r.frequency,
    interval: r.interval,
    start_time: r.startTimeGiven ?? r.start,
    time_zone: r.timeZoneName,
  };
  if (r.timeOfDay !== undefined) json.time_of_day = r.timeOfDay;
  else {
    if (r.hours) json.hours = [...r.hours];
    if (r.minutes) json.minutes = [...r.minutes];
  }
  if (r.weekDays) json.week_days = [...r.weekDays];
  return json;
}
