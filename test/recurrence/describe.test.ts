/** The human-readable summary shown in listings, and the SDK-named JSON written back to state. */
import { describe, expect, it } from 'vitest';
import { describeRecurrence, toRecurrenceJson } from '../../src/recurrence';
import { recurrence } from './helpers';

describe('describeRecurrence', () => {
  it.each([
    [
      {
        frequency: 'Week',
        interval: 2,
        start_time: '2026-01-05T00:00:00',
        time_zone: 'W. Europe Standard Time',
        week_days: ['Friday', 'Monday'],
        hours: [9, 17],
        minutes: [30],
      },
      'Runs at 9:30, 17:30 on Monday, Friday every 2 Weeks (W. Europe Standard Time, Europe/Berlin), from 2026-01-05 00:00',
    ],
    [
      { frequency: 'Day', interval: 1, start_time: '2026-01-05T08:00:00Z', hours: [8, 16], minutes: [30, 45] },
      'Runs at 8:30, 8:45, 16:30, 16:45 every Day (UTC), from 2026-01-05 08:00',
    ],
    [
      { frequency: 'Week', interval: 1, start_time: '2026-01-07T06:05:09', time_zone: 'Europe/London' },
      'Runs at 6:05:09 on Wednesday every Week (Europe/London), from 2026-01-07 06:05:09',
    ],
    [
      { frequency: 'Minute', interval: 15, start_time: '2026-03-08T01:00:00', time_zone: 'Eastern Standard Time' },
      'Runs every 15 Minutes from 2026-03-08 01:00 (Eastern Standard Time, America/New_York)',
    ],
    [
      { frequency: 'hour', interval: 1, start_time: '2026-03-08T01:15:00' },
      'Runs every Hour from 2026-03-08 01:15 (UTC)',
    ],
    [
      { frequency: 'Month', interval: 3, start_time: '2026-01-31T06:00:00', time_zone: 'UTC' },
      'Runs at 6:00 on day 31 every 3 Months (UTC), from 2026-01-31 06:00; months without day 31 are skipped',
    ],
  ])('%j → %s', (json, text) => {
    expect(describeRecurrence(recurrence(json))).toBe(text);
  });
});

describe('toRecurrenceJson', () => {
  it('writes canonical SDK names and values', () => {
    const r = recurrence({
      frequency: 'week',
      interval: 1,
      start_time: '2026-01-05T09:00:00',
      time_zone: 'pacific standard time',
      week_days: ['FRIDAY', 'monday', 'Monday'],
      hours: [17, 9],
      minutes: [0],
    });
    expect(toRecurrenceJson(r)).toEqual({
      frequency: 'Week',
      interval: 1,
      start_time: '2026-01-05T09:00:00',
      time_zone: 'Pacific Standard Time',
      hours: [9, 17],
      minutes: [0],
      week_days: ['Monday', 'Friday'],
    });
  });
});
