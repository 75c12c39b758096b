/**
 * Occurrences of a validated recurrence. Nothing here steps through time minute by minute or day by day:
 * the period holding an instant is found arithmetically (epoch days, week and month indexes), so the age
 * of the start does not matter. Wall-clock → instant goes through `ZoneClock.toInstant`, which applies
 * the spec's daylight-saving rule.
 */
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  SECOND_MS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  floorDiv,
  isoWeekday,
  mondayOf,
} from './calendar';
import { ZoneClock } from './timeZones';
import { WEEK_DAYS, type Recurrence } from './types';
import { localMs } from './validate';

/** Last instant an occurrence may have (end of year 9999 UTC) **(ours)**. */
export const MAX_OCCURRENCE_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
/** Bound on the distance between a wall-clock time and any instant it can mean (|offset| < 16 h). */
const WINDOW_MS = 16 * HOUR_MS;

interface ElapsedPlan {
  readonly kind: 'elapsed';
  readonly startMs: number;
  readonly periodMs: number;
}

interface WallPlan {
  readonly kind: 'Day' | 'Week' | 'Month';
  readonly startMs: number;
  /** No pattern: S itself is the first occurrence. With a pattern: occurrences are strictly after S. */
  readonly includeStart: boolean;
  readonly interval: number;
  /** Wall-clock times of day (ms), ascending, unique. */
  readonly times: readonly number[];
  /** ISO weekdays (1 = Monday), ascending (Week only). */
  readonly weekDays: readonly number[];
  readonly anchorDay: number;
  readonly anchorMonday: number;
  readonly anchorMonth: number;
  readonly monthDay: number;
  readonly clock: ZoneClock;
}

type Plan = ElapsedPlan | WallPlan;

const plans = new WeakMap<Recurrence, Plan>();

function planOf(r: Recurrence): Plan {
  let plan = plans.get(r);
  if (!plan) {
    plan = compile(r);
    plans.set(r, plan);
  }
  return plan;
}

function compile(r: Recurrence): Plan {
  if (r.frequency === 'Minute' || r.frequency === 'Hour') {
    return {
      kind: 'elapsed',
      startMs: r.startMs,
      periodMs: r.interval * (r.frequency === 'Minute' ? MINUTE_MS : HOUR_MS),
    };
  }
  const s = r.startLocal;
  const anchorDay = daysFromCivil(s.year, s.month, s.day);
  const hasPattern = r.hours !== undefined || r.minutes !== undefined || r.weekDays !== undefined;
  let times: number[];
  if (hasPattern) {
    // Missing hours take S's hour, missing minutes S's minute; seconds are 0.
    const hours = r.hours ?? [s.hour];
    const minutes = r.minutes ?? [s.minute];
    times = [];
    for (const h of hours) for (const m of minutes) times.push(h * HOUR_MS + m * MINUTE_MS);
    times.sort((a, b) => a - b);
  } else {
    times = [s.hour * HOUR_MS + s.minute * MINUTE_MS + s.second * SECOND_MS];
  }
  const weekDays = r.weekDays ? r.weekDays.map((d) => WEEK_DAYS.indexOf(d) + 1) : [isoWeekday(anchorDay)];
  return {
    kind: r.frequency,
    startMs: r.startMs,
    includeStart: !hasPattern,
    interval: r.interval,
    times,
    weekDays,
    anchorDay,
    anchorMonday: mondayOf(anchorDay),
    anchorMonth: s.year * 12 + (s.month - 1),
    monthDay: s.day,
    clock: ZoneClock.for(r.timeZone),
  };
}

/** First eligible day on or after `day` (epoch days), or undefined past the supported range. */
function firstEligibleDay(p: WallPlan, day: number): number | undefined {
  let d = Math.max(day, p.anchorDay);
  if (p.kind === 'Day') {
    const k = Math.ceil((d - p.anchorDay) / p.interval);
    return p.anchorDay + k * p.interval;
  }
  if (p.kind === 'Week') {
    for (let guard = 0; guard < 3; guard++) {
      let week = floorDiv(d - p.anchorMonday, 7);
      if (week % p.interval !== 0) {
        week = Math.ceil(week / p.interval) * p.interval;
        d = p.anchorMonday + 7 * week;
      }
      const monday = p.anchorMonday + 7 * week;
      for (const wd of p.weekDays) {
        const candidate = monday + wd - 1;
        if (candidate >= d && candidate >= p.anchorDay) return candidate;
      }
      d = monday + 7 * p.interval;
    }
    return undefined;
  }
  // Month: months without S's day are skipped; a valid start date guarantees one within 8 years.
  const c = civilFromDays(d);
  let month = c.year * 12 + (c.month - 1);
  month = p.anchorMonth + Math.ceil((month - p.anchorMonth) / p.interval) * p.interval;
  for (let guard = 0; guard < 200; guard++) {
    const year = Math.floor(month / 12);
    if (year > 9999) return undefined;
    const m = (month % 12) + 1;
    if (p.monthDay <= daysInMonth(year, m)) {
      const candidate = daysFromCivil(year, m, p.monthDay);
      if (candidate >= d) return candidate;
    }
    month += p.interval;
  }
  return undefined;
}

function* elapsedFrom(p: ElapsedPlan, after: number): Generator<number, void, undefined> {
  let k = after < p.startMs ? 0 : Math.floor((after - p.startMs) / p.periodMs) + 1;
  for (;;) {
    const t = p.startMs + k * p.periodMs;
    if (t > MAX_OCCURRENCE_MS) return;
    yield t;
    k++;
  }
}

function* wallFrom(p: WallPlan, after: number): Generator<number, void, undefined> {
  let last: number;
  if (p.includeStart) {
    if (p.startMs > after) {
      if (p.startMs > MAX_OCCURRENCE_MS) return;
      yield p.startMs;
      last = p.startMs;
    } else last = after;
  } else last = Math.max(after, p.startMs);
  const first = p.times[0] as number;
  const lastTime = p.times[p.times.length - 1] as number;
  // Any instant from day d lies within WINDOW_MS of d's wall-clock times, so earlier days cannot matter.
  let day = firstEligibleDay(p, floorDiv(last - lastTime - WINDOW_MS, DAY_MS));
  const pending: number[] = [];
  for (;;) {
    // Every instant still to come from `day` onwards is at least `bound`.
    const bound = day === undefined ? Number.POSITIVE_INFINITY : day * DAY_MS + first - WINDOW_MS;
    if (pending.length > 1) pending.sort((a, b) => a - b);
    while (pending.length > 0 && (pending[0] as number) < bound) {
      const t = pending.shift() as number;
      if (t > last) {
        if (t > MAX_OCCURRENCE_MS) return;
        last = t;
        yield t;
      }
    }
    if (day === undefined) return;
    for (const time of p.times) {
      const local = day * DAY_MS + time;
      // Its instant is at most local + WINDOW_MS: when that is not after `last` it cannot be next.
      if (local + WINDOW_MS > last) pending.push(p.clock.toInstant(local));
    }
    day = firstEligibleDay(p, day + 1);
  }
}

function iterate(r: Recurrence, after: Date): Generator<number, void, undefined> {
  const afterMs = after.getTime();
  if (Number.isNaN(afterMs)) throw new RangeError('recurrence: "after" is not a valid date');
  const plan = planOf(r);
  return plan.kind === 'elapsed' ? elapsedFrom(plan, afterMs) : wallFrom(plan, afterMs);
}

/** The first occurrence strictly after `after`, or undefined when there is none (past year 9999). */
export function nextOccurrence(r: Recurrence, after: Date): Date | undefined {
  const first = iterate(r, after).next();
  return first.done ? undefined : new Date(first.value);
}

/** The first `count` occurrences strictly after `after` (fewer only past year 9999). */
export function occurrencesAfter(r: Recurrence, after: Date, count: number): Date[] {
  const out: Date[] = [];
  if (count <= 0) return out;
  for (const t of iterate(r, after)) {
    out.push(new Date(t));
    if (out.length >= count) break;
  }
  return out;
}

/** Occurrences in (afterExclusive, untilInclusive], at most `limit` of them, earliest first. */
export function occurrencesBetween(r: Recurrence, afterExclusive: Date, untilInclusive: Date, limit: number): Date[] {
  const out: Date[] = [];
  const until = untilInclusive.getTime();
  if (limit <= 0 || Number.isNaN(until)) return out;
  for (const t of iterate(r, afterExclusive)) {
    if (t > until) break;
    out.push(new Date(t));
    if (out.length >= limit) break;
  }
  return out;
}

/** Wall-clock start of the recurrence in epoch ms (as if UTC); exported for tests and descriptions. */
export function startLocalMs(r: Recurrence): number {
  return localMs(r.startLocal);
}
