/** The recurrence of a time-based schedule, in the Azure ML SDK v1 `ScheduleRecurrence` shape. */

export const FREQUENCIES = ['Minute', 'Hour', 'Day', 'Week', 'Month'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** Week days in ISO order (Monday = index 0, ISO weekday 1). */
export const WEEK_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** Largest `interval` per frequency: the Logic Apps recurrence limits. */
export const MAX_INTERVAL: Readonly<Record<Frequency, number>> = {
  Minute: 72000,
  Hour: 12000,
  Day: 500,
  Week: 71,
  Month: 16,
};

/** The JSON the SDK names (input of `parseRecurrence`, output of `toRecurrenceJson`). */
export interface RecurrenceJson {
  frequency: string;
  interval: number;
  start_time?: string;
  time_zone?: string;
  hours?: number[];
  minutes?: number[];
  week_days?: string[];
  time_of_day?: string;
}

export const RECURRENCE_KEYS = [
  'frequency',
  'interval',
  'start_time',
  'time_zone',
  'hours',
  'minutes',
  'week_days',
  'time_of_day',
] as const;

/** A wall-clock date and time (no zone). */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** A validated, canonical, immutable recurrence. Build it with `parseRecurrence`. */
export interface Recurrence {
  readonly frequency: Frequency;
  readonly interval: number;
  /** S as an instant, epoch milliseconds (whole seconds). */
  readonly startMs: number;
  /** S as an ISO 8601 UTC instant (`…Z`, no fractional seconds). */
  readonly start: string;
  /** S as a wall-clock time in the zone (for a start given without offset: exactly as given). */
  readonly startLocal: LocalDateTime;
  /** `start_time` as given, or undefined when the creation instant was used. */
  readonly startTimeGiven: string | undefined;
  /** IANA zone the computation uses, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** The zone name as given (Windows or IANA, canonical spelling), or `UTC` when none was given. */
  readonly timeZoneName: string;
  /** Sorted, unique; undefined when not given (time_of_day is folded into hours and minutes). */
  readonly hours: readonly number[] | undefined;
  readonly minutes: readonly number[] | undefined;
  /** Sorted Monday-first, unique; undefined when not given. */
  readonly weekDays: readonly WeekDay[] | undefined;
  /** `time_of_day` as given (then `hours`/`minutes` hold its parts), else undefined. */
  readonly timeOfDay: string | undefined;
}
