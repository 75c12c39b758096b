/**
 * Validation of a recurrence in the SDK's JSON shape. Every problem is reported (not just the first),
 * each as an AppError with its own code, the field's path, the bad value and a sentence to act on.
 */
import { type AppError, type Result, err, fieldPath, ok, showValue } from '../errors';
import type { ErrorCode } from '../errorCatalog';
import { suggest } from '../didYouMean';
import {
  daysFromCivil,
  daysInMonth,
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  SECOND_MS,
  civilFromDays,
  floorDiv,
  mod,
} from './calendar';
import { resolveTimeZone, ZoneClock, type ResolvedTimeZone } from './timeZones';
import {
  FREQUENCIES,
  MAX_INTERVAL,
  RECURRENCE_KEYS,
  WEEK_DAYS,
  type Frequency,
  type LocalDateTime,
  type Recurrence,
  type WeekDay,
} from './types';

export interface ParseOptions {
  /** The schedule's creation instant: the start when `start_time` is absent. */
  readonly createdAt?: Date;
  /** Path of the recurrence inside its document, prefixed to every error's `field` (e.g. `recurrence`). */
  readonly path?: string;
}

/** Earliest and latest accepted start years **(ours)**: the tz database is only reliable from 1900. */
export const MIN_START_YEAR = 1900;
export const MAX_START_YEAR = 9999;

const PATTERN_FREQUENCIES: readonly Frequency[] = ['Day', 'Week'];

const START_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})$/;

interface ParsedStart {
  readonly local: LocalDateTime;
  /** Offset in ms when the string carried one (`Z` = 0). */
  readonly offsetMs: number | undefined;
}

type Problems = AppError[];

function problem(problems: Problems, code: ErrorCode, field: string, value: unknown, message: string): void {
  problems.push({ code, field, value, message, status: 400 });
}

/** Validates and canonicalises a recurrence given in the SDK's JSON shape. */
export function parseRecurrence(input: unknown, options: ParseOptions = {}): Result<Recurrence, AppError> {
  const base = options.path;
  const at = (key: string | number, parent: string | undefined = base): string => fieldPath(parent, key);
  const rootField = base ?? 'recurrence';
  const problems: Problems = [];

  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problem(
      problems,
      'recurrence.not_object',
      rootField,
      input,
      `${rootField} is ${showValue(input)}; it must be a JSON object with "frequency" and "interval" (and optionally start_time, time_zone, hours, minutes, week_days, time_of_day).`,
    );
    return summarise(problems, base);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(RECURRENCE_KEYS as readonly string[]).includes(key)) {
      problem(
        problems,
        'recurrence.unknown_field',
        at(key),
        record[key],
        `${at(key)} (${showValue(record[key])}) is not a recurrence field${((hint) => (hint ? ` (did you mean ${hint}?)` : ''))(suggest(key, RECURRENCE_KEYS))}; use only ${RECURRENCE_KEYS.join(', ')} (the SDK's names).`,
      );
    }
  }
  // `null` is how a serialised SDK object writes "not set"; it counts as absent (ours).
  const get = (key: (typeof RECURRENCE_KEYS)[number]): unknown => (record[key] === null ? undefined : record[key]);

  const frequency = parseFrequency(get('frequency'), at('frequency'), problems);
  const interval = parseInterval(get('interval'), at('interval'), frequency, problems);
  const zone = parseTimeZone(get('time_zone'), at('time_zone'), problems);
  const start = parseStartTime(get('start_time'), at('start_time'), problems);
  let hours = parseIntegerList(get('hours'), at('hours'), 'hours', 23, problems);
  let minutes = parseIntegerList(get('minutes'), at('minutes'), 'minutes', 59, problems);
  const weekDays = parseWeekDays(get('week_days'), at('week_days'), problems);
  const timeOfDay = parseTimeOfDay(get('time_of_day'), at('time_of_day'), problems);

  if (frequency !== undefined && !PATTERN_FREQUENCIES.includes(frequency)) {
    for (const [key, value] of [
      ['hours', get('hours')],
      ['minutes', get('minutes')],
      ['time_of_day', get('time_of_day')],
    ] as const) {
      if (value !== undefined) {
        problem(
          problems,
          `recurrence.${key}.not_allowed`,
          at(key),
          value,
          `${at(key)} (${showValue(value)}) is only allowed with frequency Day or Week, not ${frequency}; remove it or change the frequency.`,
        );
      }
    }
  }
  if (frequency !== undefined && frequency !== 'Week' && get('week_days') !== undefined) {
    problem(
      problems,
      'recurrence.week_days.not_allowed',
      at('week_days'),
      get('week_days'),
      `${at('week_days')} (${showValue(get('week_days'))}) is only allowed with frequency Week, not ${frequency}; remove it or use frequency Week.`,
    );
  }
  if (get('time_of_day') !== undefined && (get('hours') !== undefined || get('minutes') !== undefined)) {
    problem(
      problems,
      'recurrence.time_of_day.conflict',
      at('time_of_day'),
      get('time_of_day'),
      `${at('time_of_day')} (${showValue(get('time_of_day'))}) cannot be combined with hours or minutes; give either time_of_day or hours/minutes.`,
    );
  }
  if (get('start_time') === undefined && options.createdAt === undefined) {
    problem(
      problems,
      'recurrence.start_time.missing',
      at('start_time'),
      undefined,
      `${at('start_time')} is missing and no creation time is known; give start_time as YYYY-MM-DDThh:mm:ss.`,
    );
  }
  if (options.createdAt !== undefined && Number.isNaN(options.createdAt.getTime())) {
    problem(
      problems,
      'recurrence.created_at.invalid',
      at('start_time'),
      String(options.createdAt),
      'The creation time is not a valid date.',
    );
  }

  if (problems.length > 0 || frequency === undefined || interval === undefined || zone === undefined) {
    return summarise(problems, base);
  }

  const clock = ZoneClock.for(zone.iana);
  let startMs: number;
  let startLocal: LocalDateTime;
  if (start !== undefined) {
    if (start.offsetMs !== undefined) {
      startMs = localMs(start.local) - start.offsetMs;
      startLocal = localFromMs(clock.toLocal(startMs));
    } else {
      startLocal = start.local;
      startMs = clock.toInstant(localMs(start.local));
    }
  } else {
    const created = options.createdAt as Date;
    // Whole seconds (ours): occurrences are printed without fractional seconds.
    startMs = Math.floor(created.getTime() / SECOND_MS) * SECOND_MS;
    startLocal = localFromMs(clock.toLocal(startMs));
  }
  if (timeOfDay !== undefined) {
    hours = [timeOfDay.hour];
    minutes = [timeOfDay.minute];
  }

  const recurrence: Recurrence = Object.freeze({
    frequency,
    interval,
    startMs,
    start: new Date(startMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    startLocal: Object.freeze({ ...startLocal }),
    startTimeGiven: typeof get('start_time') === 'string' ? (get('start_time') as string) : undefined,
    timeZone: zone.iana,
    timeZoneName: zone.given,
    hours: hours && Object.freeze(hours),
    minutes: minutes && Object.freeze(minutes),
    weekDays: weekDays && Object.freeze(weekDays),
    timeOfDay: timeOfDay?.text,
  });
  return ok(recurrence);
}

function summarise(problems: Problems, base: string | undefined): { ok: false; error: AppError } {
  const where = base ?? 'recurrence';
  const message =
    problems.length === 1
      ? (problems[0] as AppError).message
      : `${where} has ${problems.length} problems: ${problems.map((p) => p.message).join(' ')}`;
  return err({
    code: 'recurrence.invalid',
    message,
    field: base,
    status: 400,
    errors: problems,
  });
}

function parseFrequency(value: unknown, field: string, problems: Problems): Frequency | undefined {
  if (value === undefined) {
    problem(
      problems,
      'recurrence.frequency.missing',
      field,
      value,
      `${field} is missing; give one of ${FREQUENCIES.join(', ')}.`,
    );
    return undefined;
  }
  const found =
    typeof value === 'string' ? FREQUENCIES.find((f) => f.toLowerCase() === value.trim().toLowerCase()) : undefined;
  if (!found) {
    // "Weekly", "days", "Monthly": the SDK's names are singular nouns.
    const hint =
      typeof value === 'string'
        ? (suggest(value.trim().replace(/(ly|s)$/i, ''), FREQUENCIES) ?? suggest(value.trim(), FREQUENCIES))
        : undefined;
    problem(
      problems,
      'recurrence.frequency.invalid',
      field,
      value,
      `${field} is ${showValue(value)}; it must be one of ${FREQUENCIES.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}.`,
    );
  }
  return found;
}

function parseInterval(
  value: unknown,
  field: string,
  frequency: Frequency | undefined,
  problems: Problems,
): number | undefined {
  if (value === undefined) {
    problem(
      problems,
      'recurrence.interval.missing',
      field,
      value,
      `${field} is missing; give a whole number of at least 1.`,
    );
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problem(
      problems,
      'recurrence.interval.not_integer',
      field,
      value,
      `${field} is ${showValue(value)}; it must be a whole number (JSON number) of at least 1.`,
    );
    return undefined;
  }
  const max = frequency ? MAX_INTERVAL[frequency] : Number.POSITIVE_INFINITY;
  if (value < 1 || value > max) {
    const range = frequency ? `from 1 to ${max} for frequency ${frequency}` : 'at least 1';
    problem(problems, 'recurrence.interval.out_of_range', field, value, `${field} is ${value}; it must be ${range}.`);
    return undefined;
  }
  return value;
}

function parseTimeZone(value: unknown, field: string, problems: Problems): ResolvedTimeZone | undefined {
  // Default UTC, as the SDK docs and AML v2 say.
  if (value === undefined) return { iana: 'UTC', given: 'UTC', kind: 'iana' };
  if (typeof value !== 'string') {
    problem(
      problems,
      'recurrence.time_zone.invalid_type',
      field,
      value,
      `${field} is ${showValue(value)}; it must be a time zone name such as "Pacific Standard Time" or "Europe/Berlin".`,
    );
    return undefined;
  }
  const zone = resolveTimeZone(value);
  if (!zone) {
    problem(
      problems,
      'recurrence.time_zone.unknown',
      field,
      value,
      `${field} is ${showValue(value)}, which is neither a Windows time zone name (e.g. "W. Europe Standard Time") nor an IANA name (e.g. "Europe/Berlin"); check the spelling.`,
    );
  }
  return zone;
}

function parseStartTime(value: unknown, field: string, problems: Problems): ParsedStart | undefined {
  if (value === undefined) return undefined;
  const format = `${field} is ${showValue(value)}; write it as ISO 8601 YYYY-MM-DDThh:mm:ss, optionally with Z or an offset such as +01:00.`;
  if (typeof value !== 'string') {
    problem(problems, 'recurrence.start_time.invalid_format', field, value, format);
    return undefined;
  }
  const m = START_TIME.exec(value.trim());
  if (!m) {
    problem(problems, 'recurrence.start_time.invalid_format', field, value, format);
    return undefined;
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (year < MIN_START_YEAR || year > MAX_START_YEAR) {
    problem(
      problems,
      'recurrence.start_time.out_of_range',
      field,
      value,
      `${field} is ${showValue(value)}; the year must be from ${MIN_START_YEAR} to ${MAX_START_YEAR}.`,
    );
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    problem(
      problems,
      'recurrence.start_time.invalid_date',
      field,
      value,
      `${field} is ${showValue(value)}, which is not a real date and time; check the month, day, hour, minute and second.`,
    );
    return undefined;
  }
  let offsetMs: number | undefined;
  if (m[8] !== undefined) offsetMs = 0;
  else if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 18 || om > 59) {
      problem(
        problems,
        'recurrence.start_time.invalid_offset',
        field,
        value,
        `${field} is ${showValue(value)}; its UTC offset must be between -18:00 and +18:00.`,
      );
      return undefined;
    }
    offsetMs = (m[9] === '-' ? -1 : 1) * (oh * HOUR_MS + om * MINUTE_MS);
  }
  // Fractional seconds are dropped (ours): occurrences are whole seconds.
  return { local: { year, month, day, hour, minute, second }, offsetMs };
}

function parseIntegerList(
  value: unknown,
  field: string,
  name: 'hours' | 'minutes',
  max: number,
  problems: Problems,
): number[] | undefined {
  if (value === undefined) return undefined;
  const what = name === 'hours' ? 'hours of the day (0-23)' : 'minutes of the hour (0-59)';
  if (!Array.isArray(value)) {
    problem(
      problems,
      `recurrence.${name}.invalid_type`,
      field,
      value,
      `${field} is ${showValue(value)}; it must be a list of ${what}, e.g. [${name === 'hours' ? '9, 17' : '0, 30'}].`,
    );
    return undefined;
  }
  if (value.length === 0) {
    problem(
      problems,
      `recurrence.${name}.empty`,
      field,
      value,
      `${field} is an empty list; list at least one of the ${what} or leave ${name} out.`,
    );
    return undefined;
  }
  const out = new Set<number>();
  value.forEach((item: unknown, i) => {
    const itemField = fieldPath(field, i);
    if (typeof item !== 'number' || !Number.isInteger(item)) {
      problem(
        problems,
        `recurrence.${name}.not_integer`,
        itemField,
        item,
        `${itemField} is ${showValue(item)}; ${name} must be whole numbers from 0 to ${max}.`,
      );
    } else if (item < 0 || item > max) {
      problem(
        problems,
        `recurrence.${name}.out_of_range`,
        itemField,
        item,
        `${itemField} is ${item}; ${name} must be from 0 to ${max}.`,
      );
    } else out.add(item);
  });
  return [...out].sort((a, b) => a - b);
}

function parseWeekDays(value: unknown, field: string, problems: Problems): WeekDay[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problem(
      problems,
      'recurrence.week_days.invalid_type',
      field,
      value,
      `${field} is ${showValue(value)}; it must be a list of day names, e.g. ["Monday", "Friday"].`,
    );
    return undefined;
  }
  if (value.length === 0) {
    problem(
      problems,
      'recurrence.week_days.empty',
      field,
      value,
      `${field} is an empty list; list at least one day (Monday to Sunday) or leave week_days out.`,
    );
    return undefined;
  }
  const found = new Set<number>();
  value.forEach((item: unknown, i) => {
    const itemField = fieldPath(field, i);
    const index =
      typeof item === 'string' ? WEEK_DAYS.findIndex((d) => d.toLowerCase() === item.trim().toLowerCase()) : -1;
    if (index < 0) {
      const hint =
        typeof item === 'string'
          ? (WEEK_DAYS.find((d) => item.trim().length >= 2 && d.toLowerCase().startsWith(item.trim().toLowerCase())) ??
            suggest(item.trim(), WEEK_DAYS))
          : undefined;
      problem(
        problems,
        'recurrence.week_days.unknown_day',
        itemField,
        item,
        `${itemField} is ${showValue(item)}; week days are Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday${hint ? ` (did you mean ${hint}?)` : ''}.`,
      );
    } else found.add(index);
  });
  // Duplicates collapse; canonical order is Monday first.
  return [...found].sort((a, b) => a - b).map((i) => WEEK_DAYS[i] as WeekDay);
}

function parseTimeOfDay(
  value: unknown,
  field: string,
  problems: Problems,
): { hour: number; minute: number; text: string } | undefined {
  if (value === undefined) return undefined;
  const message = `${field} is ${showValue(value)}; write it as H:MM or HH:MM in 24-hour time, e.g. "17:30".`;
  if (typeof value !== 'string') {
    problem(problems, 'recurrence.time_of_day.invalid_format', field, value, message);
    return undefined;
  }
  const m = TIME_OF_DAY.exec(value.trim());
  const hour = m ? Number(m[1]) : NaN;
  const minute = m ? Number(m[2]) : NaN;
  if (!m || hour > 23 || minute > 59) {
    problem(problems, 'recurrence.time_of_day.invalid_format', field, value, message);
    return undefined;
  }
  return { hour, minute, text: value.trim() };
}

/** Wall-clock milliseconds of a local date-time (as if it were UTC). */
export function localMs(t: LocalDateTime): number {
  return (
    daysFromCivil(t.year, t.month, t.day) * DAY_MS + t.hour * HOUR_MS + t.minute * MINUTE_MS + t.second * SECOND_MS
  );
}

export function localFromMs(ms: number): LocalDateTime {
  const days = floorDiv(ms, DAY_MS);
  const { year, month, day } = civilFromDays(days);
  const inDay = mod(ms, DAY_MS);
  return {
    year,
    month,
    day,
    hour: Math.floor(inDay / HOUR_MS),
    minute: Math.floor((inDay % HOUR_MS) / MINUTE_MS),
    second: Math.floor((inDay % MINUTE_MS) / SECOND_MS),
  };
}
