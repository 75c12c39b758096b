/**
 * An independent reference for the property tests: RFC 5545 recurrence expansion by `rrule` on
 * floating (wall-clock) times, then wall-clock → instant with Luxon's raw offsets and the spec's
 * daylight-saving rule written out the way Temporal specifies 'compatible' disambiguation (looking one
 * day either side), instead of the engine's transition tables.
 */
import { DateTime, IANAZone } from 'luxon';
import { RRule, type Weekday } from 'rrule';
import type { Recurrence } from '../../src/recurrence';

const DAY = 86_400_000;

export function rawOffset(zone: string, t: number): number {
  return Math.round(IANAZone.create(zone).offset(t) * 60) * 1000;
}

/** Whether the zone's offset changes within `margin` ms of the instant. */
export function nearTransition(zone: string, t: number, margin = 26 * 3_600_000): boolean {
  const o = rawOffset(zone, t - margin);
  for (let s = t - margin; s <= t + margin; s += 6 * 3_600_000) if (rawOffset(zone, s) !== o) return true;
  return rawOffset(zone, t + margin) !== o;
}

/** Wall-clock ms (as if UTC) → instant, spec rule: earliest valid instant; in a gap, the pre-gap offset. */
export function refToInstant(zone: string, local: number): number {
  const before = rawOffset(zone, local - DAY);
  const after = rawOffset(zone, local + DAY);
  const valid = [before, after].map((o) => local - o).filter((t) => rawOffset(zone, t) === local - t);
  return valid.length > 0 ? Math.min(...valid) : local - before;
}

export function localOf(zone: string, t: number): DateTime {
  return DateTime.fromMillis(t, { zone });
}

const RR_DAYS: Weekday[] = [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA, RRule.SU];
const ISO: Record<string, number> = {
  Monday: 0,
  Tuesday: 1,
  Wednesday: 2,
  Thursday: 3,
  Friday: 4,
  Saturday: 5,
  Sunday: 6,
};

/** Reference occurrences strictly after `after` whose wall-clock time is at most `untilLocal`. */
export function referenceOccurrences(r: Recurrence, after: number, untilLocal: number): number[] {
  // S as wall-clock time: as written when start_time has no offset, else read through Luxon.
  const withOffset = r.startTimeGiven === undefined || /([Zz]|[+-]\d\d(:?\d\d)?)$/.test(r.startTimeGiven);
  const s = withOffset ? DateTime.fromMillis(r.startMs, { zone: r.timeZone }) : r.startLocal;
  const startLocal = Date.UTC(s.year, s.month - 1, s.day, s.hour, s.minute, s.second);
  const hasPattern = r.hours !== undefined || r.minutes !== undefined || r.weekDays !== undefined;
  const freq = r.frequency === 'Day' ? RRule.DAILY : r.frequency === 'Week' ? RRule.WEEKLY : RRule.MONTHLY;
  const rule = new RRule({
    freq,
    interval: r.interval,
    dtstart: new Date(startLocal),
    wkst: RRule.MO,
    ...(hasPattern
      ? {
          byhour: [...(r.hours ?? [s.hour])],
          byminute: [...(r.minutes ?? [s.minute])],
          bysecond: [0],
          ...(r.frequency === 'Week' && r.weekDays
            ? { byweekday: r.weekDays.map((d) => RR_DAYS[ISO[d] as number] as Weekday) }
            : {}),
        }
      : {}),
  });
  const lower = hasPattern ? Math.max(after, r.startMs) : Math.max(after, r.startMs - 1);
  const fromLocal = Math.max(startLocal, after - 2 * DAY);
  const instants = rule
    .between(new Date(fromLocal), new Date(untilLocal), true)
    .map((d) => refToInstant(r.timeZone, d.getTime()))
    // Without a pattern S itself is the first occurrence, even when an offset names the second
    // instance of an overlapping wall-clock time (then the day-0 wall time maps to an earlier instant).
    .concat(hasPattern ? [] : [r.startMs])
    .filter((t) => t > lower)
    .sort((a, b) => a - b);
  return instants.filter((t, i) => i === 0 || t !== instants[i - 1]);
}

/** Offset changes of a zone during a UTC year, found by scanning daily and bisecting to the second. */
export function transitionsIn(zone: string, year: number): number[] {
  const out: number[] = [];
  let t = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let o = rawOffset(zone, t);
  for (; t < end; t += DAY / 4) {
    const next = t + DAY / 4;
    const on = rawOffset(zone, next);
    if (on === o) continue;
    let lo = t;
    let hi = next;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (rawOffset(zone, mid) === o) lo = mid;
      else hi = mid;
    }
    out.push(hi);
    o = on;
  }
  return out;
}
